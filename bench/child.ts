// Child process entry: runs ONE workload of one JavaScript framework and prints its result.
// Usage (from bench/run.ts): node <tsx flags> bench/child.ts '<ChildRequest as JSON>'
import { READY_MARK, RESULT_MARK, type ChildRequest, type ChildResult } from "./protocol";

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error("bench/child.ts: missing the request (a JSON ChildRequest) as first argument");
  if (arg === "--kernels") {
    // bench/kernels.ts belongs to the cpu backend; loaded by path so the bench still runs without it
    const opts = JSON.parse(process.argv[3] ?? "{}") as { repeats: number; sizes: number[]; threads: number[] };
    const mod = require("./kernels") as { benchKernels: (o: typeof opts) => unknown };
    process.stdout.write(`\n${READY_MARK}\n`);
    process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(mod.benchKernels(opts))}\n`);
    process.exit(0);
  }
  if (arg === "--simd-peak") {
    // its own process: gradwork (which turns on V8's 256-bit revectorizer) is not loaded here
    const opts = JSON.parse(process.argv[3] ?? "{}") as { repeats: number; threads: number[] };
    const { measureSimdPeak } = await import("./simd-peak");
    process.stdout.write(`\n${READY_MARK}\n`);
    process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(await measureSimdPeak(opts))}\n`);
    process.exit(0);
  }
  const req = JSON.parse(arg) as ChildRequest;
  const ready = () => process.stdout.write(`\n${READY_MARK}\n`);
  let result: ChildResult;
  if (req.framework === "gradwork") {
    const { runGradwork } = await import("./gradwork");
    result = await runGradwork(req, ready);
  } else if (req.framework === "tfjs") {
    const { runTfjs } = await import("./peers/tfjs");
    result = await runTfjs(req, ready);
  } else if (req.framework === "convnetjs") {
    const { runConvnetjs } = await import("./peers/convnetjs");
    result = await runConvnetjs(req, ready);
  } else {
    throw new Error(`bench/child.ts: unknown framework "${req.framework}"`);
  }
  process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(result)}\n`);
  process.exit(0); // do not wait for idle worker threads
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
