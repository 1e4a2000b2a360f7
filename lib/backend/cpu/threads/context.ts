// What each thread (the main thread or a worker) computes with: its id, the shared memory and
// views of it, its own instance of the WebAssembly kernels, and per-thread caches.
import type { WasmExports, WasmMemory } from "../wasm-loader";
import { CTL_INTS, JOB, SCRATCH, SCRATCH_BYTES } from "./control";

/** What each thread (main or worker) computes with. */
export interface ThreadCtx {
  /** 0 for the main thread, 1.. for workers. */
  readonly id: number;
  readonly memory: WasmMemory;
  readonly wasm: WasmExports;
  /** Control block (never moves: it sits at address 0). */
  readonly ctl: Int32Array;
  /** Views of the whole memory, refreshed after the memory grows (see refreshViews). */
  f32: Float32Array;
  i32: Int32Array;
  /** Per-thread cache keys (e.g. "weights of group g already packed in my scratch"). */
  cacheKey: number;
  cacheKey2: number;
}

/** A thread's context over `memory`, with its own instance of the kernels. */
export function makeCtx(id: number, memory: WasmMemory, wasm: WasmExports): ThreadCtx {
  return {
    id,
    memory,
    wasm,
    ctl: new Int32Array(memory.buffer, 0, CTL_INTS),
    f32: new Float32Array(memory.buffer),
    i32: new Int32Array(memory.buffer),
    cacheKey: -1,
    cacheKey2: -1,
  };
}

/** Re-create the typed-array views when the shared memory has grown. */
export function refreshViews(ctx: ThreadCtx): void {
  const buf = ctx.memory.buffer;
  if (buf.byteLength !== ctx.f32.byteLength) {
    ctx.f32 = new Float32Array(buf);
    ctx.i32 = new Int32Array(buf);
  }
}

/** Byte address of this thread's scratch area in the current job (its `scratchBytes`, see ThreadPool.run). */
export function scratchOf(ctx: ThreadCtx): number {
  return ctx.ctl[SCRATCH] + ctx.id * ctx.ctl[SCRATCH_BYTES];
}

/** Serial number of the current job (every job gets a new one): a key for per-thread caches. */
export function jobSerial(ctx: ThreadCtx): number {
  return ctx.ctl[JOB];
}

/**
 * Run `fill` unless this thread already ran it for `index` during the current job: a one-entry
 * per-thread cache in ctx.cacheKey2, e.g. for the zero-padded copy of image `index` that the
 * convolution tasks of one image share.
 *
 * @example
 * oncePerJob(ctx, b, () => ctx.wasm.padImage(x + 4 * b * plane, channels, xpad));
 */
export function oncePerJob(ctx: ThreadCtx, index: number, fill: () => void): void {
  const key = jobSerial(ctx) * 2 ** 24 + index;
  if (ctx.cacheKey2 === key) return;
  fill();
  ctx.cacheKey2 = key;
}
