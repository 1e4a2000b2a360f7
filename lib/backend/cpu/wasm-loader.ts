// Loading the WebAssembly kernels (built from wasm/ into dist/backend/cpu/kernels-*.wasm): probing
// the engine, compiling the module once and instantiating it on each thread over the shared memory.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { distPath } from "../../paths";
import { setFlagsFromString } from "node:v8";

// Minimal typings for the WebAssembly JavaScript API, which neither the ES2022 lib nor
// @types/node 20 declare. Only what this backend uses.
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(deltaPages: number): number;
}

/** A compiled module (opaque; can be sent to workers). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}

/** The engine's WebAssembly object, or undefined where there is none. */
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;


/**
 * The functions exported by the WebAssembly kernels (lib/backend/cpu/wasm). Pointers are byte
 * addresses. Each kernel family declares the functions it calls next to where it calls them
 * (`declare module "../wasm-loader" { interface WasmExports { ... } }` in kernels/*.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface WasmExports {}

/** Largest memory: 2 GiB keeps every byte address a positive i32. */
export const MAX_PAGES = 32768;

/** The folder holding the built worker.js and kernels-*.wasm. */
export function builtDir(): string {
  // compiled library: this file is dist/backend/cpu/wasm-loader.js, next to them
  if (existsSync(join(__dirname, "worker.js"))) return __dirname;
  // running from the TypeScript sources (vitest, tsx): use the package's dist/
  return distPath("backend", "cpu");
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

/** V8's Turboshaft pipeline for WebAssembly, behind a flag in V8 12 (Node 22), the default from V8 13 (Node 24). */
export const TURBOSHAFT_FLAG = "--turboshaft-wasm";

/**
 * Whether to compile the kernels with TURBOSHAFT_FLAG: on V8 12 (Node 22) it doubles the GEMM and conv
 * kernels' speed (it is most of why Node 24 and 26 are faster than 20 and 22); V8 13+ uses it anyway,
 * and V8 11 (Node 20) crashes with it. GRADWORK_TURBOSHAFT_WASM=0 turns it off.
 */
export function turboshaftNeedsFlag(v8: string = process.versions.v8): boolean {
  return Number(v8.split(".")[0]) === 12 && process.env.GRADWORK_TURBOSHAFT_WASM !== "0";
}

/** V8's revectorizer: 128-bit WebAssembly SIMD run as 256-bit AVX2 code where it can (experimental in V8). */
export const REVECTORIZE_FLAG = "--experimental-wasm-revectorize";

/**
 * Whether to compile the kernels with REVECTORIZE_FLAG. On by default on the V8 lines whose output the
 * whole test suite checks with it on (V8 13 and 14: Node 24 and 26): GEMM 1024 at 1 thread 26–37 →
 * 62 GFLOP/s on an AVX2 machine, the results bit for bit the same (it widens lane-wise operations).
 * Other V8s: off unless GRADWORK_WASM_REVECTORIZE=1; GRADWORK_WASM_REVECTORIZE=0 turns it off anywhere.
 * V8 applies it only where the CPU has AVX2.
 */
export function revectorizeWanted(v8: string = process.versions.v8): boolean {
  const env = process.env.GRADWORK_WASM_REVECTORIZE;
  if (env === "0") return false;
  const major = Number(v8.split(".")[0]);
  if (env === "1") return major >= 12; // the flag exists from V8 12
  return major === 13 || major === 14;
}

/** The compiled WebAssembly module and whether it uses relaxed SIMD. */
export interface CompiledKernels {
  module: WasmModule;
  relaxed: boolean;
  /** The V8 compiler flags set for the kernels (Turboshaft on Node 22, the revectorizer on 24 and 26). */
  v8Flags: string[];
}

/**
 * Probe the engine and compile the kernels: relaxed SIMD if possible, plain SIMD otherwise.
 * Returns a reason string when the fast backend cannot run here.
 */
export function loadKernels(dir = builtDir()): CompiledKernels | string {
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
  // Left on: V8 compiles some functions lazily, at their first call.
  const v8Flags = [...(turboshaftNeedsFlag() ? [TURBOSHAFT_FLAG] : []), ...(revectorizeWanted() ? [REVECTORIZE_FLAG] : [])];
  for (const f of v8Flags) setFlagsFromString(f);
  try {
    // GRADWORK_RELAXED_SIMD=0 forces the plain-SIMD kernels (to test that path)
    if (process.env.GRADWORK_RELAXED_SIMD !== "0") {
      try {
        if (relaxedNeedsFlag()) setFlagsFromString(RELAXED_FLAG);
        return { module: new wasmApi.Module(readFileSync(relaxedPath)), relaxed: true, v8Flags };
      } catch {
        // no relaxed SIMD in this engine: plain SIMD below
      }
    }
    try {
      return { module: new wasmApi.Module(readFileSync(simdPath)), relaxed: false, v8Flags };
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
