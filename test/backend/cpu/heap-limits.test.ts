// The tensor heap honours its limit in a training loop that never awaits (issue 20, "Memory"):
// such a loop gives the FinalizationRegistry no chance to report dead tensors, so before this the
// heap either filled up and every later tensor fell back to a copied array (slow), or grew past
// GRADWORK_HEAP_MB by recycling scratch blocks as tensors (16 MiB → 860 MiB used), and
// GRADWORK_HEAP_MB=0 ("off") still placed tensors in the heap. Each case runs in a child process
// with its own GRADWORK_HEAP_MB, and every run must compute the same losses bit for bit.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FULL_SLACK_BYTES } from "../../../lib/backend/cpu/memory/heap";

const root = resolve(__dirname, "../../..");
const MiB = 2 ** 20;

interface Run {
  losses: number[];
  peakRssMB: number;
  baseRssMB: number;
  stats: { usedBytes: number; reservedBytes: number; limitBytes: number; tensorBytes: number; tensors: number; fallbacks: number; sweeps: number; sweepMs: number; minorSweeps: number };
  minorClears: boolean;
  faultsPerStep: number;
  loopMs: number;
  maxTensorBytes: number;
}

/** A conv net + wide linear layer trained for `steps` synchronous steps (no await anywhere). */
function run(heapMB: string | undefined, steps: number, extraEnv: NodeJS.ProcessEnv = {}): Run {
  const script = `
    const gw = require(${JSON.stringify(join(root, "dist/index.js"))});
    gw.setNumThreads(2);
    gw.manualSeed(7);
    const model = new gw.nn.Sequential(
      new gw.nn.Conv2d(3, 16, 3, { padding: 1 }), new gw.nn.ReLU(), new gw.nn.MaxPool2d(2),
      new gw.nn.Flatten(), new gw.nn.Linear(16 * 16 * 16, 256), new gw.nn.ReLU(), new gw.nn.Linear(256, 10));
    const opt = new gw.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const x = gw.randn([32, 3, 32, 32]), y = gw.randint(0, 10, [32]);
    const faults = () => Number(require("node:fs").readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ")[7]);
    const baseRss = process.memoryUsage.rss();
    let faults0 = 0;
    let peak = baseRss, maxTensorBytes = 0;
    const losses = [], t0 = performance.now();
    for (let s = 0; s < ${steps}; s++) {
      const loss = gw.F.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      losses.push(loss.item());
      peak = Math.max(peak, process.memoryUsage.rss());
      maxTensorBytes = Math.max(maxTensorBytes, gw.cpuHeapStats().tensorBytes);
      if (s === 4) faults0 = faults();
    }
    const faultsPerStep = (faults() - faults0) / (${steps} - 5);
    const minorClears = require(${JSON.stringify(join(root, "dist/backend/cpu/memory/liveness.js"))}).minorCollectionClearsWeakRefs();
    const loopMs = performance.now() - t0;
    console.log(JSON.stringify({ losses, peakRssMB: peak / 2 ** 20, baseRssMB: baseRss / 2 ** 20, stats: gw.cpuHeapStats(), loopMs, maxTensorBytes, minorClears, faultsPerStep }));`;
  const env: NodeJS.ProcessEnv = { ...process.env, GRADWORK_THREADS: "", ...extraEnv };
  if (heapMB === undefined) delete env.GRADWORK_HEAP_MB;
  else env.GRADWORK_HEAP_MB = heapMB;
  const r = spawnSync(process.execPath, ["-e", script], { env, encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

describe("a training loop that never awaits", { timeout: 600_000 }, () => {
  const steps = 40;
  let off: Run;

  it("GRADWORK_HEAP_MB=0 turns the heap off: no tensor in it", () => {
    off = run("0", steps);
    expect(off.stats.limitBytes).toBe(0);
    expect(off.stats.tensors).toBe(0);
    expect(off.stats.tensorBytes).toBe(0);
    expect(off.losses[steps - 1]).toBeLessThan(off.losses[0]); // it does train
  });

  it("GRADWORK_HEAP_MB=16: tensors never hold more than 16 MiB, memory stays bounded, same losses", () => {
    const r = run("16", steps);
    expect(r.losses).toEqual(off.losses);
    expect(r.maxTensorBytes).toBeLessThanOrEqual(16 * MiB);
    expect(r.stats.tensors).toBeGreaterThan(0);
    // scratch of one kernel call comes on top of the tensors; before, the heap reached 860 MiB here
    expect(r.stats.usedBytes).toBeLessThan(48 * MiB);
    expect(r.stats.reservedBytes).toBeLessThan(96 * MiB);
    expect(r.peakRssMB - r.baseRssMB, "RSS growth during the loop (MB)").toBeLessThan(300);
  });

  it("GRADWORK_HEAP_MB=64: a full heap is swept synchronously, so tensors keep living in it (few fallbacks), same losses", () => {
    const r = run("64", steps);
    expect(r.losses).toEqual(off.losses);
    expect(r.maxTensorBytes).toBeLessThanOrEqual(64 * MiB);
    expect(r.stats.sweeps, "synchronous sweeps of dead tensors").toBeGreaterThan(0);
    // before: once full, every later tensor was an ordinary array (copied in and out per kernel)
    expect(r.stats.fallbacks / (r.stats.tensors + r.stats.fallbacks), `fallbacks ${JSON.stringify(r.stats)}`).toBeLessThan(0.2);
    // the sweeps are rate-limited to about a tenth of the running time (generous bound: noisy machine)
    expect(r.stats.sweepMs / r.loopMs).toBeLessThan(0.35);
    expect(r.stats.reservedBytes).toBeLessThan(160 * MiB);
  });

  it("by default (a quarter of the memory, at most 1 GiB) the loop stays in the heap without fallbacks", () => {
    const r = run(undefined, 24);
    expect(r.losses).toEqual(off.losses.slice(0, 24));
    expect(r.stats.fallbacks).toBe(0);
    expect(r.maxTensorBytes).toBeLessThanOrEqual(r.stats.limitBytes);
    expect(r.stats.reservedBytes).toBeLessThanOrEqual(r.stats.limitBytes + 128 * MiB);
  });

  it("by default the loop reuses the blocks it freed instead of filling the limit with fresh memory", () => {
    // ~14 MB of new tensors per step: 80 steps would fill the whole 1 GiB before the first sweep (the
    // old policy: ~570 MB reserved after 40 steps, every step writing fresh pages the OS must fault in)
    const r = run(undefined, 80);
    expect(r.losses.slice(0, steps)).toEqual(off.losses);
    expect(r.stats.fallbacks).toBe(0);
    expect(r.stats.sweeps, JSON.stringify(r.stats)).toBeGreaterThan(0);
    // the live tensors (~45 MB) plus at most FULL_SLACK_BYTES (160 MiB) of not yet swept ones, plus scratch
    expect(r.maxTensorBytes, JSON.stringify(r.stats)).toBeLessThanOrEqual(45 * MiB + FULL_SLACK_BYTES + 20 * MiB);
    expect(r.stats.reservedBytes, JSON.stringify(r.stats)).toBeLessThan(45 * MiB + FULL_SLACK_BYTES + 100 * MiB);
    if (r.minorClears) expect(r.stats.minorSweeps, "cheap young-generation sweeps between the full ones").toBeGreaterThan(r.stats.sweeps / 2);
    else expect(r.stats.minorSweeps).toBe(0);
  });

  it("zeroGrad() marks the steps: on Node 26 the heap sweeps between them, so no full sweeps and fewer tensors held (GRADWORK_STEP_SWEEPS=0: the old way)", () => {
    const steps = 90;
    const r = run(undefined, steps);
    const old = run(undefined, steps, { GRADWORK_STEP_SWEEPS: "0" });
    expect(r.losses).toEqual(old.losses);
    expect(r.stats.fallbacks).toBe(0);
    const full = (x: Run) => x.stats.sweeps - x.stats.minorSweeps;
    if (!r.minorClears) {
      // Node 20: minor collections cannot find dead tensors, so the boundaries change nothing
      // (heap.test.ts checks that stepBoundary() is a no-op there). The two runs still differ a
      // little: V8's own collections can free a tensor a moment earlier in one of them (with a busy
      // process beside them, 2 MiB apart at the peak once)
      const both = JSON.stringify({ boundaries: { ...r.stats, max: r.maxTensorBytes }, old: { ...old.stats, max: old.maxTensorBytes } });
      expect(Math.abs(r.stats.sweeps - old.stats.sweeps), both).toBeLessThanOrEqual(1);
      expect(Math.abs(r.maxTensorBytes - old.maxTensorBytes), both).toBeLessThanOrEqual(8 * MiB);
      expect(r.maxTensorBytes, both).toBeLessThanOrEqual(45 * MiB + FULL_SLACK_BYTES + 20 * MiB);
      return;
    }
    const detail = JSON.stringify({ boundaries: { ...r.stats, max: r.maxTensorBytes }, old: { ...old.stats, max: old.maxTensorBytes } });
    // ~14 MB of tensors a step, one minor sweep a step at its boundary. The old way sweeps every
    // 8 MiB: activations that outlive two sweeps die old and pile up until the full-sweep slack
    // (160 MiB) calls for a full sweep; here they sometimes do (up to ~140 MB held in one run of
    // 60 steps), sometimes not (36 MB), so only the new way's bounds are asserted
    expect(full(r), detail).toBe(0);
    expect(r.stats.minorSweeps, detail).toBeLessThanOrEqual(steps + 5);
    // the live tensors (~20 MB: weights, gradients, momentum) and about two steps' worth
    expect(r.maxTensorBytes, detail).toBeLessThan(64 * MiB);
  });
});

describe("minorCollectionClearsWeakRefs", () => {
  it("is what this V8 does: V8 14 (Node 26) clears the WeakRefs of dead young arrays in a minor collection, V8 11–13 (Node 20–24) do not", () => {
    const script = `
      const l = require(${JSON.stringify(join(root, "dist/backend/cpu/memory/liveness.js"))});
      const clears = l.minorCollectionClearsWeakRefs();
      // and what it says holds: a dead young array's WeakRef is cleared by clearKeptObjects + a minor collection
      const make = () => new WeakRef(new Float32Array(8));
      let cleared = 0;
      for (let i = 0; i < 5; i++) { const r = make(); l.clearKeptObjects(); l.requestCollection("minor"); if (r.deref() === undefined) cleared++; }
      // a live one never is
      const live = new Float32Array(8), ref = new WeakRef(live);
      l.clearKeptObjects(); l.requestCollection("minor"); l.requestCollection("full");
      console.log(JSON.stringify({ clears, cleared, liveKept: ref.deref() === live }));`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    const v8Major = Number(process.versions.v8.split(".")[0]);
    expect(out.clears).toBe(v8Major >= 14);
    if (out.clears) expect(out.cleared).toBeGreaterThanOrEqual(4);
    else expect(out.cleared).toBe(0);
    expect(out.liveKept).toBe(true);
  });
});
