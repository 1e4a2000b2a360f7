// Tensor storage inside the shared WebAssembly memory, so that kernels read and write tensors in
// place on every thread (no copies in and out of the memory per call).
//
// Blocks come in size classes (multiples of 64 bytes up to 4 KiB, then 8 classes per power of
// two, so at most 1/8 is wasted); a freed block goes on its class's free list and training loops,
// which allocate the same shapes every step, reuse them. Tensor storage is freed by a
// FinalizationRegistry once its Float32Array is garbage, which JavaScript only reports when the
// event loop turns: `fit`, the DataLoader's `for await` and notebook cells all yield, but a long
// synchronous loop does not. When the heap reaches its limit, `alloc` returns null and the backend
// falls back to ordinary (copied) arrays, so such a loop stays correct and only loses the speed-up.
// The memory itself never shrinks (WebAssembly memories cannot).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ARENA_START } from "./control";
import type { WasmMemory } from "./wasm-api";

/** Largest WebAssembly memory: 2 GiB keeps every byte address a positive i32. */
export const MAX_BYTES = 32768 * 65536;

/** Bytes of the size class holding `bytes`. */
export function sizeClass(bytes: number): number {
  if (bytes <= 4096) return Math.max(64, Math.ceil(bytes / 64) * 64);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

let collect: (() => void) | null | undefined;

/**
 * Ask V8 for a full garbage collection. The engine does not know that a tensor's small Float32Array
 * holds megabytes of this heap, so without a nudge it may not collect dead tensors for a long time.
 * The freed blocks come back when the event loop next turns (the FinalizationRegistry callbacks).
 */
function requestCollection(): void {
  if (collect === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      collect = runInNewContext("gc") as () => void;
    } catch {
      collect = null;
    }
  }
  collect?.();
}

/** Thrown when even the 2 GiB memory cannot hold a request. */
export class HeapFullError extends Error {}

/** How much of the heap is in use (for tests and diagnostics). */
export interface HeapStats {
  /** Bytes handed out and not yet freed (tensors and kernel scratch). */
  usedBytes: number;
  /** Bytes of the memory the heap has carved into blocks so far. */
  reservedBytes: number;
  /** Soft limit for tensor storage (scratch may exceed it). */
  limitBytes: number;
  /** Tensors that lived in the heap / fell back to ordinary arrays because it was full. */
  tensors: number;
  fallbacks: number;
  /** Garbage collections the heap asked V8 for. */
  collections: number;
}

export class Heap {
  private top = ARENA_START;
  private readonly freeLists = new Map<number, number[]>();
  /** address → class bytes of every block in use. */
  private readonly live = new Map<number, number>();
  private used = 0;
  private tensors = 0;
  private fallbacks = 0;
  private collections = 0;
  /** Every SharedArrayBuffer the memory has had (one per growth): a view on one of them is ours. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly registry = new FinalizationRegistry<number>((addr) => this.free(addr));
  /** Tensor bytes in use at which the next garbage collection is requested. */
  private collectAt: number;
  private collectedSinceFree = false;

  constructor(
    private readonly memory: WasmMemory,
    readonly limitBytes: number,
  ) {
    this.buffers.add(memory.buffer);
    this.collectAt = this.collectStep();
  }

  /** Bytes of new tensors between two requested collections: a quarter of the limit. */
  private collectStep(): number {
    return Math.max(2 ** 20, this.limitBytes / 4);
  }

  /** Reserve a block of at least `bytes`; its address is 64-byte aligned. `fresh` is true when never used (still zero). */
  block(bytes: number, soft: boolean): { addr: number; fresh: boolean } | null {
    const cls = sizeClass(bytes);
    const list = this.freeLists.get(cls);
    if (list && list.length > 0) {
      const addr = list.pop()!;
      this.live.set(addr, cls);
      this.used += cls;
      return { addr, fresh: false };
    }
    const end = this.top + cls;
    if (end > MAX_BYTES || (soft && end > this.limitBytes)) {
      if (soft) return null;
      throw new HeapFullError(`cpu backend: a kernel call needs ${cls} more bytes of working memory than the 2 GiB limit`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // grow by at least half, so that a growing workload does not grow page by page
      const pages = Math.min(MAX_BYTES / 65536, Math.max(Math.ceil(end / 65536), Math.ceil((have * 1.5) / 65536)));
      this.memory.grow(pages - have / 65536);
      this.buffers.add(this.memory.buffer);
    }
    const addr = this.top;
    this.top = end;
    this.live.set(addr, cls);
    this.used += cls;
    return { addr, fresh: true };
  }

  /** Give a block back (its address as returned by `block`). */
  free(addr: number): void {
    const cls = this.live.get(addr);
    if (cls === undefined) return;
    this.live.delete(addr);
    this.used -= cls;
    this.collectAt = Math.min(this.collectAt, this.used + this.collectStep());
    this.collectedSinceFree = false;
    let list = this.freeLists.get(cls);
    if (!list) this.freeLists.set(cls, (list = []));
    list.push(addr);
  }

  /**
   * Tensor storage of `size` floats in the heap (zeroed unless `uninitialized`), freed when the
   * array is garbage collected; null when the heap is at its limit.
   */
  floats(size: number, uninitialized = false): Float32Array | null {
    if (this.used > this.collectAt) this.collect();
    const b = this.block(size * 4, true);
    if (!b) {
      // full: ask for a collection once (its frees arrive when the event loop turns), not at
      // every allocation of a synchronous loop that keeps the heap full
      if (!this.collectedSinceFree) this.collect();
      this.fallbacks++;
      return null;
    }
    const buffer = this.memory.buffer;
    const arr = new Float32Array(buffer, b.addr, size);
    if (!b.fresh && !uninitialized) arr.fill(0);
    this.registry.register(arr, b.addr);
    this.tensors++;
    return arr;
  }

  /** Byte address of element 0 of `arr` when it lives in this memory, else -1. */
  addressOf(arr: Float32Array | Int32Array): number {
    return this.buffers.has(arr.buffer) ? arr.byteOffset : -1;
  }

  private collect(): void {
    requestCollection();
    this.collections++;
    this.collectedSinceFree = true;
    this.collectAt = this.used + this.collectStep();
  }

  stats(): HeapStats {
    return { usedBytes: this.used, reservedBytes: this.top - ARENA_START, limitBytes: this.limitBytes, tensors: this.tensors, fallbacks: this.fallbacks, collections: this.collections };
  }
}
