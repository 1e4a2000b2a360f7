// Command-line options of `npm run bench`.
import { existsSync, realpathSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { TimingPlan } from "./stats";
import { WORKLOADS, type Group, type Workload } from "./workloads";

export interface BenchOptions {
  quick: boolean;
  workloads: Workload[];
  threads: number[];
  /** Timing for gradwork and PyTorch. */
  plan: TimingPlan;
  /**
   * Timing for gradwork and PyTorch on the training workloads: a longer warm-up, so that the samples
   * show the steady state of a long training run (gradwork's tensor heap grows to its working size
   * over the first ~30 steps, whose page faults slow a 2-thread VGG step by up to ~1.8×).
   */
  trainPlan: TimingPlan;
  /** Timing of the VGG-style net's speed-up, alternating the thread counts in one process (runs = rounds). */
  alternatePlan: TimingPlan;
  /** Timing for the slow single-threaded peers (TF.js, ConvNetJS): capped harder. */
  slowPeerPlan: TimingPlan;
  /** Skip the peers entirely. */
  noPeers: boolean;
  json: string;
  /**
   * A second Node binary to run gradwork's workloads on, side by side with the Node running the bench
   * (default: Debian's /usr/bin/node when it is another version; null = none).
   */
  compareNode: string | null;
}

export const USAGE = `Usage: npm run bench -- [--quick] [--only gemm,conv,convnet,vgg,vggbn] [--threads 1,2] [--no-peers] [--compare-node PATH|none] [--json PATH]
  --quick         fewer and shorter runs (about a third of the time)
  --only          workload groups to run (default: all)
  --threads       thread counts for gradwork and PyTorch (default: 1 and all cores)
  --no-peers      gradwork only
  --compare-node  also run gradwork's workloads on this Node binary, side by side with the bench's own
                  Node (default: /usr/bin/node when it is another version; "none" to skip)
  --json          where to write the results (default: bench/results/latest.json)`;

const GROUPS: Group[] = ["gemm", "conv", "convnet", "vgg", "vggbn"];

/** Debian's Node, when it exists and is not the Node running the bench. */
function defaultCompareNode(): string | null {
  const debian = "/usr/bin/node";
  if (!existsSync(debian)) return null;
  try {
    return realpathSync(debian) === realpathSync(process.execPath) ? null : debian;
  } catch {
    return null;
  }
}

/**
 * Parse the arguments after `npm run bench --`.
 *
 * @example
 * parseOptions(["--quick", "--only", "gemm"]).workloads.map((w) => w.id); // ["gemm256", "gemm512", "gemm1024"]
 */
export function parseOptions(argv: string[]): BenchOptions {
  let quick = false;
  let noPeers = false;
  let groups: Group[] = GROUPS;
  const cores = availableParallelism();
  let threads = cores > 1 ? [1, cores] : [1];
  let json = join(__dirname, "results", "latest.json");
  let compareNode: string | null | undefined;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const take = () => inline ?? value(i++, flag);
    if (flag === "--quick") quick = true;
    else if (flag === "--no-peers") noPeers = true;
    else if (flag === "--only") {
      const names = take().split(",").map((s) => s.trim()).filter(Boolean);
      const bad = names.filter((n) => !GROUPS.includes(n as Group));
      if (bad.length || names.length === 0) throw new Error(`--only: unknown workload group(s) ${JSON.stringify(bad)}; choose from ${GROUPS.join(",")}\n${USAGE}`);
      groups = names as Group[];
    } else if (flag === "--threads") {
      const raw = take();
      const ns = raw.split(",").map((s) => Number(s.trim()));
      if (ns.length === 0 || ns.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--threads: expected positive integers like 1,2, got "${raw}"\n${USAGE}`);
      threads = [...new Set(ns)].sort((a, b) => a - b);
    } else if (flag === "--json") json = take();
    else if (flag === "--compare-node") {
      const v = take();
      if (v !== "none" && !existsSync(v)) throw new Error(`--compare-node: no Node binary at "${v}" (give a path, or "none")\n${USAGE}`);
      compareNode = v === "none" ? null : v;
    }
    else if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`Unknown option "${a}"\n${USAGE}`);
  }
  const plan: TimingPlan = quick
    ? { runs: 3, targetRunS: 0.4, warmupS: 0.3, budgetS: 5 }
    : { runs: 7, targetRunS: 0.7, warmupS: 0.5, budgetS: 12 };
  const trainPlan: TimingPlan = quick
    ? { runs: 3, targetRunS: 0.4, warmupS: 1.5, budgetS: 6.5 }
    : { runs: 7, targetRunS: 0.7, warmupS: 5, budgetS: 17 };
  const alternatePlan: TimingPlan = quick
    ? { runs: 3, targetRunS: 0.4, warmupS: 1.5, budgetS: 10 }
    : { runs: 7, targetRunS: 0.7, warmupS: 5, budgetS: 30 };
  const slowPeerPlan: TimingPlan = quick
    ? { runs: 3, targetRunS: 0.4, warmupS: 0.3, budgetS: 5 }
    : { runs: 5, targetRunS: 1, warmupS: 0.5, budgetS: 10 };
  return {
    quick,
    noPeers,
    workloads: WORKLOADS.filter((w) => groups.includes(w.group)),
    threads,
    plan,
    trainPlan,
    alternatePlan,
    slowPeerPlan,
    json,
    compareNode: compareNode === undefined ? defaultCompareNode() : compareNode,
  };
}
