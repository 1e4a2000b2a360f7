// What the parent (bench/run.ts) sends to a child process and what the child prints back.
// Each workload runs in its own process so that its peak memory (VmHWM) is its own.
import type { TimingPlan } from "./stats";
import type { Workload } from "./workloads";

export type Framework = "gradwork" | "pytorch" | "tfjs" | "convnetjs";

export interface ChildRequest {
  framework: Framework;
  workload: Workload;
  threads: number;
  plan: TimingPlan;
  /** The Node binary of a JavaScript child (default: the one running the bench). */
  node?: string;
  /**
   * Measure at each of these thread counts in turn, in this one process (see measureAlternating in
   * stats.ts): `threads` is then ignored and the samples are the speed-ups of the last count over the first.
   */
  alternate?: number[];
}

export interface ChildResult {
  /** Throughput samples in the workload's unit. */
  samples: number[];
  stepsPerRun: number;
  cold: boolean;
  /** Peak resident memory (VmHWM) of the child process, MB (10^6 bytes). */
  peakMB: number | null;
  /** Backend actually used (e.g. "cpu", "reference", "tfjs-cpu"). */
  backend: string;
  /** Threads actually used. */
  threads: number;
  /** Anything the reader must know (fallbacks, differences from the spec). */
  notes: string[];
  /** With ChildRequest.alternate: the throughput samples at each thread count, one per round. */
  alternated?: { threads: number; samples: number[] }[];
}

/** The child prints this marker once set-up is done, just before the first timed step. */
export const READY_MARK = "@@BENCH_READY@@";
/** The child prints its ChildResult as JSON on one line after this marker. */
export const RESULT_MARK = "@@BENCH_RESULT@@";
