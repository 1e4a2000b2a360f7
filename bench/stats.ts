// Timing loop and summary statistics shared by every JavaScript workload (gradwork, TF.js, ConvNetJS).
// bench/peers/torch_bench.py follows the same protocol, so figures from both sides compare.
import { readFileSync } from "node:fs";

/** How long to measure one workload. */
export interface TimingPlan {
  /** Runs to time (each run gives one sample). */
  runs: number;
  /** Aim for runs this long (seconds): fast steps are repeated within one run. */
  targetRunS: number;
  /** Warm up (JIT, caches, thread pool) for at least this long and at least one step. */
  warmupS: number;
  /** Stop adding runs once warm-up plus runs would pass this (seconds); at least one sample is always taken. */
  budgetS: number;
}

/** Throughput samples (units per second, one per run) and how they were taken. */
export interface Timing {
  samples: number[];
  stepsPerRun: number;
  /** True when the only sample is the first (cold) step, because one step already used the whole budget. */
  cold: boolean;
}

/** Let the event loop turn, as a training loop does between steps (fit, the DataLoader's `for await`). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Time `step` (which does `unitsPerStep` units of work: FLOPs, images) following `plan`. The event
 * loop turns after every step, as in a real training loop; for gradwork this is when the storage of
 * dead tensors returns to the shared-memory heap.
 *
 * @example
 * const t = await measure(() => a.matmul(b), 2 * n ** 3 / 1e9, { runs: 5, targetRunS: 1, warmupS: 0.5, budgetS: 12 });
 * summarize(t.samples).median; // GFLOP/s
 */
export async function measure(step: () => void, unitsPerStep: number, plan: TimingPlan): Promise<Timing> {
  const now = () => performance.now() / 1000;
  const start = now();
  const warm: number[] = [];
  while (warm.length < 1 || now() - start < plan.warmupS) {
    const t0 = now();
    step();
    warm.push(now() - t0);
    await turn();
  }
  const warmS = now() - start;
  const last = warm[warm.length - 1];
  if (warmS >= plan.budgetS) return { samples: [unitsPerStep / last], stepsPerRun: 1, cold: warm.length === 1 };
  // typical step time: the median of the warm-up steps after the first (which pays for compilation)
  const stepS = Math.max(median(warm.length > 1 ? warm.slice(1) : warm), 1e-6);
  const stepsPerRun = Math.max(1, Math.round(plan.targetRunS / stepS));
  const affordable = Math.max(1, Math.floor((plan.budgetS - warmS) / (stepsPerRun * stepS)));
  const runs = Math.max(1, Math.min(plan.runs, affordable));
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = now();
    for (let s = 0; s < stepsPerRun; s++) {
      step();
      await turn();
    }
    samples.push((unitsPerStep * stepsPerRun) / (now() - t0));
  }
  return { samples, stepsPerRun, cold: false };
}

/** Throughput at each thread count, measured in turn, and the speed-ups they give. */
export interface AlternatingTiming {
  /** One speed-up per round: throughput at the last thread count over the first. */
  samples: number[];
  perThreads: { threads: number; samples: number[] }[];
  stepsPerRun: number;
  cold: boolean;
}

/**
 * A speed-up measured so that machine noise hits both sides alike: after warming up at the last
 * thread count, each round runs `stepsPerRun` timed steps at every count of `threads` in turn (one
 * untimed step after each switch), for `plan.runs` rounds within `plan.budgetS`. On a shared 2-core
 * machine, throughput drifts by ±20 % over tens of seconds; two separate processes measured a minute
 * apart can give speed-ups from 1.2× to 1.9× for the same code, alternating rounds do not.
 *
 * @example
 * const t = await measureAlternating(step, gw.setNumThreads, [1, 2], 64, plan);
 * summarize(t.samples).median; // e.g. 1.8 (2 threads over 1)
 */
export async function measureAlternating(step: () => void, setThreads: (n: number) => void, threads: number[], unitsPerStep: number, plan: TimingPlan): Promise<AlternatingTiming> {
  const now = () => performance.now() / 1000;
  const start = now();
  const last = threads[threads.length - 1];
  setThreads(last);
  const warm: number[] = [];
  while (warm.length < 2 || now() - start < plan.warmupS) {
    const t0 = now();
    step();
    warm.push(now() - t0);
    await turn();
  }
  // steps per run from the slowest count (one untimed step there, after the switch, and one timed)
  setThreads(threads[0]);
  step();
  await turn();
  const t0 = now();
  step();
  const slowS = Math.max(now() - t0, 1e-6);
  await turn();
  const stepsPerRun = Math.max(1, Math.round(plan.targetRunS / slowS));
  const perThreads = threads.map((t) => ({ threads: t, samples: [] as number[] }));
  const samples: number[] = [];
  let roundS = 0;
  for (let r = 0; r < plan.runs; r++) {
    if (r > 0 && now() - start + roundS > plan.budgetS) break;
    const r0 = now();
    for (const row of perThreads) {
      setThreads(row.threads);
      step(); // after a switch: workers wake up, caches refill
      await turn();
      const s0 = now();
      for (let s = 0; s < stepsPerRun; s++) {
        step();
        await turn();
      }
      row.samples.push((unitsPerStep * stepsPerRun) / (now() - s0));
    }
    roundS = now() - r0;
    samples.push(perThreads[perThreads.length - 1].samples[r] / perThreads[0].samples[r]);
  }
  return { samples, perThreads, stepsPerRun, cold: false };
}

/** Median, extremes and quartiles of a list of samples. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  n: number;
}

function median(xs: number[]): number {
  return quantile([...xs].sort((a, b) => a - b), 0.5);
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Summarize samples (linear-interpolated quartiles, like numpy's default).
 *
 * @example
 * summarize([3, 1, 2]); // { median: 2, min: 1, max: 3, q1: 1.5, q3: 2.5, n: 3 }
 */
export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error("summarize: no samples");
  const s = [...samples].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), min: s[0], max: s[s.length - 1], q1: quantile(s, 0.25), q3: quantile(s, 0.75), n: s.length };
}

/** This process's peak resident memory (VmHWM) in MB (10^6 bytes), or null where /proc is missing. */
export function peakRssMB(): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? (Number(m[1]) * 1024) / 1e6 : null;
  } catch {
    return null;
  }
}
