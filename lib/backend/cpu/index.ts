/**
 * The multithreaded "cpu" backend: WebAssembly SIMD kernels (GEMM, convolutions, the hottest
 * elementwise runs, per-channel sums and affine maps) and range-split JavaScript kernels (other elementwise ops, pooling, reductions)
 * run by a pool of worker threads over one shared memory. Tensors of 4,096 floats or more are
 * allocated in that memory (memory/heap.ts), so kernels use them in place; other arrays are copied in for
 * the call, or the kernel runs inline on the calling thread when that is cheaper. Same semantics as
 * the reference backend, and results do not depend on the thread count. Where WebAssembly SIMD or
 * threads are missing, every kernel falls back to the reference one.
 *
 * @example
 * import * as gw from "gradwork";
 * gw.setNumThreads(2);           // or GRADWORK_THREADS=2 in the environment
 * gw.getNumThreads();            // 2
 */
import type { Backend, KernelName, Kernels } from "../backend";
import { referenceBackend } from "../reference";
import { MAX_THREADS } from "./threads/control";
import { failJob } from "./threads/job";
import { ThreadPool } from "./threads/thread-pool";
import { type Sized, chooseThreads, share } from "./share";
import { HeapFullError, type HeapStats } from "./memory/heap";
import { loadKernels } from "./wasm-loader";
import { FAST_KERNELS, type FastKernel } from "./kernels";

/** Tensors smaller than this stay ordinary arrays (a kernel call on them is cheap anyway). */
const HEAP_MIN_FLOATS = 4096;

let pool: ThreadPool | null = null;
let unavailable: string | null = null;
let requestedThreads: number | null = null;
/** The default thread count and its source, worked out once (GRADWORK_THREADS warnings print once). */
let defaultChoice: Sized | null = null;

function defaultThreads(): Sized {
  return (defaultChoice ??= chooseThreads(MAX_THREADS));
}

/** The pool, started on first use; null when this engine cannot run the fast kernels. */
function getPool(): ThreadPool | null {
  if (pool || unavailable) return pool;
  const kernels = loadKernels();
  if (typeof kernels === "string") {
    unavailable = kernels;
    process.emitWarning(`gradwork cpu backend: using the reference kernels: ${kernels}`);
    return null;
  }
  pool = new ThreadPool(kernels, requestedThreads ?? defaultThreads().value);
  return pool;
}

/**
 * Set how many threads the cpu backend uses (the calling thread counts as one). Lowering the
 * count parks the extra worker threads (asleep: no CPU time, their memory stays) and raising it
 * again wakes the same ones, ready at once.
 *
 * @example
 * gw.setNumThreads(1); // single-threaded, e.g. to compare timings
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RangeError(`setNumThreads: expected an integer between 1 and ${MAX_THREADS}, got ${n}`);
  }
  requestedThreads = n;
  pool?.setThreads(n);
}

/**
 * The number of threads the cpu backend uses: setNumThreads, else GRADWORK_THREADS, else the CPUs
 * this process may use (its cgroup CPU quota and CPU affinity, see cpuBackendInfo).
 *
 * @example
 * console.log(gw.getNumThreads()); // e.g. 2
 */
export function getNumThreads(): number {
  return pool ? pool.getThreads() : (requestedThreads ?? defaultThreads().value);
}

/** What cpuBackendInfo() reports. */
export interface CpuBackendInfo {
  /** Threads kernels run on (the calling thread included). */
  threads: number;
  /** Where the thread count came from: "setNumThreads", "GRADWORK_THREADS", "cgroup", "affinity" or "machine". */
  threadsSource: string;
  /** Soft limit of the shared-memory tensor heap in bytes (0: off), and where it came from: "GRADWORK_HEAP_MB", "cgroup" or "machine". */
  heapLimitBytes: number;
  heapSource: string;
  /** How long waiting threads busy-wait before they sleep now, in ms (GRADWORK_SPIN_MS; by default 2, or 0 while other work waits for the CPUs; 0 without a pool). */
  spinMs: number;
  /** The thread count, heap and spin choices in words. */
  details: string[];
  /** This process's share of the machine: CPUs and memory it may use (cgroup limits and CPU affinity). */
  cpus: number;
  memoryBytes: number;
  simd: boolean;
  relaxedSimd: boolean;
  /** V8 compiler flags the kernels were compiled with (e.g. "--experimental-wasm-revectorize"). */
  v8Flags: string[];
  /** Why the reference kernels run instead of the fast ones, or null. */
  fallbackReason: string | null;
}

/**
 * Facts about the running cpu backend: how many threads it uses and how big its tensor heap may
 * grow, each with where the figure came from (an environment variable, setNumThreads, the
 * process's cgroup limits, its CPU affinity or the machine), and whether the SIMD kernels run —
 * when this engine cannot run them, the backend falls back to the slow reference kernels while
 * `getBackend()` still says "cpu", and `fallbackReason` says why.
 *
 * @example
 * const info = gw.cpuBackendInfo();
 * console.log(`${info.threads} threads (${info.threadsSource}), heap ${info.heapLimitBytes / 2 ** 20} MiB (${info.heapSource})`);
 */
export function cpuBackendInfo(): CpuBackendInfo {
  const p = getPool();
  const s = share();
  const threads: Sized = requestedThreads !== null
    ? { value: getNumThreads(), source: "setNumThreads", detail: `setNumThreads(${requestedThreads})` }
    : { ...defaultThreads(), value: getNumThreads() };
  const heap = p?.heapLimit ?? { value: 0, source: "none", detail: "no heap: the reference kernels run" };
  return {
    threads: threads.value,
    threadsSource: threads.source,
    heapLimitBytes: heap.value,
    heapSource: heap.source,
    spinMs: p?.spinNow() ?? 0,
    details: [threads.detail, heap.detail, ...(p ? [p.spin.detail] : [])],
    cpus: s.cpus,
    memoryBytes: s.memoryBytes,
    simd: p !== null,
    relaxedSimd: p?.kernels.relaxed ?? false,
    v8Flags: p?.kernels.v8Flags ?? [],
    fallbackReason: unavailable,
  };
}

/**
 * The backend's kernel `name`: its fast version on the pool when there is one (after its argument
 * check), else — or when the pool cannot start, or a call needs more than the shared memory
 * holds — the reference kernel. The one place where the cpu backend falls back.
 */
function kernel<K extends KernelName>(name: K): Kernels[K] {
  const ref = referenceBackend[name] as (...args: Parameters<Kernels[K]>) => void;
  const fast = FAST_KERNELS[name] as FastKernel<K> | undefined;
  if (!fast) return ref as Kernels[K];
  const { check, run } = fast;
  return ((...args: Parameters<Kernels[K]>) => {
    check?.(...args);
    const p = getPool();
    if (!p) return ref(...args);
    try {
      run(p, ...args);
    } catch (e) {
      if (e instanceof HeapFullError) return ref(...args);
      throw e;
    }
  }) as Kernels[K];
}

const KERNEL_NAMES: readonly KernelName[] = ["unary", "binary", "where", "reduce", "matmul", "conv2d", "conv2dBackwardInput", "conv2dBackwardWeight", "pool2d", "pool2dBackward", "channelSums", "channelAffine", "sgdUpdate", "take", "scatterAdd"];

/** Create the cpu backend object (kernels share one lazily started thread pool). */
export function createCpuBackend(): Backend {
  const kernels = Object.fromEntries(KERNEL_NAMES.map((name) => [name, kernel(name)])) as unknown as Kernels;
  return {
    name: "cpu",
    alloc(size, uninitialized = false) {
      // big tensors live in the shared memory so that kernels use them in place on every thread
      if (size >= HEAP_MIN_FLOATS) {
        const arr = getPool()?.allocTensor(size, uninitialized);
        if (arr) return arr;
      }
      return new Float32Array(size);
    },
    stepBoundary() {
      pool?.heap.stepBoundary(); // (before the first kernel call there is nothing to reclaim)
    },
    ...kernels,
  };
}

/** The cpu backend (its thread pool starts on the first kernel call). */
export const cpuBackend: Backend = createCpuBackend();

/** Internal, for tests: run a job whose tasks throw on thread `thread` (-1: all threads). */
export function __failJobForTests(thread: number, tasks: number, spinUs = 200): void {
  const p = getPool();
  if (!p) throw new Error("cpu backend unavailable");
  p.run(failJob, { thread, spinUs }, { tasks });
}

/**
 * How much of the cpu backend's shared-memory tensor heap is in use: null before the backend's
 * first kernel call, or when this engine runs the reference kernels. See memory/heap.ts.
 *
 * @example
 * const s = gw.cpuHeapStats();
 * if (s) console.log(`${(s.usedBytes / 2 ** 20).toFixed(0)} MiB of ${(s.limitBytes / 2 ** 20).toFixed(0)} MiB`);
 */
export function cpuHeapStats(): HeapStats | null {
  return pool ? pool.heap.stats() : null;
}
