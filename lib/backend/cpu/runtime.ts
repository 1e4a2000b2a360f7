// Loading the WebAssembly kernels, the shared memory and the per-thread context.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { CTL_INTS } from "./control";
import type { Heap } from "./heap";
import { type WasmMemory, type WasmModule, wasmApi } from "./wasm-api";

/** The functions exported by the WebAssembly kernels (lib/backend/cpu/wasm). Pointers are byte addresses. */
export interface WasmExports {
  gemmMR(): number;
  gemmNR(): number;
  packA(a: number, rs: number, cs: number, m: number, kc: number, dst: number): void;
  packB(b: number, rs: number, cs: number, kc: number, n: number, dst: number): void;
  macro(m: number, n: number, kc: number, pa: number, pb: number, c: number, ldc: number, accumulate: number, tmp: number): void;
  convGeom(h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, oh: number, ow: number): void;
  paddedPlane(): number;
  padImage(x: number, channels: number, dst: number): void;
  packIm2col(x: number, k0: number, kc: number, p0: number, np: number, dst: number): void;
  packIm2colT(x: number, k0: number, nk: number, p0: number, kc: number, dst: number, tab: number): void;
  col2im(dcol: number, k0: number, rows: number, dx: number): void;
  reluRun(x: number, out: number, n: number): void;
  reluBackwardRun(g: number, gs: number, x: number, xs: number, out: number, n: number): void;
  arithRun(op: number, a: number, as: number, b: number, bs: number, out: number, n: number): void;
}

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

/** Largest memory: 2 GiB keeps every byte address a positive i32. */
export const MAX_PAGES = 32768;

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

/** The folder holding the built worker.js and kernels-*.wasm. */
export function builtDir(): string {
  // compiled library: this file is dist/backend/cpu/runtime.js, next to them
  if (existsSync(join(__dirname, "worker.js"))) return __dirname;
  // running from the TypeScript sources (vitest, tsx): use the package's dist/
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(dir, "dist", "backend", "cpu");
}

export const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";

/**
 * Whether this V8 needs RELAXED_FLAG: relaxed SIMD ships enabled from V8 11.4 (Node 22), and newer
 * V8s (Node 26) no longer know the flag and print "unrecognized flag" when it is set.
 */
export function relaxedNeedsFlag(v8: string = process.versions.v8): boolean {
  const [major, minor] = v8.split(".").map(Number);
  return major < 11 || (major === 11 && minor < 4);
}

export interface Kernels {
  module: WasmModule;
  relaxed: boolean;
}

/**
 * Probe the engine and compile the kernels: relaxed SIMD if possible, plain SIMD otherwise.
 * Returns a reason string when the fast backend cannot run here.
 */
export function loadKernels(dir = builtDir()): Kernels | string {
  if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined" || !wasmApi) {
    return "this JavaScript engine lacks SharedArrayBuffer, Atomics or WebAssembly";
  }
  try {
    new wasmApi.Memory({ initial: 1, maximum: 1, shared: true });
  } catch {
    return "WebAssembly threads (shared memory) are not supported";
  }
  const relaxedPath = join(dir, "kernels-relaxed.wasm");
  const simdPath = join(dir, "kernels-simd.wasm");
  if (!existsSync(simdPath)) return `the WebAssembly kernels are not built (missing ${simdPath}; run "npm run build")`;
  // Compile with the optimizing compiler up front: with V8's default tiering every thread would run
  // slow baseline code for its first dozen calls. The flag is put back right after compiling.
  setFlagsFromString("--no-wasm-dynamic-tiering");
  try {
    // GRADWORK_RELAXED_SIMD=0 forces the plain-SIMD kernels (to test that path)
    if (process.env.GRADWORK_RELAXED_SIMD !== "0") {
      try {
        if (relaxedNeedsFlag()) setFlagsFromString(RELAXED_FLAG);
        return { module: new wasmApi.Module(readFileSync(relaxedPath)), relaxed: true };
      } catch {
        // no relaxed SIMD in this engine: plain SIMD below
      }
    }
    try {
      return { module: new wasmApi.Module(readFileSync(simdPath)), relaxed: false };
    } catch (e) {
      return `WebAssembly SIMD is not supported (${(e as Error).message})`;
    }
  } finally {
    setFlagsFromString("--wasm-dynamic-tiering");
  }
}

export function instantiate(module: WasmModule, memory: WasmMemory): WasmExports {
  return new wasmApi!.Instance(module, { env: { memory } }).exports as WasmExports;
}

/**
 * Working memory of one kernel call: inputs that are not already in the shared memory are copied
 * into blocks of the heap, outputs that are not get a staging block copied back by `finish`, and
 * scratch space comes from the heap too. Every block is given back at the start of the next call.
 */
export class Arena {
  private blocks: number[] = [];
  /** Staged outputs: [heap address, destination array, count]. */
  private staged: [number, Float32Array | Int32Array, number][] = [];
  /** Byte ranges [start, end) of the inputs read in place during this call. */
  private inputs: number[] = [];
  constructor(
    private readonly memory: WasmMemory,
    readonly heap: Heap,
  ) {}

  /** Free the previous call's blocks. Callers make sure no worker still uses them (Pool.begin). */
  reset(): void {
    for (const b of this.blocks) this.heap.free(b);
    this.blocks.length = 0;
    this.staged.length = 0;
    this.inputs.length = 0;
  }

  /** Reserve `bytes` of scratch and return the byte address (64-byte aligned). */
  alloc(bytes: number): number {
    const addr = this.heap.block(bytes, false)!.addr;
    this.blocks.push(addr);
    return addr;
  }

  /** Reserve floats and return the byte address. */
  floats(count: number): number {
    return this.alloc(count * 4);
  }

  /** Byte address of elements [start, start+count) of `arr`: in place when it lives in the shared memory, else a copy. */
  input(arr: Float32Array | Int32Array, start: number, count: number): number {
    const at = this.heap.addressOf(arr);
    if (at >= 0) {
      const addr = at + 4 * start;
      this.inputs.push(addr, addr + 4 * count);
      return addr;
    }
    const addr = this.alloc(count * 4);
    if (arr instanceof Int32Array) new Int32Array(this.memory.buffer, addr, count).set(arr.subarray(start, start + count));
    else new Float32Array(this.memory.buffer, addr, count).set(arr.subarray(start, start + count));
    return addr;
  }

  /**
   * Byte address where a kernel writes elements [0, count) of `arr`: in place when it lives in the
   * shared memory and overlaps no input of this call, else a staging block that `finish` copies back.
   */
  output(arr: Float32Array | Int32Array, count: number): number {
    const at = this.heap.addressOf(arr);
    if (at >= 0 && !this.overlapsInput(at, at + 4 * count)) return at;
    const addr = this.alloc(count * 4);
    this.staged.push([addr, arr, count]);
    return addr;
  }

  /** Copy staged outputs back to their arrays. */
  finish(): void {
    for (const [addr, arr, count] of this.staged) {
      if (arr instanceof Int32Array) arr.set(new Int32Array(this.memory.buffer, addr, count));
      else arr.set(new Float32Array(this.memory.buffer, addr, count));
    }
    this.staged.length = 0;
  }

  private overlapsInput(lo: number, hi: number): boolean {
    for (let i = 0; i < this.inputs.length; i += 2) if (lo < this.inputs[i + 1] && this.inputs[i] < hi) return true;
    return false;
  }
}
