import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { loadMetadata, load } from "../../lib/io/safetensors";
import { chapterConvNet } from "../../lib/train/models";
import { main, optimizerFile, parseArgs, percent, usage } from "../../lib/tools/train";
import { removeTempDirs, tempDir, writeBatches } from "../data/cifar-fixture";

afterAll(removeTempDirs);

/** Runs main() and returns its exit code with what it printed on stdout and stderr. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((s) => void out.push(String(s)));
  const warn = vi.spyOn(console, "warn").mockImplementation((s) => void err.push(String(s)));
  const error = vi.spyOn(console, "error").mockImplementation((s) => void err.push(String(s)));
  try {
    const code = await main(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    warn.mockRestore();
    error.mockRestore();
  }
}

describe("train CLI: flags", () => {
  it("parses long flags in both spellings, short aliases, and defaults", () => {
    const a = parseArgs(["--model", "vgg-bn", "--epochs=3", "--batch-size", "32", "--lr", "0.1", "--augment", "--limit", "100", "--schedule", "onecycle"]);
    expect(a).toMatchObject({ model: "vgg-bn", epochs: 3, batchSize: 32, lr: 0.1, augment: true, limit: 100, schedule: "onecycle", momentum: 0.9, seed: 0 });
    expect(a.out).toBe(join("checkpoints", "vgg-bn.safetensors"));
    expect(parseArgs([])).toMatchObject({ model: "convnet", epochs: 2, batchSize: 64, lr: 0.01, augment: false, schedule: "none", help: false, version: false, outGiven: false });
    const s = parseArgs(["-m", "vgg", "-e", "4", "-b", "16", "-d", "/data", "-n", "50", "-a", "-t", "2", "-s", "7", "-o", "x.safetensors", "-r", "y.safetensors"]);
    expect(s).toMatchObject({ model: "vgg", epochs: 4, batchSize: 16, data: "/data", limit: 50, augment: true, threads: 2, seed: 7, out: "x.safetensors", outGiven: true, resume: "y.safetensors" });
    expect(parseArgs(["-h"]).help).toBe(true);
    expect(parseArgs(["--help"]).help).toBe(true);
    expect(parseArgs(["-V"]).version).toBe(true);
    expect(parseArgs(["--version"]).version).toBe(true);
    expect(parseArgs(["-e4"]).epochs).toBe(4);
  });

  it("rejects bad flags with a message naming the flag", () => {
    expect(() => parseArgs(["--model", "resnet"])).toThrow(/--model must be one of convnet, vgg, vgg-bn, got "resnet"/);
    expect(() => parseArgs(["--epochs", "1.5"])).toThrow(/--epochs must be an integer >= 1, got "1.5"/);
    expect(() => parseArgs(["--lr"])).toThrow(/--lr needs a value \(X\)/);
    expect(() => parseArgs(["--lr", "--epochs", "2"])).toThrow(/--lr needs a value/);
    expect(() => parseArgs(["--speed", "9"])).toThrow(/unknown flag --speed/);
    expect(() => parseArgs(["-x"])).toThrow(/unknown flag -x/);
    expect(() => parseArgs(["convnet"])).toThrow(/unexpected argument "convnet"/);
    expect(() => parseArgs(["--augment=yes"])).toThrow(/--augment takes no value/);
    expect(() => parseArgs(["-e"])).toThrow(/--epochs needs a value \(N\)/);
  });

  it("documents every flag and its alias in --help", () => {
    const text = usage();
    for (const flag of ["model", "epochs", "batch-size", "lr", "momentum", "schedule", "data", "md5", "limit", "augment", "threads", "backend", "seed", "out", "resume", "version", "help"]) {
      expect(text).toContain(`--${flag}`);
    }
    for (const short of ["-m", "-e", "-b", "-d", "-n", "-a", "-t", "-s", "-o", "-r", "-V", "-h"]) expect(text).toContain(`${short}, --`);
  });

  it("answers -h and --version, and points to --help on a bad flag (exit code 2)", async () => {
    const h = await run(["-h"]);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^Train a gradwork course model/);
    const v = await run(["--version"]);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/^gradwork \d+\.\d+\.\d+/);
    const bad = await run(["--batch-size", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('train: --batch-size must be an integer >= 1, got "0" (see --help)');
  });

  it("prints – rather than NaN% for an epoch without a test pass", () => {
    expect(percent(0.4567)).toBe("45.7%");
    expect(percent(NaN)).toBe("–");
  });
});

describe("train CLI: runs", () => {
  const data = tempDir();
  writeBatches(data, 4, 6);

  it("trains, writes a loadable checkpoint and its optimizer state, and resumes from them", async () => {
    const out = join(tempDir(), "sub", "model.safetensors");
    const first = await run(["--data", data, "--epochs", "1", "--batch-size", "5", "--augment", "--out", out, "--seed", "3"]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/loaded 20 training and 6 test images/);
    expect(first.out).toMatch(/test accuracy \d+\.\d+% /);
    expect(first.out).not.toMatch(/NaN/);
    expect(loadMetadata(out)).toMatchObject({ model: "convnet", epochs: "1", epochsCompleted: "1", seed: "3" });
    load(chapterConvNet(), out);
    expect(existsSync(optimizerFile(out))).toBe(true);
    expect(loadMetadata(optimizerFile(out))).toMatchObject({ format: "gradwork-optimizer", type: '"SGD"' });

    const json = join(tempDir(), "run.json");
    const again = await run(["-d", data, "-e", "3", "-b", "5", "-r", out, "--json", json]);
    expect(again.code).toBe(0);
    // --json: the figures of the epochs run now, numbered in the whole run, and the final test accuracy
    const report = JSON.parse(readFileSync(json, "utf8"));
    expect(report.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([2, 3]);
    for (const e of report.epochs) {
      expect(e.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(e.testAccuracy).toBeLessThanOrEqual(1);
      expect(e.seconds).toBeGreaterThan(0);
    }
    expect(report).toMatchObject({ model: "convnet", stopped: false });
    expect(again.out).toContain(`test accuracy ${(100 * report.testAccuracy).toFixed(2)}%`);
    expect(again.out).toMatch(/resumed from .* after 1 epoch\(s\), with the optimizer state/);
    expect(again.out).toMatch(/epochs 2–3/);
    expect(again.out).toMatch(/\n\s+3\s+\d/); // the table numbers the epochs of the whole run
    expect(loadMetadata(out)).toMatchObject({ epochs: "3", epochsCompleted: "3" });

    const none = await run(["-d", data, "-e", "3", "-r", out]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/already done 3 epoch\(s\); --epochs is the total, so give more than 3 \(see --help\)/);
    const wrongModel = await run(["-d", data, "-e", "5", "-m", "vgg", "-r", out]);
    expect(wrongModel.err).toMatch(/holds a convnet model but --model is vgg/);
    const missing = await run(["-d", data, "-r", join(data, "nope.safetensors")]);
    expect(missing.err).toMatch(/--resume: no checkpoint at/);
  });

  it("after Ctrl+C: stops gracefully, writes the checkpoint, prints – for the partial epoch and exits 130", async () => {
    const script = resolve(__dirname, "..", "..", "dist", "tools", "train.js");
    expect(existsSync(script), "run `npm run build` first").toBe(true);
    const out = join(tempDir(), "stopped.safetensors");
    const child = spawn(process.execPath, [script, "-d", data, "-e", "200", "-b", "1", "-o", out], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, GRADWORK_THREADS: "1" } });
    let stdout = "";
    let sent = false;
    child.stdout.on("data", (b) => {
      stdout += String(b);
      if (!sent && /model convnet/.test(stdout)) {
        sent = true;
        setTimeout(() => child.kill("SIGINT"), 300);
      }
    });
    child.stderr.on("data", () => {});
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(code).toBe(130);
    expect(stdout).toMatch(/stopped early/);
    expect(stdout).toMatch(/–/);
    expect(stdout).not.toMatch(/NaN/);
    expect(stdout).toMatch(/resume with: npm run train -- --resume/);
    expect(existsSync(out)).toBe(true);
    expect(Number(loadMetadata(out).epochsCompleted)).toBeLessThan(200);
  }, 120_000);
});
