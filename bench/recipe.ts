/**
 * The CIFAR-10 recipe students run, timed on gradwork and on PyTorch on the same machine (issue 20):
 *
 *   npm run train -- --model vgg-bn --epochs 3 --batch-size 64 --lr 0.05 --schedule onecycle
 *
 * gradwork runs that command (dist/tools/train.js with --json), PyTorch runs bench/peers/torch_recipe.py
 * (the same net, data, normalisation, SGD and one-cycle schedule), one after the other, each with all
 * cores. Printed: test accuracy and wall time (training + test pass) after each epoch, the time until
 * the test accuracy first reached 75 % and 80 %, and PyTorch's time over gradwork's.
 *
 *   npm run bench:recipe                          # 3 epochs, both sides (~10–30 minutes on 2 cores)
 *   npm run bench:recipe -- --epochs 5 --limit 5000 --no-torch
 *
 * @example
 * timeTo([{ epoch: 1, testAccuracy: 0.7, seconds: 60 }, { epoch: 2, testAccuracy: 0.76, seconds: 61 }], 0.75); // 121
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PYTHON } from "./spawn";

const ROOT = resolve(__dirname, "..");

/** One epoch: its test accuracy (0–1) and wall seconds (training and test pass). */
export interface RecipeEpoch {
  epoch: number;
  testAccuracy: number;
  seconds: number;
}

/** Seconds from the start until the test accuracy first reached `mark` (null if it never did). */
export function timeTo(epochs: RecipeEpoch[], mark: number): number | null {
  let t = 0;
  for (const e of epochs) {
    t += e.seconds;
    if (e.testAccuracy >= mark) return t;
  }
  return null;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", fail);
    child.on("exit", (code) => done(code ?? 1));
  });
}

function parseArgv(argv: string[]): { epochs: number; limit?: number; threads: number; torch: boolean; archive: string } {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const archive = get("--archive") ?? resolve(ROOT, "..", "shared", "cifar10", "cifar-10-binary.tar.gz");
  if (!existsSync(archive)) throw new Error(`bench:recipe: no CIFAR-10 archive at ${archive} (pass --archive PATH)`);
  const limit = get("--limit");
  return { epochs: Number(get("--epochs") ?? 3), limit: limit ? Number(limit) : undefined, threads: Number(get("--threads") ?? availableParallelism()), torch: !argv.includes("--no-torch"), archive };
}

const minutes = (s: number | null | undefined) => (s === null || s === undefined ? "not reached" : `${(s / 60).toFixed(1)} min`);

async function main(): Promise<void> {
  const o = parseArgv(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), "gradwork-recipe-"));
  try {
    const common = ["--epochs", String(o.epochs), "--batch-size", "64", "--lr", "0.05"];
    const limit = o.limit ? ["--limit", String(o.limit)] : [];
    console.log(`# CIFAR-10 recipe: vgg-bn, ${o.epochs} epochs of batch 64, lr 0.05 one-cycle, ${o.threads} threads${o.limit ? `, first ${o.limit} images` : ""}\n`);
    console.log(`## gradwork (Node ${process.version})`);
    const gwJson = join(dir, "gradwork.json");
    const gwCode = await run(process.execPath, [join(ROOT, "dist/tools/train.js"), "--model", "vgg-bn", ...common, "--schedule", "onecycle", "--data", o.archive, "--threads", String(o.threads), "--out", join(dir, "vgg-bn.safetensors"), "--json", gwJson, ...limit]);
    if (gwCode !== 0 || !existsSync(gwJson)) throw new Error(`gradwork's training failed (exit ${gwCode})`);
    const gw = JSON.parse(readFileSync(gwJson, "utf8")) as { epochs: RecipeEpoch[] };
    let torch: { epochs: RecipeEpoch[] } | null = null;
    if (o.torch) {
      console.log("\n## PyTorch");
      const tJson = join(dir, "torch.json");
      const code = await run(PYTHON, [join(ROOT, "bench/peers/torch_recipe.py"), "--archive", o.archive, ...common, "--threads", String(o.threads), "--json", tJson, ...limit], { ...process.env, OPENBLAS_NUM_THREADS: "1" });
      if (code === 0 && existsSync(tJson)) {
        const t = JSON.parse(readFileSync(tJson, "utf8")) as { epochs: { epoch: number; testAccuracy: number; elapsedSeconds: number }[] };
        torch = { epochs: t.epochs.map((e, i) => ({ epoch: e.epoch, testAccuracy: e.testAccuracy, seconds: e.elapsedSeconds - (i ? t.epochs[i - 1].elapsedSeconds : 0) })) };
      } else console.log(`PyTorch's side did not run (exit ${code}; Debian's python3-torch is needed)`);
    }
    console.log("\n## Summary\n");
    console.log("| epoch | gradwork test acc | gradwork time | PyTorch test acc | PyTorch time |");
    console.log("| --- | --- | --- | --- | --- |");
    for (let i = 0; i < gw.epochs.length; i++) {
      const g = gw.epochs[i], t = torch?.epochs[i];
      const upTo = (es: RecipeEpoch[]) => es.slice(0, i + 1).reduce((s, e) => s + e.seconds, 0);
      console.log(`| ${g.epoch} | ${(100 * g.testAccuracy).toFixed(2)} % | ${minutes(upTo(gw.epochs))} | ${t ? `${(100 * t.testAccuracy).toFixed(2)} %` : "—"} | ${t ? minutes(upTo(torch!.epochs)) : "—"} |`);
    }
    for (const mark of [0.75, 0.8]) {
      const a = timeTo(gw.epochs, mark), b = torch ? timeTo(torch.epochs, mark) : undefined;
      const ratio = a && b ? ` · PyTorch's time / gradwork's: ${(b / a).toFixed(2)}×` : "";
      console.log(`- time to ≥ ${100 * mark} %: gradwork ${minutes(a)}${torch ? `, PyTorch ${minutes(b)}` : ""}${ratio}`);
    }
    const total = (es: RecipeEpoch[]) => es.reduce((s, e) => s + e.seconds, 0);
    if (torch) console.log(`- whole run: gradwork ${minutes(total(gw.epochs))}, PyTorch ${minutes(total(torch.epochs))} · PyTorch's time / gradwork's: ${(total(torch.epochs) / total(gw.epochs)).toFixed(2)}× (target ≥ 0.5×)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
