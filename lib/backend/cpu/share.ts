// How much CPU and memory this process may actually use: its cgroup's limits (v2 `cpu.max` and
// `memory.max`, or v1 `cpu.cfs_quota_us` and `memory.limit_in_bytes`, the tightest of the cgroup
// and its ancestors) and its CPU affinity (`os.availableParallelism()`, which follows
// sched_getaffinity on Linux), rather than the machine's totals. A kernel on a shared JupyterHub
// server limited to 2 CPUs and 2 GB then starts 2 threads and a 512 MiB heap, not 64 and 1 GiB.
//
// For tests, GRADWORK_CGROUP_ROOT replaces /sys/fs/cgroup and GRADWORK_PROC_CGROUP replaces the
// file /proc/self/cgroup (both paths).
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join, posix } from "node:path";

/** The CPU and memory share of this process, each with where it came from. */
export interface Share {
  /** Whole CPUs this process may run on at once (at least 1). */
  cpus: number;
  /** "cgroup" (a CPU quota), "affinity" (fewer allowed cores than the machine has) or "machine". */
  cpusSource: "cgroup" | "affinity" | "machine";
  /** Bytes of memory this process may use. */
  memoryBytes: number;
  memorySource: "cgroup" | "machine";
  /** The file that set the tightest limit, when a cgroup did (e.g. /sys/fs/cgroup/user/1000/cpu.max). */
  cgroupFiles: string[];
}

/** Limits above this are "no limit" (cgroup v1 writes 2^63 rounded down to a page). */
const NO_LIMIT = 2 ** 60;

function read(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

/** The cgroup path of every hierarchy of this process: "" for v2, else the v1 controller list. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** The folder and its ancestors up to the hierarchy's root, deepest first. */
function ancestors(mount: string, path: string): string[] {
  const dirs: string[] = [];
  for (let p = posix.normalize(path || "/"); ; p = posix.dirname(p)) {
    dirs.push(join(mount, p));
    if (p === "/" || p === ".") break;
  }
  return dirs;
}

interface Limit {
  value: number;
  file: string;
}

/** The tightest of `parse(dir)` over the cgroup and its ancestors. */
function tightest(dirs: string[], parse: (dir: string) => Limit | null): Limit | null {
  let best: Limit | null = null;
  for (const dir of dirs) {
    const l = parse(dir);
    if (l && (!best || l.value < best.value)) best = l;
  }
  return best;
}

/** CPUs allowed by a v2 `cpu.max` ("max 100000" or "200000 100000"). */
function cpuMaxV2(dir: string): Limit | null {
  const file = join(dir, "cpu.max");
  const [quota, period] = (read(file) ?? "max").split(/\s+/);
  if (quota === "max" || !(Number(period) > 0) || !(Number(quota) > 0)) return null;
  return { value: Number(quota) / Number(period), file };
}

function memoryMaxV2(dir: string): Limit | null {
  const file = join(dir, "memory.max");
  const v = Number(read(file) ?? "max");
  return Number.isFinite(v) && v > 0 && v < NO_LIMIT ? { value: v, file } : null;
}

function cpuQuotaV1(dir: string): Limit | null {
  const file = join(dir, "cpu.cfs_quota_us");
  const quota = Number(read(file) ?? -1), period = Number(read(join(dir, "cpu.cfs_period_us")) ?? 0);
  return quota > 0 && period > 0 ? { value: quota / period, file } : null;
}

function memoryLimitV1(dir: string): Limit | null {
  const file = join(dir, "memory.limit_in_bytes");
  const v = Number(read(file) ?? NaN);
  return Number.isFinite(v) && v > 0 && v < NO_LIMIT ? { value: v, file } : null;
}

/** The cgroup limits of this process (v2 and, on hybrid or v1 machines, v1), null where none. */
export function cgroupLimits(
  root = process.env.GRADWORK_CGROUP_ROOT || "/sys/fs/cgroup",
  procCgroup = process.env.GRADWORK_PROC_CGROUP || "/proc/self/cgroup",
): { cpus: Limit | null; memory: Limit | null } {
  const groups = parseProcCgroup(read(procCgroup) ?? "");
  const cpuL: (Limit | null)[] = [], memL: (Limit | null)[] = [];
  const v2 = groups.get("");
  if (v2 !== undefined) {
    // pure v2 mounts the hierarchy at the root; hybrid machines at root/unified
    for (const mount of [root, join(root, "unified")]) {
      const dirs = ancestors(mount, v2);
      cpuL.push(tightest(dirs, cpuMaxV2));
      memL.push(tightest(dirs, memoryMaxV2));
    }
  }
  for (const [controllers, path] of groups) {
    const names = controllers.split(",");
    if (names.includes("cpu")) for (const m of [controllers, "cpu", "cpu,cpuacct"]) cpuL.push(tightest(ancestors(join(root, m), path), cpuQuotaV1));
    if (names.includes("memory")) memL.push(tightest(ancestors(join(root, "memory"), path), memoryLimitV1));
  }
  const min = (ls: (Limit | null)[]) => ls.reduce<Limit | null>((b, l) => (l && (!b || l.value < b.value) ? l : b), null);
  return { cpus: min(cpuL), memory: min(memL) };
}

/**
 * This process's share of the machine. A fractional CPU quota is rounded down (1.5 CPUs → 1
 * thread): a thread more than the quota makes every parallel kernel wait for throttled threads.
 *
 * @example
 * const s = share();
 * console.log(`${s.cpus} CPUs (${s.cpusSource}), ${s.memoryBytes / 2 ** 30} GiB (${s.memorySource})`);
 */
export function share(): Share {
  const limits = cgroupLimits();
  const machine = cpus().length || 1;
  const allowed = availableParallelism();
  let cpusN = allowed, cpusSource: Share["cpusSource"] = allowed < machine ? "affinity" : "machine";
  const cgroupFiles: string[] = [];
  if (limits.cpus) {
    const quota = Math.max(1, Math.floor(limits.cpus.value + 1e-9));
    if (quota < cpusN) {
      cpusN = quota;
      cpusSource = "cgroup";
      cgroupFiles.push(limits.cpus.file);
    }
  }
  let memoryBytes = totalmem(), memorySource: Share["memorySource"] = "machine";
  if (limits.memory && limits.memory.value < memoryBytes) {
    memoryBytes = limits.memory.value;
    memorySource = "cgroup";
    cgroupFiles.push(limits.memory.file);
  }
  return { cpus: cpusN, cpusSource, memoryBytes, memorySource, cgroupFiles };
}

/** A figure the backend sized itself with, and where it came from. */
export interface Sized {
  value: number;
  /** "setNumThreads", "GRADWORK_THREADS", "GRADWORK_HEAP_MB", "GRADWORK_SPIN_MS", "cgroup", "affinity", "machine" or "default". */
  source: string;
  /** One line for people: e.g. "cgroup /sys/fs/cgroup/…/cpu.max allows 2 CPUs". */
  detail: string;
}

/**
 * Default thread count: GRADWORK_THREADS (clamped to `maxThreads`, the most the pool supports, with
 * a warning), else this process's CPU share.
 */
export function chooseThreads(maxThreads: number, s: Share = share()): Sized {
  const env = process.env.GRADWORK_THREADS;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 1 && n <= maxThreads) return { value: n, source: "GRADWORK_THREADS", detail: `GRADWORK_THREADS=${n}` };
    const why = Number.isInteger(n) && n > maxThreads ? `is above the most this backend supports (${maxThreads})` : "is not a positive integer";
    const value = Number.isInteger(n) && n > maxThreads ? maxThreads : s.cpus;
    const message = `GRADWORK_THREADS="${env}" ${why}; using ${value} threads`;
    process.emitWarning(message);
    return { value, source: "GRADWORK_THREADS", detail: message };
  }
  const value = Math.min(maxThreads, s.cpus);
  const where = s.cpusSource === "cgroup" ? `the cgroup limit in ${s.cgroupFiles[0]}` : s.cpusSource === "affinity" ? "the CPU affinity of this process" : "the machine's cores";
  return { value, source: s.cpusSource, detail: `${value} thread${value === 1 ? "" : "s"} from ${where}` };
}

const MiB = 2 ** 20;

/**
 * Soft limit of the tensor heap: GRADWORK_HEAP_MB (0 turns the heap off), else a quarter of the
 * memory this process may use (its cgroup's limit, else the machine's), between 64 MiB and 1 GiB.
 */
export function chooseHeapLimit(maxBytes: number, s: Share = share()): Sized {
  const env = process.env.GRADWORK_HEAP_MB;
  if (env !== undefined && env !== "") {
    const mb = Number(env);
    if (Number.isFinite(mb) && mb >= 0) {
      const value = Math.min(maxBytes, Math.round(mb * MiB));
      return { value, source: "GRADWORK_HEAP_MB", detail: mb === 0 ? "GRADWORK_HEAP_MB=0: heap off" : `GRADWORK_HEAP_MB=${env}` };
    }
    process.emitWarning(`GRADWORK_HEAP_MB="${env}" is not a non-negative number; using the default`);
  }
  const value = Math.min(2 ** 30, Math.max(64 * MiB, Math.floor(s.memoryBytes / 4 / MiB) * MiB));
  const from = s.memorySource === "cgroup" ? `the cgroup limit in ${s.cgroupFiles[s.cgroupFiles.length - 1]}` : "the machine's memory";
  return { value, source: s.memorySource, detail: `a quarter of ${(s.memoryBytes / MiB).toFixed(0)} MiB (${from}), between 64 MiB and 1 GiB` };
}

/** Default busy-wait of a waiting thread, in milliseconds (see chooseSpin). */
export const DEFAULT_SPIN_MS = 2;

/** How long the pool's waiting threads busy-wait before they sleep. */
export interface SpinPolicy extends Sized {
  /** Milliseconds (0–1000). */
  value: number;
  /** Whether the spin stops while other work waits for the CPUs (see spinFor); false when GRADWORK_SPIN_MS sets it. */
  auto: boolean;
}

/**
 * How long a waiting thread of the pool busy-waits before it sleeps: GRADWORK_SPIN_MS (0–1000,
 * milliseconds, always), else 2 ms while the machine is not busy (see spinFor). A worker spins
 * after each job for the next one, the main thread for the workers' last tasks; the spin keeps a
 * worker's wake-up (~50–200 µs from Atomics.wait on a virtual machine) out of every kernel call.
 * Measured on a VGG b64 step (one process alternating the settings and 1 and 2 threads, median of
 * 10–12 rounds, six runs): 1→2-thread speed-up 1.76–1.81 with the earlier spin (~50 µs for
 * workers, a few µs for the main thread), 1.82–1.89 with 2 ms; 0.5 and 5 ms measured like 2.
 */
export function chooseSpin(): SpinPolicy {
  const env = process.env.GRADWORK_SPIN_MS;
  if (env !== undefined && env !== "") {
    const ms = Number(env);
    if (Number.isFinite(ms) && ms >= 0 && ms <= 1000) return { value: ms, auto: false, source: "GRADWORK_SPIN_MS", detail: `GRADWORK_SPIN_MS=${env}: threads busy-wait ${ms} ms before sleeping` };
    process.emitWarning(`GRADWORK_SPIN_MS="${env}" is not a number of milliseconds between 0 and 1000; using ${DEFAULT_SPIN_MS}`);
  }
  return { value: DEFAULT_SPIN_MS, auto: true, source: "default", detail: `threads busy-wait ${DEFAULT_SPIN_MS} ms before sleeping, none while other work waits for the CPUs` };
}

/** How busy the machine's CPUs are: the share of the last 10 s in which some task waited for a CPU (Linux PSI, null when missing), the 1-minute load average and the CPUs this process may run on. */
export interface CpuPressure {
  waitingPercent: number | null;
  load1: number;
  cpus: number;
}

/** Read /proc/pressure/cpu ("some avg10=…", Linux ≥ 4.20 with PSI on) and the load average. */
export function cpuPressure(path = "/proc/pressure/cpu"): CpuPressure {
  const m = /^some avg10=([0-9.]+)/.exec(read(path) ?? "");
  return { waitingPercent: m ? Number(m[1]) : null, load1: loadavg()[0], cpus: availableParallelism() };
}

/**
 * The spin to use now: none while other work waits for the CPUs, else `ms`. Busy means some task
 * waited for a CPU more than 10 % of the last 10 s (PSI); without PSI, a 1-minute load average
 * above the CPUs by more than a half (slower to notice). A spinning thread on a busy machine takes
 * the core from a thread with work. Measured, VGG b64 at 2 threads on 2 cores: 113 and 132 ms a
 * step without a spin against 139 and 163 ms with 2 ms, beside one busy process (PSI 38 %); alone
 * PSI stays at ~2 % with the spin.
 *
 * @example
 * spinFor(2, { waitingPercent: 2, load1: 1.9, cpus: 2 }); // 2
 * spinFor(2, { waitingPercent: 38, load1: 2.9, cpus: 2 }); // 0: another busy process
 */
export function spinFor(ms: number, p: CpuPressure): number {
  const busy = p.waitingPercent !== null ? p.waitingPercent > 10 : p.load1 > p.cpus + 0.5;
  return busy ? 0 : ms;
}
