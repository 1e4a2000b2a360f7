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
