// Tensor storage inside the shared WebAssembly memory, so that kernels read and write tensors in
// place on every thread (no copies in and out of the memory per call).
//
// Blocks come in size classes (multiples of 64 bytes up to 4 KiB, then 8 classes per power of
// two, so at most 1/8 is wasted); a freed block goes on its class's free list and training loops,
// which allocate the same shapes every step, reuse them. When the limit is reached (say the batch
// size changed), the freed blocks are merged with their neighbours and carved up anew. Tensor storage is freed by a
// FinalizationRegistry once its Float32Array is garbage, which JavaScript only reports when the
// event loop turns: `fit`, the DataLoader's `for await` and notebook cells all yield, but a long
// synchronous loop does not. When the heap reaches its limit, `alloc` returns null and the backend
// falls back to ordinary (copied) arrays, so such a loop stays correct and only loses the speed-up.
// The memory itself never shrinks (WebAssembly memories cannot).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ARENA_START } from "./control";
import { MAX_PAGES } from "./runtime";
import type { WasmMemory } from "./wasm-api";

/** Largest heap: the whole 2 GiB memory. */
export const MAX_BYTES = MAX_PAGES * 65536;

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
  /** Times freed blocks were merged because the sizes in use changed. */
  reclaims: number;
}

export class Heap {
  private top = ARENA_START;
  private readonly freeLists = new Map<number, number[]>();
  /** Holes made by reclaim(): flat [address, bytes, ...], sorted by address. */
  private ranges: number[] = [];
  /** End of the highest block ever handed out: memory above it has never been written. */
  private highWater = ARENA_START;
  private reclaims = 0;
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
    // 1. a freed block of this class; 2. a hole left by reclaim(); 3. new memory at the top —
    // and when the limit is reached, merge every freed block and try 2 and 3 again
    let addr = this.freeLists.get(cls)?.pop() ?? this.fromRanges(cls);
    if (addr < 0 && !this.fits(cls, soft)) {
      this.reclaim();
      addr = this.fromRanges(cls);
    }
    let fresh = false;
    if (addr < 0) {
      if (!this.fits(cls, soft)) {
        if (soft) return null;
        throw new HeapFullError(`cpu backend: a kernel call needs ${cls} more bytes of working memory than the 2 GiB limit`);
      }
      addr = this.top;
      this.top += cls;
      this.grow(this.top);
      fresh = addr >= this.highWater; // memory no block has used yet is still zero
      this.highWater = Math.max(this.highWater, this.top);
    }
    this.live.set(addr, cls);
    this.used += cls;
    return { addr, fresh };
  }

  /** Whether `cls` more bytes fit at the top (under the limit for tensors, under 2 GiB for scratch). */
  private fits(cls: number, soft: boolean): boolean {
    const end = this.top + cls;
    return end <= MAX_BYTES && (!soft || end <= this.limitBytes);
  }

  private grow(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // grow by at least half, so that a growing workload does not grow page by page
    const pages = Math.min(MAX_PAGES, Math.max(Math.ceil(end / 65536), Math.ceil((have * 1.5) / 65536)));
    this.memory.grow(pages - have / 65536);
    this.buffers.add(this.memory.buffer);
  }

  /** Best fit among the holes (splitting off the rest); -1 when none is big enough. */
  private fromRanges(cls: number): number {
    let best = -1;
    for (let i = 0; i < this.ranges.length; i += 2) {
      if (this.ranges[i + 1] >= cls && (best < 0 || this.ranges[i + 1] < this.ranges[best + 1])) best = i;
    }
    if (best < 0) return -1;
    const addr = this.ranges[best];
    if (this.ranges[best + 1] === cls) this.ranges.splice(best, 2);
    else {
      this.ranges[best] += cls;
      this.ranges[best + 1] -= cls;
    }
    return addr;
  }

  /**
   * When the shapes in use change (another batch size, another model), the blocks freed so far may
   * all be of the wrong sizes. Merge every freed block with its free neighbours into holes, and
   * give a hole that reaches the top back to the top.
   */
  private reclaim(): void {
    const free: number[][] = [];
    for (const [cls, list] of this.freeLists) for (const a of list) free.push([a, cls]);
    this.freeLists.clear();
    for (let i = 0; i < this.ranges.length; i += 2) free.push([this.ranges[i], this.ranges[i + 1]]);
    free.sort((x, y) => x[0] - y[0]);
    const merged: number[][] = [];
    for (const [a, size] of free) {
      const last = merged[merged.length - 1];
      if (last && last[0] + last[1] === a) last[1] += size;
      else merged.push([a, size]);
    }
    const top = merged[merged.length - 1];
    if (top && top[0] + top[1] === this.top) {
      this.top = top[0];
      merged.pop();
    }
    this.ranges = merged.flat();
    this.reclaims++;
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
    return { usedBytes: this.used, reservedBytes: this.highWater - ARENA_START, limitBytes: this.limitBytes, tensors: this.tensors, fallbacks: this.fallbacks, collections: this.collections, reclaims: this.reclaims };
  }
}
