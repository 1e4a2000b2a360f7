/**
 * The multithreaded "cpu" backend: WebAssembly SIMD kernels (GEMM, convolutions, the hottest
 * elementwise runs) and range-split JavaScript kernels (other elementwise ops, pooling, reductions)
 * run by a pool of worker threads over one shared memory. Tensors of 4,096 floats or more are
 * allocated in that memory (heap.ts), so kernels use them in place; other arrays are copied in for
 * the call, or the kernel runs inline on the calling thread when that is cheaper. Same semantics as
 * the reference backend, and results do not depend on the thread count. Where WebAssembly SIMD or
 * threads are missing, every kernel falls back to the reference one.
 *
 * @example
 * import * as gw from "gradwork";
 * gw.setNumThreads(2);           // or GRADWORK_THREADS=2 in the environment
 * gw.getNumThreads();            // 2
 */
import type { Backend, Conv2dParams, GemmArgs } from "../backend";
import { referenceBackend } from "../reference";
import { MAX_THREADS } from "./control";
import { conv2dBackwardInputCpu, conv2dBackwardWeightCpu, conv2dCpu } from "./conv";
import { binaryCpu, unaryCpu, whereCpu } from "./elementwise";
import { matmulCpu } from "./matmul";
import { Pool } from "./pool";
import { type Sized, chooseThreads, share } from "./share";
import { pool2dBackwardCpu, pool2dCpu } from "./pooling";
import { reduceCpu } from "./reduce";
import { HeapFullError } from "./heap";
import { loadKernels } from "./runtime";

/** Tensors smaller than this stay ordinary arrays (a kernel call on them is cheap anyway). */
const HEAP_MIN_FLOATS = 4096;

let pool: Pool | null = null;
let unavailable: string | null = null;
let requestedThreads: number | null = null;
/** The default thread count and its source, worked out once (GRADWORK_THREADS warnings print once). */
let defaultChoice: Sized | null = null;

function defaultThreads(): Sized {
  return (defaultChoice ??= chooseThreads(MAX_THREADS));
}

/** The pool, started on first use; null when this engine cannot run the fast kernels. */
function getPool(): Pool | null {
  if (pool || unavailable) return pool;
  const kernels = loadKernels();
  if (typeof kernels === "string") {
    unavailable = kernels;
    process.emitWarning(`gradwork cpu backend: using the reference kernels: ${kernels}`);
    return null;
  }
  pool = new Pool(kernels, requestedThreads ?? defaultThreads().value);
  return pool;
}

/**
 * Set how many threads the cpu backend uses (the calling thread counts as one).
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
  /** The same two choices in words. */
  details: string[];
  /** This process's share of the machine: CPUs and memory it may use (cgroup limits and CPU affinity). */
  cpus: number;
  memoryBytes: number;
  simd: boolean;
  relaxedSimd: boolean;
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
    details: [threads.detail, heap.detail],
    cpus: s.cpus,
    memoryBytes: s.memoryBytes,
    simd: p !== null,
    relaxedSimd: p?.kernels.relaxed ?? false,
    fallbackReason: unavailable,
  };
}

/** Run `fast` on the pool, or the reference kernel when the pool is unavailable or a call is too big for it. */
function dispatch(fast: (p: Pool) => void, slow: () => void): void {
  const p = getPool();
  if (!p) return slow();
  try {
    fast(p);
  } catch (e) {
    if (e instanceof HeapFullError) return slow();
    throw e;
  }
}

function checkLength(kernel: string, name: string, arr: { length: number }, need: number): void {
  if (arr.length < need) throw new RangeError(`${kernel}: ${name} has ${arr.length} elements but the shapes need ${need}`);
}

function checkGemm(g: GemmArgs): void {
  const { batch, m, n, k } = g;
  for (const [key, v] of Object.entries({ batch, m, n, k })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`matmul: ${key} must be a non-negative integer, got ${v}`);
  }
  if (batch * m * n === 0) return;
  const na = g.aBatchStride === 0 ? 1 : batch, nb = g.bBatchStride === 0 ? 1 : batch;
  checkLength("matmul", `A (batch ${batch}, ${g.transA ? `${k}×${m}` : `${m}×${k}`})`, g.a, g.aOffset + (na - 1) * g.aBatchStride + m * k);
  checkLength("matmul", `B (batch ${batch}, ${g.transB ? `${n}×${k}` : `${k}×${n}`})`, g.b, g.bOffset + (nb - 1) * g.bBatchStride + k * n);
  checkLength("matmul", `out (${batch}×${m}×${n})`, g.out, batch * m * n);
}

function checkConv(kernel: string, p: Conv2dParams): void {
  if (p.groups < 1 || p.c % p.groups !== 0 || p.cOut % p.groups !== 0) {
    throw new RangeError(`${kernel}: channels (in ${p.c}, out ${p.cOut}) must both be divisible by groups (${p.groups})`);
  }
}

/** Create the cpu backend object (kernels share one lazily started thread pool). */
export function createCpuBackend(): Backend {
  const ref = referenceBackend;
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
    unary: (op, x, out) => dispatch((p) => unaryCpu(p, op, x, out), () => ref.unary(op, x, out)),
    binary: (op, a, b, out) => dispatch((p) => binaryCpu(p, op, a, b, out), () => ref.binary(op, a, b, out)),
    where: (c, a, b, out) => dispatch((p) => whereCpu(p, c, a, b, out), () => ref.where(c, a, b, out)),
    reduce: (op, x, outer, size, inner, out) => reduceCpu(getPool(), op, x, outer, size, inner, out),
    matmul(g) {
      checkGemm(g);
      dispatch((p) => matmulCpu(p, g), () => ref.matmul(g));
    },
    conv2d(x, w, bias, prm, out) {
      checkConv("conv2d", prm);
      checkLength("conv2d", "x", x, prm.n * prm.c * prm.h * prm.w);
      checkLength("conv2d", "weight", w, prm.cOut * (prm.c / prm.groups) * prm.kh * prm.kw);
      checkLength("conv2d", "out", out, prm.n * prm.cOut * prm.outH * prm.outW);
      if (bias) checkLength("conv2d", "bias", bias, prm.cOut);
      dispatch((p) => conv2dCpu(p, x, w, bias, prm, out), () => ref.conv2d(x, w, bias, prm, out));
    },
    conv2dBackwardInput(dy, w, prm, out) {
      checkConv("conv2dBackwardInput", prm);
      checkLength("conv2dBackwardInput", "dy", dy, prm.n * prm.cOut * prm.outH * prm.outW);
      checkLength("conv2dBackwardInput", "weight", w, prm.cOut * (prm.c / prm.groups) * prm.kh * prm.kw);
      checkLength("conv2dBackwardInput", "out", out, prm.n * prm.c * prm.h * prm.w);
      dispatch((p) => conv2dBackwardInputCpu(p, dy, w, prm, out), () => ref.conv2dBackwardInput(dy, w, prm, out));
    },
    conv2dBackwardWeight(x, dy, prm, out) {
      checkConv("conv2dBackwardWeight", prm);
      checkLength("conv2dBackwardWeight", "x", x, prm.n * prm.c * prm.h * prm.w);
      checkLength("conv2dBackwardWeight", "dy", dy, prm.n * prm.cOut * prm.outH * prm.outW);
      checkLength("conv2dBackwardWeight", "out", out, prm.cOut * (prm.c / prm.groups) * prm.kh * prm.kw);
      dispatch((p) => conv2dBackwardWeightCpu(p, x, dy, prm, out), () => ref.conv2dBackwardWeight(x, dy, prm, out));
    },
    pool2d: (mode, x, prm, out, indices) => dispatch((p) => pool2dCpu(p, mode, x, prm, out, indices), () => ref.pool2d(mode, x, prm, out, indices)),
    pool2dBackward: (mode, dy, indices, prm, out) =>
      dispatch((p) => pool2dBackwardCpu(p, mode, dy, indices, prm, out), () => ref.pool2dBackward(mode, dy, indices, prm, out)),
    // gathers and scatters are memory-bound and order-sensitive: plain loops on the calling thread
    take: (x, index, out) => ref.take(x, index, out),
    scatterAdd: (src, index, out) => ref.scatterAdd(src, index, out),
  };
}

/** The cpu backend (its thread pool starts on the first kernel call). */
export const cpuBackend: Backend = createCpuBackend();

/** Internal, for tests: run a job whose tasks throw on thread `thread` (-1: all threads). */
export function __failJobForTests(thread: number, tasks: number, spinUs = 200): void {
  const p = getPool();
  if (!p) throw new Error("cpu backend unavailable");
  p.ctx.ctl[256] = thread; // ARGS
  p.ctx.ctl[257] = spinUs;
  p.run(0 /* K_FAIL */, tasks, 0);
}

/**
 * How much of the cpu backend's shared-memory tensor heap is in use: null before the backend's
 * first kernel call, or when this engine runs the reference kernels. See heap.ts.
 *
 * @example
 * const s = gw.cpuHeapStats();
 * if (s) console.log(`${(s.usedBytes / 2 ** 20).toFixed(0)} MiB of ${(s.limitBytes / 2 ** 20).toFixed(0)} MiB`);
 */
export function cpuHeapStats(): import("./heap").HeapStats | null {
  return pool ? pool.heap.stats() : null;
}
