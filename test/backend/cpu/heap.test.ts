// The cpu backend's tensor heap (lib/backend/cpu/memory/heap.ts): big tensors live in the shared
// WebAssembly memory and kernels read and write them in place on every thread. Checked here:
// the allocator itself, every kernel with its inputs and outputs in or out of the heap (against
// the reference backend), outputs that alias inputs, reclamation of dropped tensors, the
// fallback to ordinary arrays when the heap is full, and a whole model's gradients.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as gw from "gradwork";
import type { Backend, Conv2dParams, GemmArgs, Pool2dParams } from "../../../lib/backend/backend";
import { referenceBackend } from "../../../lib/backend/reference";
import { cpuBackend, cpuBackendInfo, cpuHeapStats, getNumThreads, setNumThreads } from "../../../lib/backend/cpu";
import { ARENA_START } from "../../../lib/backend/cpu/threads/control";
import { Heap, OVERLAP_SLACK_BYTES, sizeClass, sweepIntervalBytes } from "../../../lib/backend/cpu/memory/heap";
import { minorCollectionClearsWeakRefs } from "../../../lib/backend/cpu/memory/liveness";
import { ThreadPool } from "../../../lib/backend/cpu/threads/thread-pool";
import { wasmApi } from "../../../lib/backend/cpu/wasm-loader";
import { expectIdentical, randomArray, rng, view } from "./helpers";

const root = resolve(__dirname, "../../..");
const THREADS = [1, 2, 3];
const initialThreads = getNumThreads();
afterAll(() => setNumThreads(initialThreads));

const MiB = 2 ** 20;
const newMemory = () => new wasmApi!.Memory({ initial: 1, maximum: 32768, shared: true });
const isHeap = (a: Float32Array | Int32Array) => a.buffer instanceof SharedArrayBuffer;

// ---------------------------------------------------------------- the allocator on its own

describe("Heap (on a fresh shared memory)", () => {
  it("rounds sizes up to classes: 64-byte steps up to 4 KiB, then at most 1/8 waste, monotonic and stable", () => {
    let prev = 0;
    for (let b = 1; b <= 4096; b++) {
      const c = sizeClass(b);
      expect(c % 64, `class of ${b}`).toBe(0);
      expect(c >= b && c < Math.max(64, b + 64), `class of ${b} is ${c}`).toBe(true);
      expect(c).toBeGreaterThanOrEqual(prev);
      prev = c;
    }
    expect(sizeClass(1)).toBe(64);
    expect(sizeClass(64)).toBe(64);
    expect(sizeClass(65)).toBe(128);
    expect(sizeClass(4096)).toBe(4096);
    // above 4 KiB: every power of two, its neighbours, and a sweep of sizes up to 1 GiB
    const sizes: number[] = [];
    for (let k = 12; k <= 30; k++) sizes.push(2 ** k - 1, 2 ** k, 2 ** k + 1, 2 ** k + 4, 3 * 2 ** (k - 1) + 7);
    const r = rng(1);
    for (let i = 0; i < 2000; i++) sizes.push(4097 + Math.floor(((r() + 1) / 2) * 2 ** 30));
    for (let b = 4097; b < 70000; b += 13) sizes.push(b);
    sizes.sort((a, b) => a - b);
    prev = 0;
    for (const b of sizes.filter((s) => s > 4096)) {
      const c = sizeClass(b);
      expect(c >= b && c - b <= b / 8, `class of ${b} is ${c}`).toBe(true);
      expect(c % 64, `class of ${b}`).toBe(0);
      expect(c, `class of ${b} after ${prev}`).toBeGreaterThanOrEqual(prev);
      expect(sizeClass(c), `class of the class of ${b}`).toBe(c); // a freed block serves its own class
      prev = c;
    }
  });

  it("hands back a freed block to the next request of the same class, 64-byte aligned", () => {
    const heap = new Heap(newMemory(), 1 << 30);
    const a = heap.block(1000, true)!, b = heap.block(5000, true)!, c = heap.block(100, true)!;
    for (const x of [a, b, c]) {
      expect(x.addr % 64).toBe(0);
      expect(x.fresh).toBe(true);
    }
    expect(a.addr).toBe(ARENA_START);
    expect(new Set([a.addr, b.addr, c.addr]).size).toBe(3);
    heap.free(a.addr);
    heap.free(b.addr);
    expect(heap.stats().usedBytes).toBe(sizeClass(100));
    // another class does not get them
    const d = heap.block(100, true)!;
    expect([a.addr, b.addr]).not.toContain(d.addr);
    // same class (1000 and 1010 bytes both round to 1024): same block, not fresh
    const a2 = heap.block(1010, true)!;
    expect(a2).toEqual({ addr: a.addr, fresh: false });
    const b2 = heap.block(sizeClass(5000), true)!;
    expect(b2).toEqual({ addr: b.addr, fresh: false });
    heap.free(a2.addr);
    heap.free(a2.addr); // a double free is ignored
    expect(heap.block(1024, true)!.addr).toBe(a.addr);
    expect(heap.block(1024, true)!.addr).not.toBe(a.addr);
    // odd sizes keep every address aligned
    for (const bytes of [1, 63, 65, 4097, 4100, 12345, 99999, 3 * MiB + 5]) expect(heap.block(bytes, true)!.addr % 64, `${bytes} bytes`).toBe(0);
  });

  it("grows the memory when needed; views made before the growth stay valid and recognized", () => {
    const memory = newMemory();
    const heap = new Heap(memory, 1 << 30);
    const small = heap.floats(1000)!;
    const oldBuffer = memory.buffer;
    expect(small.buffer).toBe(oldBuffer);
    expect(oldBuffer.byteLength).toBe(65536);
    small.fill(3);
    const big = heap.floats(2 * MiB)!; // 8 MiB: the memory has to grow
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(heap.addressOf(big) + 8 * MiB);
    expect(memory.buffer).not.toBe(oldBuffer);
    expect(big.buffer).toBe(memory.buffer);
    expect(heap.stats().reservedBytes).toBeGreaterThanOrEqual(8 * MiB + 4000);
    // the old view still aliases the memory (shared memories never move)
    expect(heap.addressOf(small)).toBe(small.byteOffset);
    const whole = new Float32Array(memory.buffer);
    expect(whole[small.byteOffset / 4 + 999]).toBe(3);
    small[5] = 42;
    expect(whole[small.byteOffset / 4 + 5]).toBe(42);
    whole[small.byteOffset / 4 + 6] = -1;
    expect(small[6]).toBe(-1);
    // views of either buffer, of any type or offset, are ours
    expect(heap.addressOf(new Int32Array(oldBuffer, 128, 4))).toBe(128);
    expect(heap.addressOf(small.subarray(10))).toBe(small.byteOffset + 40);
    expect(heap.addressOf(big)).toBe(big.byteOffset);
    expect(big.every((v) => v === 0)).toBe(true); // fresh memory is zero
  });

  it("addressOf is -1 for arrays outside this memory", () => {
    const heap = new Heap(newMemory(), 1 << 30);
    expect(heap.addressOf(new Float32Array(16))).toBe(-1);
    expect(heap.addressOf(new Float32Array(new SharedArrayBuffer(64)))).toBe(-1);
    expect(heap.addressOf(new Float32Array(newMemory().buffer, 64, 4))).toBe(-1); // another wasm memory
    expect(heap.addressOf(new Int32Array(8))).toBe(-1);
  });

  it("stops at the soft limit on tensor bytes: floats() returns null and counts a fallback; scratch blocks may pass it", () => {
    const heap = new Heap(newMemory(), MiB);
    const a = heap.floats(150_000); // 600 kB
    expect(a).not.toBeNull();
    expect(heap.floats(150_000)).toBeNull();
    expect(heap.stats()).toMatchObject({ tensors: 1, fallbacks: 1, limitBytes: MiB });
    expect(heap.floats(150_000, true)).toBeNull();
    expect(heap.stats().fallbacks).toBe(2);
    expect(heap.block(600_000, true)).toBeNull(); // soft: null
    const scratch = heap.block(600_000, false); // hard: beyond the soft limit
    expect(scratch).not.toBeNull();
    expect(scratch!.addr + 600_000).toBeGreaterThan(MiB);
    // scratch does not count against the tensors' limit: a small tensor still fits, a big one not
    const small = heap.floats(1000);
    expect(small).not.toBeNull();
    expect(heap.floats(150_000)).toBeNull();
    expect(heap.stats().tensorBytes).toBeLessThanOrEqual(MiB);
    heap.free(heap.addressOf(a!));
    const b = heap.floats(150_000)!; // the freed block of the same class comes back
    expect(heap.addressOf(b)).toBe(heap.addressOf(a!));
    expect(heap.stats()).toMatchObject({ tensors: 3, fallbacks: 3 });
  });

  it("zeroes a reused block for floats(), but not for floats(size, uninitialized = true)", () => {
    const heap = new Heap(newMemory(), 1 << 30);
    const n = 5000;
    const a = heap.floats(n)!;
    expect(a.every((v) => v === 0)).toBe(true);
    for (let i = 0; i < n; i++) a[i] = i + 0.5;
    const addr = heap.addressOf(a);
    heap.free(addr);
    const b = heap.floats(n)!;
    expect(heap.addressOf(b)).toBe(addr);
    expect(b.length).toBe(n);
    expect(b.every((v) => v === 0), "reused block is zeroed").toBe(true);
    for (let i = 0; i < n; i++) b[i] = -i;
    heap.free(addr);
    const c = heap.floats(n - 10, true)!; // same class: same block, left as it was
    expect(heap.addressOf(c)).toBe(addr);
    expect(c[1]).toBe(-1);
    expect(c[n - 11]).toBe(-(n - 11));
    // (a, b and c must stay reachable: their finalizers would free the block again)
    expect(a.buffer).toBe(c.buffer);
    expect(b.length).toBe(n);
  });

  it("when the sizes in use change at the limit, merges freed blocks and carves them anew (no fallback)", () => {
    const limit = 8 * MiB;
    const heap = new Heap(newMemory(), limit);
    // fill the heap with 1 MiB blocks (one class), then free them all
    const first: number[] = [];
    for (let b = heap.block(MiB, true); b; b = heap.block(MiB, true)) first.push(b.addr);
    expect(first.length).toBeGreaterThanOrEqual(6);
    expect(heap.block(MiB, true)).toBeNull(); // full
    for (const a of first) heap.free(a);
    // a different size class (as after a change of batch size) fits again, in the merged space
    const reclaims = heap.stats().reclaims;
    const dirty = heap.block(0.75 * MiB * 2.5, true);
    expect(dirty, "a block of another class after the merge").not.toBeNull();
    expect(heap.stats().reclaims).toBe(reclaims + 1);
    expect(dirty!.fresh, "memory used before is not reported as zeroed").toBe(false);
    expect(dirty!.addr).toBe(first[0]); // the merged hole was given back to the top, reused from the start
    // and blocks of the new class keep coming until the (same) limit
    let n = 1;
    while (heap.block(0.75 * MiB * 2.5, true)) n++;
    expect(n).toBe(Math.floor((limit - ARENA_START) / sizeClass(0.75 * MiB * 2.5)));
    expect(heap.stats().reservedBytes).toBeLessThanOrEqual(limit);
  });

  it("reuses a hole between live blocks, splitting off the rest", () => {
    const heap = new Heap(newMemory(), ARENA_START + 7 * MiB); // exactly seven 1 MiB blocks
    const blocks: number[] = [];
    for (let b = heap.block(MiB, true); b; b = heap.block(MiB, true)) blocks.push(b.addr);
    expect(blocks.length).toBe(7);
    // free two neighbours in the middle: a 2 MiB hole between live blocks
    heap.free(blocks[2]);
    heap.free(blocks[3]);
    const small = heap.block(512 * 1024, true)!; // another class: triggers the merge, then best fit
    expect(small.addr).toBe(blocks[2]);
    const rest = heap.block(1.5 * MiB, true)!;
    expect(rest.addr).toBe(blocks[2] + 512 * 1024);
    expect(heap.block(64 * 1024, true)).toBeNull(); // nothing left anywhere
    expect(heap.stats().fallbacks).toBe(0); // block() itself does not count fallbacks
  });

  it("with overlapSweeps, a due sweep waits for overlapSweep() (the next threaded call), but only OVERLAP_SLACK_BYTES more", () => {
    const limit = 128 * MiB;
    // the sweep comes after a nursery of new tensors (minor collections) or the full-sweep slack (Node 20)
    const nursery = sweepIntervalBytes(limit);
    const heap = new Heap(newMemory(), limit);
    heap.overlapSweeps = true;
    const drop = (): void => void heap.floats(MiB / 4, true); // 1 MiB, dropped at once
    for (let b = 0; b <= nursery; b += MiB) drop(); // the last one finds the sweep due
    expect(heap.stats().sweeps, "the due sweep is put off").toBe(0);
    expect(heap.stats().tensorBytes).toBe(nursery + MiB);
    heap.overlapSweep();
    expect(heap.stats().sweeps, "overlapSweep() runs it").toBe(1);
    expect(heap.stats().tensorBytes, "and frees the dropped tensors").toBeLessThan(nursery / 2);
    heap.overlapSweep();
    expect(heap.stats().sweeps, "nothing more wanted").toBe(1);
    // with no threaded call to run it, the sweep comes once new tensors pass nursery + slack
    let added = 0;
    while (heap.stats().sweeps === 1 && added <= 2 * (nursery + OVERLAP_SLACK_BYTES)) {
      drop();
      added += MiB;
    }
    expect(added - MiB, "new bytes when the sweep ran at once").toBe(nursery + OVERLAP_SLACK_BYTES);
    // off: at once when due
    const plain = new Heap(newMemory(), limit);
    for (let b = 0; b <= nursery + MiB; b += MiB) void plain.floats(MiB / 4, true); // (Node 20: once tensors pass the slack)
    expect(plain.stats().sweeps).toBe(1);
  });

  // A training-like loop: each step keeps 24 MiB of "activations" until its end and drops 24 MiB of
  // temporaries at once. Its tensors are made as 1 MiB arrays, held the way a step holds them.
  function trainingLoop(heap: Heap, steps: number, boundaries: boolean) {
    const full = () => heap.stats().sweeps - heap.stats().minorSweeps;
    const midStep: number[] = []; // sweeps inside each step (not at its boundary)
    let peak = 0;
    for (let s = 0; s < steps; s++) {
      if (boundaries) heap.stepBoundary();
      const before = heap.stats().sweeps;
      const activations: Float32Array[] = [];
      for (let i = 0; i < 24; i++) {
        activations.push(heap.floats(MiB / 4, true)!);
        void heap.floats(MiB / 4, true);
      }
      peak = Math.max(peak, heap.stats().tensorBytes);
      activations.length = 0;
      midStep.push(heap.stats().sweeps - before);
    }
    return { full: full(), minor: heap.stats().minorSweeps, midStep, peak };
  }

  it("stepBoundary() (zeroGrad) runs the due sweep between steps: a step's tensors die young, no full sweeps, about two steps' tensors at most", () => {
    const limit = 512 * MiB;
    if (!minorCollectionClearsWeakRefs()) {
      // Node 20: minor collections cannot find dead tensors, so boundaries change nothing
      const heap = new Heap(newMemory(), limit);
      for (let i = 0; i < 20; i++) void heap.floats(MiB / 4, true);
      const before = heap.stats();
      heap.stepBoundary();
      expect(heap.stats()).toEqual(before);
      return;
    }
    const steps = 24;
    const withBoundaries = trainingLoop(new Heap(newMemory(), limit), steps, true);
    // the first step has no rhythm yet (nursery sweeps); from the second on, one sweep per step, at its start
    expect(withBoundaries.midStep.slice(2), "sweeps in the middle of a step").toEqual(new Array(steps - 2).fill(0));
    expect(withBoundaries.full, "full sweeps").toBe(0);
    expect(withBoundaries.minor, "one minor sweep a step").toBeGreaterThanOrEqual(steps - 1);
    expect(withBoundaries.minor).toBeLessThanOrEqual(steps + 8);
    expect(withBoundaries.peak, "tensor bytes held").toBeLessThanOrEqual(2 * 48 * MiB + 8 * MiB);
    // without boundaries the activations outlive two nursery sweeps, die old and call for full
    // sweeps (~10 ms each in a real step), and the dead ones pile up to the full-sweep slack
    const without = trainingLoop(new Heap(newMemory(), limit), steps, false);
    expect(without.full, "full sweeps without boundaries").toBeGreaterThan(0);
    expect(without.peak).toBeGreaterThan(withBoundaries.peak);
  });

  it("stepBoundary() with overlapSweeps marks the sweep for the next long threaded job, or runs it at the next boundary", () => {
    if (!minorCollectionClearsWeakRefs()) return; // (Node 20: a no-op, checked above)
    const heap = new Heap(newMemory(), 256 * MiB);
    heap.overlapSweeps = true;
    const step = () => {
      for (let i = 0; i < 12; i++) void heap.floats(MiB / 4, true); // 12 MiB, dropped
    };
    step();
    heap.overlapSweep(); // (a sweep a nursery made due in the first step)
    const sweeps = () => heap.stats().sweeps;
    const s0 = sweeps();
    heap.stepBoundary();
    step();
    expect(sweeps(), "put off: a step of 12 MiB leaves room for two").toBe(s0);
    heap.stepBoundary();
    expect(sweeps(), "still put off at the boundary").toBe(s0);
    heap.overlapSweep();
    expect(sweeps(), "the next long job runs it").toBe(s0 + 1);
    expect(heap.stats().tensorBytes, "and it frees the dropped tensors").toBeLessThan(MiB);
    step();
    heap.stepBoundary(); // marks it
    step();
    heap.stepBoundary(); // no long job came in a whole step: now
    expect(sweeps()).toBe(s0 + 2);
  });
});

// ---------------------------------------------------------------- kernels, in and out of the heap

type Where = "heap" | "plain";
interface Placement {
  label: string;
  inputs: Where;
  outputs: Where;
}
const PLACEMENTS: Placement[] = [
  { label: "heap inputs, heap outputs", inputs: "heap", outputs: "heap" },
  { label: "plain inputs, heap outputs", inputs: "plain", outputs: "heap" },
  { label: "heap inputs, plain outputs", inputs: "heap", outputs: "plain" },
];
const ALL_PLAIN: Placement = { label: "plain", inputs: "plain", outputs: "plain" };

/**
 * Makes a call's arrays where the placement says. Heap arrays below the backend's 4096-float
 * threshold are views into a 4096-float heap tensor, kept reachable here until the call is over
 * (a view alone does not keep a heap block alive).
 */
class Maker {
  private readonly keep: Float32Array[] = [];
  constructor(readonly placement: Placement) {}

  private heapFloats(n: number): Float32Array {
    const block = cpuBackend.alloc(Math.max(n, 4096), true);
    expect(isHeap(block), "cpuBackend.alloc gave a heap array").toBe(true);
    this.keep.push(block);
    return n < 4096 ? block.subarray(0, n) : block;
  }

  private make(where: Where, n: number): Float32Array {
    return where === "heap" ? this.heapFloats(n) : new Float32Array(n);
  }

  input(src: Float32Array): Float32Array {
    const a = this.make(this.placement.inputs, src.length);
    a.set(src);
    return a;
  }

  inputInt(src: Int32Array): Int32Array {
    if (this.placement.inputs === "plain") return Int32Array.from(src);
    const f = this.heapFloats(src.length);
    const a = new Int32Array(f.buffer, f.byteOffset, src.length);
    a.set(src);
    return a;
  }

  /** An output filled with garbage (the kernels must write every element). */
  output(n: number): Float32Array {
    return this.make(this.placement.outputs, n).fill(NaN);
  }

  outputInt(n: number): Int32Array {
    if (this.placement.outputs === "plain") return new Int32Array(n).fill(-7);
    const f = this.heapFloats(n);
    return new Int32Array(f.buffer, f.byteOffset, n).fill(-7);
  }
}

interface KernelCase {
  name: string;
  /** Run on `be` with arrays placed by `mk`; returns the outputs (copied out). */
  run(be: Backend, mk: Maker): (Float32Array | Int32Array)[];
  /**
   * True when the cpu backend sums in another order than the reference (GEMM blocking, FMA):
   * then the cpu result is compared to the reference within a tolerance, and bit for bit with
   * the cpu backend's own result on plain arrays with one thread.
   */
  reorders?: boolean;
}

const kernelCases: KernelCase[] = [];

function convParams(n: number, c: number, h: number, w: number, cOut: number, k: number, o: { groups?: number; stride?: number; pad?: number } = {}): Conv2dParams {
  const stride = o.stride ?? 1, pad = o.pad ?? 0;
  const outH = Math.floor((h + 2 * pad - k) / stride) + 1, outW = Math.floor((w + 2 * pad - k) / stride) + 1;
  return { n, c, h, w, cOut, kh: k, kw: k, groups: o.groups ?? 1, strideH: stride, strideW: stride, padH: pad, padW: pad, dilH: 1, dilW: 1, outH, outW };
}

const copyOut = (a: Float32Array | Int32Array) => a.slice();

// convolutions: both above the threading threshold (2^20 flops)
const convs: [string, Conv2dParams][] = [
  ["n=4 c=8 16x16 cOut=8 3x3 pad 1", convParams(4, 8, 16, 16, 8, 3, { pad: 1 })],
  ["n=4 c=16 32x32 cOut=16 3x3 stride 2 pad 1 groups 2", convParams(4, 16, 32, 32, 16, 3, { stride: 2, pad: 1, groups: 2 })],
];
for (const [label, p] of convs) {
  const xSize = p.n * p.c * p.h * p.w, wSize = p.cOut * (p.c / p.groups) * p.kh * p.kw, ySize = p.n * p.cOut * p.outH * p.outW;
  kernelCases.push({
    name: `conv2d with bias, ${label}`,
    reorders: true,
    run(be, mk) {
      const out = mk.output(ySize);
      be.conv2d(mk.input(randomArray(xSize, 1)), mk.input(randomArray(wSize, 2)), mk.input(randomArray(p.cOut, 3)), p, out);
      return [copyOut(out)];
    },
  });
  kernelCases.push({
    name: `conv2dBackwardInput, ${label}`,
    reorders: true,
    run(be, mk) {
      const out = mk.output(xSize);
      be.conv2dBackwardInput(mk.input(randomArray(ySize, 4)), mk.input(randomArray(wSize, 5)), p, out);
      return [copyOut(out)];
    },
  });
  kernelCases.push({
    name: `conv2dBackwardWeight, ${label}`,
    reorders: true,
    run(be, mk) {
      const out = mk.output(wSize);
      be.conv2dBackwardWeight(mk.input(randomArray(xSize, 6)), mk.input(randomArray(ySize, 7)), p, out);
      return [copyOut(out)];
    },
  });
}

// matmul: offsets, the four transpose combinations, batch strides (0 broadcasts one matrix)
for (const [transA, transB, aShared, bShared] of [[false, false, false, false], [true, false, false, true], [false, true, true, false], [true, true, false, false]]) {
  const batch = 3, m = 70, n = 50, k = 300, aOffset = 5, bOffset = 3;
  kernelCases.push({
    name: `matmul batch ${batch} ${m}x${k}·${k}x${n} transA=${transA} transB=${transB} aBatchStride=${aShared ? 0 : "m·k"} bBatchStride=${bShared ? 0 : "k·n"} with offsets`,
    reorders: true,
    run(be, mk) {
      const out = mk.output(batch * m * n);
      const g: GemmArgs = {
        batch, m, n, k,
        a: mk.input(randomArray(aOffset + (aShared ? 1 : batch) * m * k, 8)), aOffset, aBatchStride: aShared ? 0 : m * k, transA,
        b: mk.input(randomArray(bOffset + (bShared ? 1 : batch) * k * n, 9)), bOffset, bBatchStride: bShared ? 0 : k * n, transB,
        out,
      };
      be.matmul(g);
      return [copyOut(out)];
    },
  });
}

// pooling: over 32768 input elements (tasks of 32768; threaded with 2+ threads), inputs with ties and NaNs
function poolParams(n: number, c: number, h: number, w: number, k: number, stride: number, pad: number, countIncludePad = true): Pool2dParams {
  const o = (x: number) => Math.floor((x + 2 * pad - k) / stride) + 1;
  return { n, c, h, w, kh: k, kw: k, strideH: stride, strideW: stride, padH: pad, padW: pad, outH: o(h), outW: o(w), countIncludePad };
}
function tiedInput(n: number, seed: number): Float32Array {
  const r = rng(seed), x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.round(r() * 3);
  for (let i = 17; i < n; i += 1001) x[i] = NaN;
  return x;
}
const pools: [string, "max" | "avg", Pool2dParams][] = [
  ["max 2x2 stride 2", "max", poolParams(12, 8, 32, 32, 2, 2, 0)],
  ["max 3x3 stride 2 pad 1", "max", poolParams(4, 8, 33, 33, 3, 2, 1)],
  ["avg 3x3 stride 2 pad 1 countIncludePad=false", "avg", poolParams(4, 8, 33, 33, 3, 2, 1, false)],
];
for (const [label, mode, p] of pools) {
  const inSize = p.n * p.c * p.h * p.w, outSize = p.n * p.c * p.outH * p.outW;
  kernelCases.push({
    name: `pool2d ${label}`,
    run(be, mk) {
      const out = mk.output(outSize), idx = mode === "max" ? mk.outputInt(outSize) : null;
      be.pool2d(mode, mk.input(tiedInput(inSize, 10)), p, out, idx);
      return idx ? [copyOut(out), copyOut(idx)] : [copyOut(out)];
    },
  });
  kernelCases.push({
    name: `pool2dBackward ${label}`,
    run(be, mk) {
      // the indices come from the reference forward pass (plain), then are placed like any input
      let idx: Int32Array | null = null;
      if (mode === "max") {
        idx = new Int32Array(outSize);
        referenceBackend.pool2d("max", tiedInput(inSize, 10), p, new Float32Array(outSize), idx);
      }
      const out = mk.output(inSize);
      be.pool2dBackward(mode, mk.input(randomArray(outSize, 11)), idx && mk.inputInt(idx), p, out);
      return [copyOut(out)];
    },
  });
}

// elementwise: 84480 elements (threaded when every operand is in the heap)
const S = [64, 33, 40], N = 64 * 33 * 40;
function specialArray(n: number, seed: number): Float32Array {
  const a = randomArray(n, seed);
  for (let i = 0; i < n; i += 97) a[i] = 0;
  a[5] = NaN;
  a[11] = Infinity;
  a[12] = -Infinity;
  a[13] = -0;
  return a;
}
const views = (mk: Maker, seed: number) => ({
  plain: view(mk.input(specialArray(N + 4, seed)), S, [33 * 40, 40, 1], 4),
  bcast: view(mk.input(specialArray(33, seed + 1)), S, [0, 1, 0]),
  transposed: view(mk.input(specialArray(N, seed + 2)), S, [33, 1, 64 * 33]),
});
for (const op of ["relu", "exp"] as const) {
  kernelCases.push({
    name: `unary ${op} [${S}] at offset 4`,
    run(be, mk) {
      const out = mk.output(N);
      be.unary(op, views(mk, 20).plain, out);
      return [copyOut(out)];
    },
  });
}
kernelCases.push({
  name: `unary copy of a transposed view [${S}] and of a 2-D transpose`,
  run(be, mk) {
    const o1 = mk.output(N), o2 = mk.output(300 * 250);
    be.unary("copy", views(mk, 21).transposed, o1);
    be.unary("copy", view(mk.input(specialArray(250 * 301 + 3, 22)), [300, 250], [1, 301], 3), o2);
    return [copyOut(o1), copyOut(o2)];
  },
});
kernelCases.push({
  name: `binary add with broadcast (stride-0) views [${S}]`,
  run(be, mk) {
    const v = views(mk, 23), o1 = mk.output(N), o2 = mk.output(N);
    be.binary("add", v.plain, v.bcast, o1);
    be.binary("add", v.bcast, v.transposed, o2);
    return [copyOut(o1), copyOut(o2)];
  },
});
kernelCases.push({
  name: `binary reluBackward and mul [${S}]`,
  run(be, mk) {
    const v = views(mk, 24), o1 = mk.output(N), o2 = mk.output(N), o3 = mk.output(N);
    be.binary("reluBackward", v.plain, v.transposed, o1);
    be.binary("mul", v.transposed, v.plain, o2);
    be.binary("mul", v.plain, v.bcast, o3);
    return [copyOut(o1), copyOut(o2), copyOut(o3)];
  },
});
kernelCases.push({
  name: `where [${S}]`,
  run(be, mk) {
    const v = views(mk, 25), out = mk.output(N);
    be.where(v.transposed, v.plain, v.bcast, out);
    return [copyOut(out)];
  },
});

// reductions: large enough to be split over the threads when input and output are in the heap
for (const [outer, size, inner] of [[256, 32, 16], [70000, 2, 1], [8, 9000, 1]] as [number, number, number][]) {
  kernelCases.push({
    name: `reduce sum, max, argmin [${outer}, ${size}, ${inner}]`,
    run(be, mk) {
      const x = mk.input(tiedInput(outer * size * inner, 26)), x2 = mk.input(randomArray(outer * size * inner, 27));
      const outs = [mk.output(outer * inner), mk.output(outer * inner), mk.output(outer * inner), mk.output(outer * inner)];
      be.reduce("sum", x2, outer, size, inner, outs[0]);
      be.reduce("max", x, outer, size, inner, outs[1]);
      be.reduce("argmin", x, outer, size, inner, outs[2]);
      be.reduce("sum", x, outer, size, inner, outs[3]);
      return outs.map(copyOut);
    },
  });
}

/** Largest |a - b| relative to the largest |b|. */
function relErr(a: Float32Array, b: Float32Array): number {
  let err = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / Math.max(scale, 1e-30);
}

describe("cpu backend kernels on heap and plain arrays vs the reference backend", () => {
  // count the jobs split over 2+ threads, to make sure the heap cases take the threaded paths
  let threadedJobs = 0;
  const originalRun = ThreadPool.prototype.run;
  beforeAll(() => {
    ThreadPool.prototype.run = function (this: ThreadPool, ...args: Parameters<ThreadPool["run"]>) {
      const { tasks, threads = this.getThreads() } = args[2];
      if (tasks > 1 && Math.min(threads, this.getThreads()) > 1) threadedJobs++;
      return originalRun.apply(this, args);
    };
  });
  afterAll(() => {
    ThreadPool.prototype.run = originalRun;
  });

  it("runs the WebAssembly kernels (not the fallback)", () => {
    expect(cpuBackendInfo().fallbackReason).toBeNull();
  });

  it("alloc puts tensors of 4096 floats or more in the heap, smaller ones in ordinary arrays", () => {
    cpuBackend.alloc(4096); // start the pool
    const before = cpuHeapStats()!;
    const big = cpuBackend.alloc(4096), big2 = cpuBackend.alloc(100_000, true), small = cpuBackend.alloc(4095);
    expect(isHeap(big)).toBe(true);
    expect(isHeap(big2)).toBe(true);
    expect(isHeap(small)).toBe(false);
    expect(small.buffer).toBeInstanceOf(ArrayBuffer);
    expect([big.length, big2.length, small.length]).toEqual([4096, 100_000, 4095]);
    expect(big.every((v) => v === 0)).toBe(true);
    expect(big.byteOffset % 64).toBe(0);
    const after = cpuHeapStats()!;
    expect(after.tensors - before.tensors).toBe(2);
    expect(after.usedBytes - before.usedBytes).toBeGreaterThanOrEqual(4 * (4096 + 100_000));
    // the two heap tensors do not overlap
    const [lo, hi] = big.byteOffset < big2.byteOffset ? [big, big2] : [big2, big];
    expect(lo.byteOffset + lo.byteLength).toBeLessThanOrEqual(hi.byteOffset);
    expect(gw.zeros([64, 64]).storage.buffer).toBeInstanceOf(SharedArrayBuffer); // tensors use it
  });

  const matrix = kernelCases.flatMap((c) => PLACEMENTS.map((pl) => ({ ...c, placement: pl, label: `${c.name} [${pl.label}]` })));
  it.each(matrix)("$label", ({ run, reorders, placement }) => {
    const expected = run(referenceBackend, new Maker(ALL_PLAIN));
    setNumThreads(1);
    const plainCpu = run(cpuBackend, new Maker(ALL_PLAIN));
    for (const t of THREADS) {
      setNumThreads(t);
      const jobsBefore = threadedJobs;
      const got = run(cpuBackend, new Maker(placement));
      if (t > 1 && placement.inputs === "heap" && placement.outputs === "heap") expect(threadedJobs, "threaded jobs").toBeGreaterThan(jobsBefore);
      got.forEach((g, i) => {
        const what = `output ${i}, ${t} thread(s)`;
        if (!reorders) return expectIdentical(g, expected[i], `${what} vs reference`);
        expectIdentical(g, plainCpu[i], `${what} vs cpu on plain arrays`);
        expect(relErr(g as Float32Array, expected[i] as Float32Array), `${what} vs reference`).toBeLessThan(1e-5);
      });
    }
  });
});

// ---------------------------------------------------------------- outputs aliasing inputs

describe("outputs that alias inputs in the heap", () => {
  /** A heap copy of `src` (at least 4096 floats, so alloc puts it in the heap). */
  function heapCopy(src: Float32Array): Float32Array {
    const a = cpuBackend.alloc(src.length, true);
    expect(isHeap(a)).toBe(true);
    a.set(src);
    return a;
  }

  it.each(THREADS)("in-place add (out is input a, same layout), %i thread(s)", (t) => {
    setNumThreads(t);
    const aSrc = specialArray(N, 30), bSrc = specialArray(N, 31), cSrc = specialArray(33, 32);
    const want1 = new Float32Array(N), want2 = new Float32Array(N);
    referenceBackend.binary("add", view(aSrc.slice(), S, [33 * 40, 40, 1]), view(bSrc, S, [33 * 40, 40, 1]), want1);
    referenceBackend.binary("mul", view(want1.slice(), S, [33 * 40, 40, 1]), view(cSrc, S, [0, 1, 0]), want2);
    const a = heapCopy(aSrc), b = heapCopy(bSrc);
    cpuBackend.binary("add", view(a, S, [33 * 40, 40, 1]), view(b, S, [33 * 40, 40, 1]), a);
    expectIdentical(a, want1, "a += b");
    cpuBackend.binary("mul", view(a, S, [33 * 40, 40, 1]), view(cSrc, S, [0, 1, 0]), a); // a broadcast plain operand
    expectIdentical(a, want2, "a *= c");
    expectIdentical(b, bSrc, "b untouched");
  });

  it.each(THREADS)("out overlapping a shifted view of the input, either direction, %i thread(s)", (t) => {
    setNumThreads(t);
    const n = N, src = specialArray(n + 1, 33);
    for (const op of ["relu", "exp", "copy"] as const) {
      const want = new Float32Array(n);
      referenceBackend.unary(op, view(src.slice(), [n], [1], 1), want);
      const data = heapCopy(src);
      cpuBackend.unary(op, view(data, [n], [1], 1), data.subarray(0, n));
      expectIdentical(data.subarray(0, n), want, `${op} shifted`);
      expect(data[n], `${op}: element past the output`).toBe(src[n]);
    }
    // the other direction (out = data[1, n], input data[0, n)): a forward pass in place would
    // smear data[0] over everything; the overlapping output is staged, so it reads the originals
    {
      const want = new Float32Array(n);
      referenceBackend.unary("copy", view(src.slice(), [n], [1], 0), want);
      const data = heapCopy(src);
      cpuBackend.unary("copy", view(data, [n], [1], 0), data.subarray(1, n + 1));
      expectIdentical(data.subarray(1, n + 1), want, "copy shifted forward");
      expect(data[0]).toBe(src[0]);
    }
    // binary: out[i] = data[i + 1] - data[i] written over data[0, n)
    const want = new Float32Array(n);
    referenceBackend.binary("sub", view(src.slice(), [n], [1], 1), view(src.slice(), [n], [1], 0), want);
    const data = heapCopy(src);
    cpuBackend.binary("sub", view(data, [n], [1], 1), view(data, [n], [1], 0), data.subarray(0, n));
    expectIdentical(data.subarray(0, n), want, "sub shifted");
  });

  it.each(THREADS)("matmul and reduce whose output overlaps an input (staged), %i thread(s)", (t) => {
    setNumThreads(t);
    const m = 64, k = 64, nn = 64; // out overwrites A's storage
    const aSrc = randomArray(m * k, 34), bSrc = randomArray(k * nn, 35);
    const want = new Float32Array(m * nn), plain = new Float32Array(m * nn);
    const g = (a: Float32Array, b: Float32Array, out: Float32Array): GemmArgs => ({ batch: 1, m, n: nn, k, a, aOffset: 0, aBatchStride: 0, transA: false, b, bOffset: 0, bBatchStride: 0, transB: false, out });
    referenceBackend.matmul(g(aSrc, bSrc, want));
    cpuBackend.matmul(g(aSrc.slice(), bSrc, plain));
    const a = heapCopy(aSrc);
    cpuBackend.matmul(g(a, heapCopy(bSrc), a));
    expectIdentical(a, plain, "A = A·B");
    expect(relErr(a, want)).toBeLessThan(1e-5);
    // a reduction written over the front of its own input
    const x = heapCopy(randomArray(4096 * 32, 36)), xs = x.slice(), r = new Float32Array(4096);
    referenceBackend.reduce("sum", xs, 4096, 32, 1, r);
    cpuBackend.reduce("sum", x, 4096, 32, 1, x.subarray(0, 4096));
    expectIdentical(x.subarray(0, 4096), r, "sum over own input");
  });
});

// ---------------------------------------------------------------- growth

describe("tensors in memory the heap has just grown", () => {
  it.each([2, 3])("threaded kernels read and write tensors past the memory's old end, %i threads", (t) => {
    setNumThreads(t);
    const probe = cpuBackend.alloc(4096);
    const oldBytes = probe.buffer.byteLength, top = ARENA_START + cpuHeapStats()!.reservedBytes;
    // an odd size that no free list holds, reaching past the current end of the memory
    const n = Math.ceil((oldBytes - top) / 4) + 3 * 65536 + 7;
    const x = cpuBackend.alloc(n, true);
    expect(isHeap(x)).toBe(true);
    expect(x.buffer.byteLength, "the memory grew").toBeGreaterThan(oldBytes);
    expect(x.byteOffset + x.byteLength).toBeGreaterThan(oldBytes);
    x.set(specialArray(n, 40));
    const m = 3 * 65536 + 7, tail = n - m; // the last m elements lie in the new part
    const xv = view(x, [m], [1], tail);
    const out = cpuBackend.alloc(m, true), want = new Float32Array(m);
    expect(isHeap(out)).toBe(true);
    cpuBackend.unary("exp", xv, out);
    referenceBackend.unary("exp", view(x.slice(tail), [m], [1]), want);
    expectIdentical(out, want, "exp");
    cpuBackend.binary("add", xv, view(out, [m], [1]), out);
    referenceBackend.binary("add", view(x.slice(tail), [m], [1]), view(want.slice(), [m], [1]), want);
    expectIdentical(out, want, "add in place");
    const r = cpuBackend.alloc(4096, true), rw = new Float32Array(4096);
    cpuBackend.reduce("max", x.subarray(tail, tail + 4096 * 32), 4096, 32, 1, r);
    referenceBackend.reduce("max", x.slice(tail, tail + 4096 * 32), 4096, 32, 1, rw);
    expectIdentical(r, rw, "max");
  });
});

// ---------------------------------------------------------------- reclamation

describe("reclamation of dropped heap tensors", () => {
  it("recycles the blocks of dropped tensors in a loop that yields (finalizers + forced GC): no fallbacks, bounded use", async () => {
    setNumThreads(2);
    cpuBackend.alloc(4096);
    const before = cpuHeapStats()!;
    const n = MiB; // 4 MiB per tensor
    const iterations = Math.max(300, Math.ceil((1.5 * before.limitBytes) / (4 * n))); // 1.5× the limit in total
    let peak = before.usedBytes, plain = 0, recycled = 0, dirty = 0;
    for (let i = 0; i < iterations; i++) {
      // even iterations: uninitialized storage; odd ones: zeroed storage, which must not show the
      // marks of an earlier tensor whose block it reuses. Every tensor is marked.
      const zeroed = i % 2 === 1;
      const t = cpuBackend.alloc(n, !zeroed);
      if (!isHeap(t)) plain++;
      if (zeroed) {
        if (t[0] !== 0 || t[n >> 1] !== 0 || t[n - 1] !== 0) dirty++;
      } else if (t[0] !== 0) recycled++; // a block an earlier tensor marked
      t[0] = t[n >> 1] = t[n - 1] = i + 1;
      peak = Math.max(peak, cpuHeapStats()!.usedBytes);
      await new Promise((r) => setImmediate(r));
    }
    const after = cpuHeapStats()!;
    expect(plain, "tensors that fell back to plain arrays").toBe(0);
    expect(dirty, "zeroed tensors showing an earlier tensor's data").toBe(0);
    expect(recycled, "uninitialized tensors that got a recycled block").toBeGreaterThan(iterations / 4);
    expect(after.fallbacks).toBe(before.fallbacks);
    expect(after.collections).toBeGreaterThan(before.collections);
    expect(peak - before.usedBytes, `peak use over ${iterations} × 4 MiB`).toBeLessThan(before.limitBytes / 2);
    expect(after.reservedBytes - before.reservedBytes).toBeLessThan(before.limitBytes / 2);
  });
  it("zeroGrad() of an optimizer or a module tells the cpu backend's heap that a step begins (stepBoundary)", () => {
    const prev = gw.getBackend();
    gw.setBackend("cpu");
    try {
      setNumThreads(1);
      cpuBackend.alloc(4096); // the pool and its heap exist
      const spy = vi.spyOn(Heap.prototype, "stepBoundary");
      try {
        const model = new gw.nn.Linear(3, 2);
        const opt = new gw.optim.SGD(model.parameters(), { lr: 0.1 });
        opt.zeroGrad();
        expect(spy, "optimizer.zeroGrad()").toHaveBeenCalledTimes(1);
        model.zeroGrad();
        expect(spy, "module.zeroGrad()").toHaveBeenCalledTimes(2);
        gw.withBackend("reference", () => opt.zeroGrad()); // another backend: not the cpu heap's business
        expect(spy).toHaveBeenCalledTimes(2);
      } finally {
        spy.mockRestore();
      }
    } finally {
      gw.setBackend(prev);
    }
  });
});

// ---------------------------------------------------------------- child processes

function runChild(script: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["-e", script], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("when the heap is full (child processes with a small GRADWORK_HEAP_MB)", () => {
  // conv + bias + relu + sum of squares, forward and backward, on the cpu backend then on the
  // reference backend; prints the largest error of each result relative to its largest element,
  // a hash of the cpu results' bits and the heap's statistics
  const script = `
    const gw = require(${JSON.stringify(join(root, "dist/index.js"))});
    const cpu = require(${JSON.stringify(join(root, "dist/backend/cpu/index.js"))});
    cpu.setNumThreads(2);
    function step() {
      gw.manualSeed(5);
      const x = gw.randn([8, 8, 32, 32], { requiresGrad: true });
      const w = gw.randn([8, 8, 3, 3], { requiresGrad: true });
      const b = gw.randn([8], { requiresGrad: true });
      const y = gw.F.conv2d(x, w, b, { padding: 1 }).relu();
      const s = y.mul(y).sum();
      s.backward();
      return [y, s, x.grad, w.grad, b.grad].map((t) => t.toFloat32Array());
    }
    gw.setBackend("cpu");
    const got = step();
    gw.setBackend("reference");
    const want = step();
    const err = got.map((g, i) => {
      let e = 0, scale = 0;
      g.forEach((v, j) => { e = Math.max(e, Math.abs(v - want[i][j])); scale = Math.max(scale, Math.abs(want[i][j])); });
      return e / scale;
    });
    const hash = got.map((g) => { let h = 2166136261; for (const u of new Uint32Array(g.buffer, g.byteOffset, g.length)) h = Math.imul(h ^ u, 16777619) >>> 0; return h; });
    console.log(JSON.stringify({ err, hash, sizes: got.map((g) => g.length), stats: cpu.cpuHeapStats() }));`;

  it("a conv + relu + sum step matches the reference and gives the same bits with the heap off, tiny or default", () => {
    const results = ["0", "1", ""].map((mb) => {
      const r = runChild(script, { GRADWORK_HEAP_MB: mb });
      expect(r.stderr, `GRADWORK_HEAP_MB=${mb}`).toBe("");
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.sizes).toEqual([65536, 1, 65536, 576, 8]);
      for (const e of out.err) expect(e, `GRADWORK_HEAP_MB=${mb}: error relative to the largest element`).toBeLessThan(1e-5);
      return out;
    });
    const [off, tiny, normal] = results;
    expect(off.stats).toMatchObject({ limitBytes: 0, tensors: 0 });
    expect(off.stats.fallbacks).toBeGreaterThan(5);
    expect(tiny.stats.limitBytes).toBe(MiB);
    expect(tiny.stats.tensors).toBeGreaterThan(0);
    expect(tiny.stats.fallbacks).toBeGreaterThan(0);
    expect(normal.stats.fallbacks).toBe(0);
    expect(tiny.hash).toEqual(off.hash); // same kernels, same bits, wherever the tensors live
    expect(normal.hash).toEqual(off.hash);
  });

  // Regression: with a small GRADWORK_HEAP_MB the heap once never asked V8 for a collection (the
  // first one was due at 64 MiB of use, above the limit), so such a loop fell back for good.
  it("recycles dropped tensors in a yielding loop under a small limit (GRADWORK_HEAP_MB=32)", () => {
    const loop = `
      const cpu = require(${JSON.stringify(join(root, "dist/backend/cpu/index.js"))});
      (async () => {
        let plain = 0;
        for (let i = 0; i < 100; i++) {
          const t = cpu.cpuBackend.alloc(1 << 20, true);
          if (!(t.buffer instanceof SharedArrayBuffer)) plain++;
          await new Promise((r) => setImmediate(r));
        }
        console.log(JSON.stringify({ plain, stats: cpu.cpuHeapStats() }));
      })();`;
    const r = runChild(loop, { GRADWORK_HEAP_MB: "32" });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.stats.limitBytes).toBe(32 * MiB);
    expect(out.plain, `tensors that fell back (heap stats ${JSON.stringify(out.stats)})`).toBeLessThan(20);
  });
});

// ---------------------------------------------------------------- a whole model

describe("a whole model on heap tensors", () => {
  it("vggNet forward + backward at batch 4: cpu (2 threads) matches the reference", () => {
    setNumThreads(2);
    gw.setBackend("cpu");
    gw.manualSeed(11);
    const model = gw.train.vggNet();
    const x = gw.randn([4, 3, 32, 32]), labels = gw.randint(0, 10, [4]);
    const step = () => {
      model.zeroGrad();
      const loss = gw.F.crossEntropy(model.forward(x), labels);
      loss.backward();
      return [loss.toFloat32Array(), ...model.parameters().map((p) => p.grad!.toFloat32Array())];
    };
    const tensorsBefore = cpuHeapStats()!.tensors;
    const got = step();
    expect(cpuHeapStats()!.tensors - tensorsBefore, "heap tensors made by the step").toBeGreaterThan(10); // activations and their gradients
    const want = gw.withBackend("reference", step);
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => {
      // summation orders differ (GEMM blocking, FMA), so bits differ in most elements; relative to
      // each gradient's largest element the difference stays around 5e-7
      expect(relErr(g, want[i]), `gradient ${i} vs reference, relative to its largest element`).toBeLessThan(1e-5);
    });
    // the cpu backend's own results do not depend on the thread count
    setNumThreads(1);
    const single = step();
    single.forEach((g, i) => expectIdentical(g, got[i], `gradient ${i}, 1 thread vs 2`));
  });
});
