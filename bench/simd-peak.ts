/**
 * The 128-bit WebAssembly SIMD peak of this machine, the yardstick of issue 20's GEMM target
 * ("≥ 70 % of the 128-bit SIMD peak"): a loop of f32x4 fused multiply-adds (relaxed SIMD) on 12
 * independent accumulators, enough to keep every FMA unit busy through its latency, with no memory
 * traffic. 8 FLOP per f32x4 FMA. Compiled here with AssemblyScript, in a process where V8's 256-bit
 * revectorizer is off (bench/child.ts --simd-peak does not load gradwork, which turns it on), so the
 * figure is the 128-bit peak; gradwork's GEMM may exceed it on Node 24+ where the revectorizer turns
 * pairs of 128-bit operations into 256-bit ones.
 *
 * With all threads, every thread runs the same loop in its own worker at once and the peak is the
 * total work over the wall time of the slowest.
 *
 *   node node_modules/tsx/dist/cli.mjs bench/simd-peak.ts      # prints the peak at 1 and all threads
 *
 * @example
 * const peak = await measureSimdPeak({ threads: [1, 2], repeats: 5 });
 * console.log(peak.rows[0].gflops); // e.g. 48 on a 3 GHz core with two 128-bit FMA units
 */
import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";

/** AssemblyScript source of the loop: 12 accumulators, 12 FMAs (96 FLOP) per iteration. */
const SOURCE = `
export function peak(iterations: i32, xs: f32, ys: f32): f32 {
  const x = f32x4.splat(xs), y = f32x4.splat(ys); // (parameters: constants would be re-materialised per use)
  let a0 = f32x4.splat(<f32>1), a1 = f32x4.splat(<f32>2), a2 = f32x4.splat(<f32>3), a3 = f32x4.splat(<f32>4);
  let a4 = f32x4.splat(<f32>5), a5 = f32x4.splat(<f32>6), a6 = f32x4.splat(<f32>7), a7 = f32x4.splat(<f32>8);
  let a8 = f32x4.splat(<f32>9), a9 = f32x4.splat(<f32>10), a10 = f32x4.splat(<f32>11), a11 = f32x4.splat(<f32>12);
  for (let i = 0; i < iterations; i++) {
    a0 = FMA(a0, x, y); a1 = FMA(a1, x, y); a2 = FMA(a2, x, y); a3 = FMA(a3, x, y);
    a4 = FMA(a4, x, y); a5 = FMA(a5, x, y); a6 = FMA(a6, x, y); a7 = FMA(a7, x, y);
    a8 = FMA(a8, x, y); a9 = FMA(a9, x, y); a10 = FMA(a10, x, y); a11 = FMA(a11, x, y);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))), 0);
}
`;
const FLOP_PER_ITERATION = 12 * 8;

export interface SimdPeak {
  /** True: fused multiply-add (relaxed SIMD); false: the engine has no relaxed SIMD, so mul + add. */
  fma: boolean;
  rows: { threads: number; gflops: number }[];
}

/** Compile the loop (FMA where relaxed SIMD exists, else multiply then add). */
/** The engine's WebAssembly API (not in the project's TypeScript lib settings). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
interface Asc {
  compileString(sources: Record<string, string>, options: object): Promise<{ error: Error | null; binary: Uint8Array | null; stderr: { toString(): string } }>;
}

async function compile(): Promise<{ module: object; fma: boolean }> {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  // the 128-bit figure: no 256-bit revectorization; relaxed SIMD on where the engine has it behind a flag
  // (setFlagsFromString prints a warning for a flag this V8 lacks: name only those it has)
  const v8Major = Number(process.versions.v8.split(".")[0]);
  if (v8Major >= 12) setFlagsFromString("--no-experimental-wasm-revectorize");
  if (v8Major < 12) setFlagsFromString("--experimental-wasm-relaxed-simd");
  const ascPath = "assemblyscript/asc"; // (ESM-only: imported at run time, not resolved by tsc)
  const asc = ((await import(ascPath)) as { default: Asc }).default;
  for (const fma of [true, false]) {
    const body = fma ? "f32x4.relaxed_madd(a, b, c)" : "f32x4.add(f32x4.mul(a, b), c)";
    const source = `@inline function FMA(a: v128, b: v128, c: v128): v128 { return ${body}; }\n${SOURCE}`;
    const out = await asc.compileString({ "peak.ts": source }, { optimizeLevel: 3, runtime: "stub", enable: fma ? ["simd", "relaxed-simd"] : ["simd"] });
    if (out.error || !out.binary) throw new Error(`simd-peak: AssemblyScript failed: ${out.error?.message ?? "no binary"}\n${out.stderr.toString()}`);
    try {
      return { module: new wasm.Module(out.binary), fma };
    } catch (e) {
      if (!fma) throw e; // no relaxed SIMD in this engine: measure multiply + add
    }
  }
  throw new Error("unreachable");
}

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { peak } = new WebAssembly.Instance(workerData.module).exports;
// short calls first, so that V8 tiers the function up from its baseline compiler (no OSR in wasm);
// the optimized code comes from a background compile and Node 20's V8 took longer than 60 calls (its
// first worker measured a tenth of the peak): call for at least 0.5 s
for (let i = 0, t0 = performance.now(); i < 60 || performance.now() - t0 < 500; i++) peak(1e5, 0.999999, 1e-7);
parentPort.on("message", (n) => { peak(n, 0.999999, 1e-7); parentPort.postMessage("done"); });
parentPort.postMessage("ready");
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Median GFLOP/s of the loop at each thread count (each run ~0.2 s).
 *
 * @example
 * (await measureSimdPeak({ threads: [1] })).rows; // [{ threads: 1, gflops: 47.6 }]
 */
export async function measureSimdPeak(opts: { threads?: number[]; repeats?: number } = {}): Promise<SimdPeak> {
  const { module, fma } = await compile();
  const repeats = opts.repeats ?? 5;
  const rows: SimdPeak["rows"] = [];
  for (const threads of opts.threads ?? [...new Set([1, availableParallelism()])]) {
    const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { module } }));
    const next = (w: Worker) => new Promise<void>((resolve, reject) => {
      w.once("message", () => resolve());
      w.once("error", reject);
    });
    try {
      await Promise.all(workers.map(next)); // ready
      // size one run at ~0.2 s from a short calibration run
      const round = async (n: number) => {
        const t = performance.now();
        await Promise.all(workers.map((w) => {
          const done = next(w);
          w.postMessage(n);
          return done;
        }));
        return performance.now() - t;
      };
      const calib = 2e5;
      const n = Math.max(calib, Math.round((calib * 200) / Math.max(1, await round(calib))));
      const gflops: number[] = [];
      for (let r = 0; r < repeats; r++) gflops.push((threads * n * FLOP_PER_ITERATION) / (await round(n)) / 1e6);
      rows.push({ threads, gflops: median(gflops) });
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }
  return { fma, rows };
}

if (require.main === module) {
  measureSimdPeak().then((p) => {
    for (const r of p.rows) console.log(`128-bit SIMD peak (${p.fma ? "f32x4 FMA" : "f32x4 mul + add"}), ${r.threads} thread(s): ${r.gflops.toFixed(1)} GFLOP/s`);
  });
}
