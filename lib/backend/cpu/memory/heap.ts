// Tensor storage inside the shared WebAssembly memory, so that kernels read and write tensors in
// place on every thread (no copies in and out of the memory per call).
//
// Blocks come in size classes (multiples of 64 bytes up to 4 KiB, then 8 classes per power of
// two, so at most 1/8 is wasted); a freed block goes on its class's free list and training loops,
// which allocate the same shapes every step, reuse them. Before the memory grows past the limit,
// freed blocks of other sizes (say the batch size changed) are merged and carved up anew.
//
// Tensors may hold at most `limitBytes` (GRADWORK_HEAP_MB; 0 turns the heap off); scratch memory of
// a kernel call may go beyond it and is given back at the next call. A tensor's block is freed
// when its Float32Array is garbage: a FinalizationRegistry reports that when the event loop turns
// (`fit`, the DataLoader's `for await` and notebook cells all yield). A synchronous loop never lets
// it turn, so the heap also reads a WeakRef of each tensor's array after a garbage collection
// (liveness.ts explains how that works within one job) and frees the blocks of the dead ones: a
// "sweep". Where a minor (young-generation) collection clears WeakRefs (V8 14, Node 26) it sweeps
// after every NURSERY_BYTES of new tensors, so that a step reuses the blocks the previous one
// freed, still mapped and partly in cache, instead of fresh pages the OS must map and zero first
// (the chapter ConvNet spent ~3 ms of a ~20 ms step in page faults, a VGG step at batch 64 more,
// until the heap reached its limit of up to 1 GiB). A full collection, which also finds the tensors
// that outlived a minor one (a step's activations), runs once the tensors have grown by
// FULL_SLACK_BYTES since the last one, and when the heap is full, rate-limited to about a tenth of
// the time. If a request still does not fit, the backend falls back to an ordinary (copied) array:
// correct, only slower.
// A training step's activations live through the whole step, so a minor sweep in the middle of a
// step finds them alive; V8 moves what survives two minor collections to its old generation, where
// only a full collection finds it dead: with a sweep every 8 MiB a VGG step at batch 64 (~75 MiB of
// tensors) left ~55 MiB a step for a full sweep (~15 ms) every third step, and up to FULL_SLACK_BYTES
// of dead tensors in the heap. So `zeroGrad()` tells the heap that a step begins or ends
// (`stepBoundary`): the due sweep runs there, when the last step's tensors are dead and young, and
// while boundaries come regularly the sweep in the middle of a step waits for room for two steps'
// tensors (`stepBytes`; at most a quarter of the limit). That VGG step then runs one minor sweep
// (~0.6 ms) and no full one, and its process peaks at ~240–300 MB instead of ~410–490 MB
// (GRADWORK_STEP_SWEEPS=0: no boundaries).
// With worker threads, a due nursery sweep waits for the next long threaded job (a convolution or
// GEMM: RunOptions.hidesSweep), which runs it on the main thread right after waking the workers
// (`overlapSweep`): the collection (~1 ms minor, ~10 ms full; one minor a VGG step at batch 64) then
// overlaps their tasks instead of stopping both threads or idling them after a short job; it runs at once
// when the new tensors have grown OVERLAP_SLACK_BYTES past it, or the heap is full (GRADWORK_OVERLAP_SWEEPS=0: always at once).
// The memory itself never shrinks (WebAssembly memories cannot).
import { ARENA_START } from "../threads/control";
import { MAX_PAGES, type WasmMemory } from "../wasm-loader";
import { clearKeptObjects, minorCollectionClearsWeakRefs, requestCollection } from "./liveness";

/** New tensor bytes between two minor sweeps (at most a quarter of the limit). */
export const NURSERY_BYTES = 8 * 2 ** 20;
/**
 * How far new tensors may grow past a due nursery sweep while it waits for a long threaded job
 * to overlap (3 nurseries of Node 26; added to, not multiplying, Node 20's 160 MiB full-sweep slack).
 */
export const OVERLAP_SLACK_BYTES = 3 * NURSERY_BYTES;
/**
 * Growth of the tensors since the last full sweep that calls for the next one (at most half the
 * limit). It bounds the dead tensors waiting for a full collection, hence the peak memory: a VGG
 * step at batch 64 and 2 threads peaked at ~490 MB RSS with 256 MiB, ~400 MB with 160 MiB, ~300 MB
 * with 64 MiB; each full collection costs ~10–15 ms on the main thread, so 160 MiB spends ~2 % of
 * the step on them where 64 MiB measured 10 % slower.
 */
export const FULL_SLACK_BYTES = 160 * 2 ** 20;

/**
 * Sweeps that free little are spaced out: after one that took t ms, the next of its kind waits
 * SWEEP_SPACING·t ms (about 3 % of the time; 9·t, a tenth, for the full sweeps of a full heap). A
 * VGG+BN step at batch 64 allocates ~330 MB of temporaries, most of which outlive a minor
 * collection: unspaced, its 40 minor sweeps a step cost a tenth of the step.
 */
export const SWEEP_SPACING = 30;

/** Sweeps at step boundaries (`zeroGrad()`); GRADWORK_STEP_SWEEPS=0 turns them off (read once, when the library loads). */
const STEP_SWEEPS = process.env.GRADWORK_STEP_SWEEPS !== "0";

/** Largest heap: the whole 2 GiB memory. */
export const MAX_BYTES = MAX_PAGES * 65536;

/** Growth past the last full sweep that calls for the next one, in a heap of `limitBytes`. */
export function fullSlackBytes(limitBytes: number): number {
  return Math.max(2 ** 20, Math.min(FULL_SLACK_BYTES, limitBytes / 2));
}

/**
 * New tensor bytes between two sweeps of a heap of `limitBytes`: a nursery where minor sweeps work
 * (Node 26), else the full-sweep slack.
 */
export function sweepIntervalBytes(limitBytes: number): number {
  if (!minorCollectionClearsWeakRefs()) return fullSlackBytes(limitBytes);
  return Math.max(2 ** 20, Math.min(NURSERY_BYTES, limitBytes / 4));
}

/** Bytes of the size class holding `bytes`. */
export function sizeClass(bytes: number): number {
  if (bytes <= 4096) return Math.max(64, Math.ceil(bytes / 64) * 64);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

/** Stands for "no array registered" in Heap.tensorBlocks (blocks taken with block(bytes, true) directly). */
const NO_TOKEN = null;

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
  /** Bytes held by tensors (at most limitBytes). */
  tensorBytes: number;
  /** Times the heap asked V8 which tensors are still alive (a full loop that never awaits), and their total milliseconds. */
  sweeps: number;
  sweepMs: number;
  /** Of those sweeps, the ones that needed only a minor (young-generation) collection. */
  minorSweeps: number;
  minorSweepMs: number;
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
  /** address → a WeakRef of the array of every block holding a tensor (soft blocks), also the registry's unregister token. */
  private readonly tensorBlocks = new Map<number, WeakRef<Float32Array> | null>();
  private tensorBytes = 0;
  /** Bytes on the free lists (not yet merged into holes). */
  private listBytes = 0;
  private sweeps = 0;
  private sweepMs = 0;
  private lastSweepEnd = -Infinity;
  private lastSweepMs = 0;
  private lastMinorEnd = -Infinity;
  private lastMinorMs = 0;
  /** Tensor bytes handed out since the last sweep, and tensor bytes left by the last full sweep. */
  private newBytes = 0;
  private liveAfterFull = 0;
  private minorSweeps = 0;
  private minorSweepMs = 0;
  /** False where liveness.ts cannot work: then only the registry frees tensors. */
  private canSweep = true;
  /** Tensor bytes in use at which the next garbage collection is requested. */
  private collectAt: number;
  /**
   * Set by the thread pool while it has workers: a due nursery sweep is only marked (`sweepWanted`)
   * and run by overlapSweep() at the start of the next long threaded job.
   */
  overlapSweeps = false;
  /** The put-off sweep, if any, and who asked for it: a due nursery, or a step boundary (not spaced out). */
  private sweepWanted: "nursery" | "boundary" | null = null;
  /** Tensor bytes handed out since the last step boundary, and between the last two (0: none seen). */
  private sinceBoundary = 0;
  private stepBytes = 0;
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

  /**
   * Reserve a block of at least `bytes`; its address is 64-byte aligned. `fresh` is true when never
   * used (still zero). `soft` requests (tensors) get null beyond the tensor limit; others throw
   * HeapFullError only beyond the 2 GiB memory.
   */
  block(bytes: number, soft: boolean): { addr: number; fresh: boolean } | null {
    const cls = sizeClass(bytes);
    if (soft && this.tensorBytes + cls > this.limitBytes) return null;
    // 1. a freed block of this class; 2. a hole left by reclaim(); 3. new memory at the top —
    // but before the memory grows beyond the limit, merge the freed blocks of other sizes and try 2 again
    let addr = this.fromList(cls);
    if (addr < 0) addr = this.fromRanges(cls);
    if (addr < 0 && this.listBytes >= cls && this.top + cls > this.limitBytes) {
      this.reclaim();
      addr = this.fromRanges(cls);
    }
    let fresh = false;
    if (addr < 0) {
      if (this.top + cls > MAX_BYTES) {
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
    if (soft) {
      this.tensorBlocks.set(addr, NO_TOKEN); // floats() puts the array's unregister token here
      this.tensorBytes += cls;
      this.newBytes += cls;
      this.sinceBoundary += cls;
    }
    return { addr, fresh };
  }

  private fromList(cls: number): number {
    const addr = this.freeLists.get(cls)?.pop();
    if (addr === undefined) return -1;
    this.listBytes -= cls;
    return addr;
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
    this.listBytes = 0;
    this.reclaims++;
  }

  /** Give a block back (its address as returned by `block`). */
  free(addr: number): void {
    const cls = this.live.get(addr);
    if (cls === undefined) return;
    this.live.delete(addr);
    this.used -= cls;
    if (this.tensorBlocks.delete(addr)) this.tensorBytes -= cls;
    this.listBytes += cls;
    this.collectAt = Math.min(this.collectAt, this.tensorBytes + this.collectStep());
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
    if (this.limitBytes > 0) {
      const nursery = this.nurseryBytes();
      if (this.canSweep && this.newBytes >= nursery) {
        if (this.overlapSweeps && this.newBytes < nursery + OVERLAP_SLACK_BYTES) this.sweepWanted ??= "nursery";
        else this.sweepNursery();
      }
      else if (!this.canSweep && this.tensorBytes > this.collectAt) this.collect();
    }
    let b = this.block(size * 4, true);
    if (!b && this.limitBytes > 0 && sizeClass(size * 4) <= this.limitBytes) {
      // full: the tensors of a loop that never awaits may all be dead already; find out (a minor
      // sweep first where it works, then a full one; rate-limited while they free little)
      if (this.canSweep && minorCollectionClearsWeakRefs() && this.minorDue()) {
        this.sweep("minor");
        b = this.block(size * 4, true);
      }
      if (!b && this.canSweep && this.sweepDue()) this.sweep();
      else if (!b && !this.canSweep && !this.collectedSinceFree) this.collect(); // frees arrive when the event loop turns
      b ??= this.block(size * 4, true);
    }
    if (!b) {
      this.fallbacks++;
      return null;
    }
    const buffer = this.memory.buffer;
    const arr = new Float32Array(buffer, b.addr, size);
    if (!b.fresh && !uninitialized) arr.fill(0);
    const ref = new WeakRef(arr);
    this.registry.register(arr, b.addr, ref);
    this.tensorBlocks.set(b.addr, ref);
    this.tensors++;
    return arr;
  }

  /**
   * Run the nursery sweep that floats() put off (see overlapSweeps), if any: the thread pool calls
   * this on the main thread while the workers run a job's tasks.
   */
  overlapSweep(): void {
    const wanted = this.sweepWanted;
    if (!wanted) return;
    this.sweepWanted = null;
    if (this.canSweep) this.sweepNursery(wanted === "boundary");
  }

  /**
   * A training step begins or ends (`zeroGrad()` calls this through the backend): the tensors of
   * the last step are dead now, before the next one makes its own, so a due nursery sweep runs here
   * (or, with workers, in the next long threaded job: the step's first convolution). It is due once
   * a nursery's worth of tensors (NURSERY_BYTES) was made since the last sweep, so small steps sweep
   * every few steps. Does nothing where minor collections do not clear WeakRefs (Node 20).
   */
  stepBoundary(): void {
    if (!STEP_SWEEPS || this.limitBytes === 0 || !this.canSweep || !minorCollectionClearsWeakRefs()) return;
    this.stepBytes = this.sinceBoundary;
    this.sinceBoundary = 0;
    // (a sweep still put off since the last boundary, as no long job came: run it now)
    if (this.newBytes < NURSERY_BYTES && !this.sweepWanted) return;
    if (this.overlapSweeps && !this.sweepWanted) this.sweepWanted = "boundary";
    else this.sweepNursery(true);
  }

  /** At most about a tenth of the time goes into full sweeps when the heap is full. */
  private sweepDue(): boolean {
    return performance.now() - this.lastSweepEnd >= 9 * this.lastSweepMs;
  }

  /** The sweeps a growing heap makes on its own (not yet full) take at most about 3 % of the time, each kind. */
  private minorDue(): boolean {
    return performance.now() - this.lastMinorEnd >= SWEEP_SPACING * this.lastMinorMs;
  }

  private fullDue(): boolean {
    return performance.now() - this.lastSweepEnd >= SWEEP_SPACING * this.lastSweepMs;
  }

  /**
   * New tensor bytes that call for a sweep wherever they are made: the nursery, or, while steps end
   * regularly, room for the tensors of two steps besides (the sweep then comes at a step boundary).
   */
  private nurseryBytes(): number {
    const nursery = sweepIntervalBytes(this.limitBytes);
    if (this.stepBytes === 0 || this.sinceBoundary > 2 * this.stepBytes) return nursery;
    return Math.max(nursery, Math.min(nursery + 2 * this.stepBytes, this.limitBytes / 4));
  }

  private fullSlack(): number {
    return fullSlackBytes(this.limitBytes);
  }

  /**
   * A nursery's worth of new tensors since the last sweep: find the dead ones with a minor
   * collection (where it clears WeakRefs), and with a full one when the heap kept growing.
   */
  private sweepNursery(atBoundary = false): void {
    // (each sweep resets newBytes; without one, the next allocation asks again). At a step
    // boundary the minor sweep is not spaced out: it finds the last step's tensors dead.
    if (minorCollectionClearsWeakRefs() && (atBoundary || this.minorDue())) this.sweep("minor");
    if (this.tensorBytes > this.liveAfterFull + this.fullSlack() && this.fullDue()) this.sweep("full");
  }

  /** Free the blocks of tensors whose arrays are garbage, synchronously (see liveness.ts). */
  private sweep(kind: "full" | "minor" = "full"): void {
    const t0 = performance.now();
    const before = this.tensorBytes;
    if (!clearKeptObjects() || !requestCollection(kind)) {
      this.canSweep = false;
      this.collect();
      return;
    }
    for (const [addr, ref] of this.tensorBlocks) {
      if (ref === NO_TOKEN || ref.deref() !== undefined) continue;
      this.registry.unregister(ref);
      this.free(addr); // (deleting the current entry while iterating a Map is safe)
    }
    this.collections++;
    this.sweeps++;
    this.newBytes = 0;
    this.sweepWanted = null;
    const ms = performance.now() - t0;
    this.sweepMs += ms;
    // a sweep that freed a nursery's worth or a quarter of the tensors paid for itself: no spacing
    // before the next one; one that freed little spaces the next of its kind out by its cost
    const freed = before - this.tensorBytes;
    const spacingMs = freed >= Math.min(NURSERY_BYTES, before / 4) ? 0 : ms;
    if (kind === "minor") {
      this.minorSweeps++;
      this.minorSweepMs += ms;
      this.lastMinorEnd = performance.now();
      this.lastMinorMs = spacingMs;
      return;
    }
    this.lastSweepEnd = performance.now();
    this.lastSweepMs = spacingMs;
    this.liveAfterFull = this.tensorBytes;
  }

  /** Byte address of element 0 of `arr` when it lives in this memory, else -1. */
  addressOf(arr: Float32Array | Int32Array): number {
    return this.buffers.has(arr.buffer) ? arr.byteOffset : -1;
  }

  private collect(): void {
    requestCollection();
    this.collections++;
    this.collectedSinceFree = true;
    this.collectAt = this.tensorBytes + this.collectStep();
  }

  stats(): HeapStats {
    return { usedBytes: this.used, reservedBytes: this.highWater - ARENA_START, limitBytes: this.limitBytes, tensors: this.tensors, fallbacks: this.fallbacks, collections: this.collections, reclaims: this.reclaims, tensorBytes: this.tensorBytes, sweeps: this.sweeps, sweepMs: this.sweepMs, minorSweeps: this.minorSweeps, minorSweepMs: this.minorSweepMs };
  }
}
