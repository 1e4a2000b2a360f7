// The bench's targets (bench/report.ts): ratios to PyTorch and GEMM's share of the 128-bit SIMD peak
// (bench/simd-peak.ts), judged from the measurements of one run.
import { describe, expect, it } from "vitest";
import { targets, type Lookup } from "../../bench/report";
import { measureSimdPeak } from "../../bench/simd-peak";
import type { Measurement } from "../../bench/spawn";

/** A lookup over fake medians: { "gradwork gemm1024 2": 60, ... }. */
function lookup(medians: Record<string, number>): Lookup {
  return (f, id, t) => {
    const v = medians[`${f} ${id} ${t}`];
    return v === undefined ? undefined : ({ framework: f, workload: id, threads: t, summary: { median: v } } as unknown as Measurement);
  };
}

describe("bench targets", () => {
  const find = (ts: ReturnType<typeof targets>, start: string) => ts.find((t) => t.label.startsWith(start))!;

  it("GEMM 1024 against the SIMD peak at the same thread count: met at ≥ 70 %, not met below, not measured without a peak", () => {
    const get = lookup({ "gradwork gemm1024 2": 70, "pytorch gemm1024 2": 100 });
    const met = find(targets(get, 2, [{ threads: 1, gflops: 50 }, { threads: 2, gflops: 100 }]), "GEMM 1024 ≥ 70 %");
    expect(met.value).toBeCloseTo(0.7);
    expect(met.ok).toBe(true);
    const missed = find(targets(get, 2, [{ threads: 2, gflops: 101 }]), "GEMM 1024 ≥ 70 %");
    expect(missed.ok).toBe(false);
    expect(find(targets(get, 2), "GEMM 1024 ≥ 70 %").ok).toBeUndefined();
    // the PyTorch ratio beside it
    const vsTorch = find(targets(get, 2), "GEMM 1024 ≥ 0.45×");
    expect(vsTorch.value).toBeCloseTo(0.7);
    expect(vsTorch.ok).toBe(true);
  });

  it("the 1→2 thread speed-up of the VGG-style net is judged at 1.8×", () => {
    const sp = (one: number, two: number) => find(targets(lookup({ "gradwork vgg-b64 1": one, "gradwork vgg-b64 2": two }), 2), "VGG-style b64 speed-up");
    expect(sp(100, 181).ok).toBe(true);
    expect(sp(100, 179).ok).toBe(false);
  });

  it("the alternating measurement, when there is one, decides the speed-up target (not the separate processes)", () => {
    const get = lookup({ "gradwork vgg-b64 1": 100, "gradwork vgg-b64 2": 150 }); // 1.5× apart
    const alt = (framework: string, median: number) =>
      ({ framework, workload: "vgg-b64", threads: 2, summary: { median }, result: { alternated: [{ threads: 1, samples: [100] }, { threads: 2, samples: [185] }] } }) as unknown as Measurement;
    const t = find(targets(get, 2, undefined, [alt("pytorch", 1.9), alt("gradwork", 1.85)]), "VGG-style b64 speed-up");
    expect(t.value).toBe(1.85);
    expect(t.ok).toBe(true);
    expect(t.label).toMatch(/alternating/);
    expect(find(targets(get, 2, undefined, [alt("gradwork", 1.7)]), "VGG-style b64 speed-up").ok).toBe(false);
    // without it: the ratio of the two processes' medians
    expect(find(targets(get, 2), "VGG-style b64 speed-up").value).toBeCloseTo(1.5);
  });
});

describe("bench/stats.ts measureAlternating", () => {
  it("times every thread count in each round after a switch, and gives the last count's speed-up over the first", async () => {
    const { measureAlternating } = await import("../../bench/stats");
    let threads = 0;
    const log: string[] = [];
    // a fake step: 2 ms at one thread, 1.25 ms at two (a 1.6× speed-up)
    const step = () => {
      log.push(`step@${threads}`);
      const until = performance.now() + (threads === 1 ? 2 : 1.25);
      while (performance.now() < until);
    };
    const t = await measureAlternating(step, (n) => (threads = n), [1, 2], 64, { runs: 4, targetRunS: 0.02, warmupS: 0.01, budgetS: 5 });
    expect(t.samples).toHaveLength(4);
    expect(t.perThreads.map((r) => r.threads)).toEqual([1, 2]);
    t.perThreads.forEach((r) => expect(r.samples).toHaveLength(4));
    for (let r = 0; r < 4; r++) expect(t.samples[r]).toBeCloseTo(t.perThreads[1].samples[r] / t.perThreads[0].samples[r], 10);
    // (lenient bounds: the fake steps are wall-clock waits, and the suite also runs beside CPU load)
    const sorted = [...t.samples].sort((a, b) => a - b);
    expect(sorted[2]).toBeGreaterThan(1.1);
    expect(sorted[1]).toBeLessThan(2.5);
    // throughput in images per second: 64 images per 2 ms step at one thread ≈ 32,000
    expect(t.perThreads[0].samples[0]).toBeGreaterThan(5_000);
    expect(t.perThreads[0].samples[0]).toBeLessThan(33_000);
    expect(log[0]).toBe("step@2"); // warm-up at the last count
  });

  it("parseOptions: training workloads and the speed-up warm up longer than the kernels", async () => {
    const { parseOptions } = await import("../../bench/options");
    for (const quick of [false, true]) {
      const o = parseOptions(quick ? ["--quick"] : []);
      expect(o.trainPlan.warmupS).toBeGreaterThan(o.plan.warmupS);
      expect(o.alternatePlan.warmupS).toBeGreaterThan(o.plan.warmupS);
      expect(o.trainPlan.budgetS).toBeGreaterThan(o.trainPlan.warmupS + o.trainPlan.runs * o.trainPlan.targetRunS);
    }
  });
});

describe("bench/simd-peak.ts", { timeout: 120_000 }, () => {
  it("compiles the FMA loop and measures a positive GFLOP/s per thread count", async () => {
    const p = await measureSimdPeak({ threads: [1], repeats: 1 });
    expect(p.rows).toHaveLength(1);
    expect(p.rows[0].threads).toBe(1);
    expect(p.rows[0].gflops).toBeGreaterThan(0.5);
    expect(Number.isFinite(p.rows[0].gflops)).toBe(true);
    // Node 22+ has relaxed SIMD on by default; Node 20 behind the flag simd-peak sets
    expect(p.fma).toBe(true);
  });
});

describe("bench/recipe.ts timeTo", () => {
  it("adds up epoch times until the test accuracy first reaches the mark", async () => {
    const { timeTo } = await import("../../bench/recipe");
    const epochs = [
      { epoch: 1, testAccuracy: 0.7, seconds: 60 },
      { epoch: 2, testAccuracy: 0.76, seconds: 61 },
      { epoch: 3, testAccuracy: 0.74, seconds: 59 },
    ];
    expect(timeTo(epochs, 0.75)).toBe(121);
    expect(timeTo(epochs, 0.7)).toBe(60);
    expect(timeTo(epochs, 0.8)).toBeNull();
  });
});
