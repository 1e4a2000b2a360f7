// Winograd F(4×4, 3×3) convolutions for stride-1, dilation-1, ungrouped 3×3 convolutions (any padding):
// the forward pass, the input gradient (for stride 1 a convolution of dy with the 180°-rotated,
// channel-transposed weights and padding 2 − pad) and the weight gradient. Transforms: wasm/winograd.ts.
//
// Forward and input gradient, per task (a chunk of "quads", four consecutive 4×4 output tiles of a
// tile row, possibly across images):
//   V[e] (inC × tiles)  = Bᵀ d B of every 6×6 input tile, as packed GEMM B strips   (winoInput)
//   M[e] (outC × tiles) = U[e] (outC × inC) · V[e]   for the 36 elements e          (macro, wasm/gemm.ts)
//   y                   = Aᵀ M A (+ bias), clipped to the output planes              (winoOutput)
// with U = G g Gᵀ computed once per job and thread (winoWeights).
// Weight gradient (the transpose of the forward in g): dW = Gᵀ [Σ_tiles (A dy Aᵀ) ⊙ (Bᵀ x B)] G, i.e. per
// element e a GEMM S[e] (cOut × c) += Z[e] (cOut × tiles) · Vᵀ[e] (tiles × c), summed over fixed image
// chunks into partial sums that a second job adds in order and transforms back (winoWeightGrad).
// Every output is computed by one task in a fixed order (the GEMMs sum in order, the partial sums
// are added in order), so results do not depend on the thread count or the chunking.
//
// Error bound (float32): the transforms scale values by up to 8 (Aᵀ) and 1/24 (G) and mix a whole
// 6×6 input tile into each of its 16 outputs, so an output's error is proportional to the sizes of
// the values in its tile, not only in its 3×3 window. With S_i = Σ|w||x| over the window of output i
// (for the gradients: Σ|w||dy| and Σ|x||dy|) and S̄ its mean over the outputs:
//     |y_i − y_exact,i| ≤ 2e-5 · (S_i + S̄)
// which test/backend/cpu/winograd.test.ts checks (the worst measured, on uniform data, is ~3e-6·S_i
// where S_i is not tiny; the direct im2col path stays within ~1e-7·S_i). F(2×2, 3×3) (not
// implemented) would have smaller constants but does 1.8× the multiplies per output (16 per 4
// outputs against 36 per 16) and 1.8× the transform stores.
// NaN and Inf in the input reach every output of the tiles that hold them (a superset of the
// outputs whose windows hold them) and can become NaN where the direct path gives ±Inf.
//
// GRADWORK_WINOGRAD=0 in the environment (read once, when this module loads) turns these paths off;
// setWinograd() switches them at run time (tests, benchmarks). The weight gradient is off unless
// GRADWORK_WINOGRAD_WEIGHT=1 (less accurate, see useWinogradWeight).
import type { Conv2dParams } from "../../backend";
import { defineJob, type JobFields } from "../threads/job";
import { jobSerial, oncePerJob, scratchOf, type ThreadCtx } from "../threads/context";
import type { ThreadPool } from "../threads/thread-pool";
import { INLINE_FLOPS, MR, NR } from "./matmul";
import { roundUp } from "./util";

declare module "../wasm-loader" {
  interface WasmExports {
    /** The 36 transformed weight blocks U[e] as packed GEMM A panels (see wasm/winograd.ts). */
    winoWeights(w: number, outC: number, inC: number, flip: number, dst: number, tmp: number): void;
    /** Transformed input tiles of quads [q0, q0+nq) of one padded image, as packed B strips. */
    winoInput(xp: number, channels: number, hp: number, wp: number, tilesW: number, tilesH: number, q0: number, nq: number, lq0: number, dst: number, eBytes: number, tmp: number): void;
    /** Inverse transform (+ bias, then ReLU when relu ≠ 0) of quads [q0, q0+nq) into the output planes of one image. */
    winoOutput(m: number, ldm: number, eBytes: number, nco: number, tilesW: number, q0: number, nq: number, lq0: number, y: number, outH: number, outW: number, bias: number, tmp: number, relu: number): void;
    /** Transformed input tiles as packed B strips with the tiles along k (weight gradient). */
    winoInputT(xp: number, channels: number, hp: number, wp: number, tilesW: number, q0: number, nq: number, lt0: number, kc: number, dst: number, eBytes: number, tmp: number): void;
    /** Transformed dy tiles as packed A panels with the tiles along k (weight gradient). */
    winoDyT(dy: number, channels: number, outH: number, outW: number, tilesW: number, q0: number, nq: number, lt0: number, kc: number, dst: number, eBytes: number, tmp: number): void;
    /** Sum the partial products in order and transform them back into weight-gradient rows [co0, co0+nco). */
    winoWeightGrad(parts: number, nparts: number, outC: number, inC: number, co0: number, nco: number, w: number, tmp: number): void;
    /** Add bias[r] to row r of a rows×cols block (row stride ldc floats). */
    addBias(c: number, rows: number, cols: number, ldc: number, bias: number): void;
  }
}

/** Winograd mode: false (off), true (where it measures faster), "always" (every eligible shape: tests). */
export type WinogradMode = boolean | "always";
let mode: WinogradMode = typeof process === "undefined" || process.env?.GRADWORK_WINOGRAD !== "0";

/**
 * Internal (tests, benchmarks): turn the Winograd convolutions on, off, or on for every eligible
 * shape even where the direct path is faster ("always"); returns the previous mode. The default is
 * on unless GRADWORK_WINOGRAD=0. The direct im2col path is the oracle.
 *
 * @example
 * const was = setWinograd(false); // direct convolutions only
 * try { ... } finally { setWinograd(was); }
 */
export function setWinograd(on: WinogradMode): WinogradMode {
  const was = mode;
  mode = on;
  return was;
}

/**
 * Largest c·cOut for Winograd: the 36 transformed weight blocks (per thread) take 4× the memory of
 * the direct path's packed weights, 9.4 MB at 256×256 channels.
 */
const MAX_CHANNEL_PRODUCT = 256 * 256;
/** Largest memory for the weight gradient's partial sums (36 blocks of cOut×c per image chunk). */
const MAX_PARTIAL_BYTES = 64 << 20;

/**
 * Whether a convolution (forward, or input gradient when `backward`) takes the Winograd path:
 * 3×3, stride 1, dilation 1, one group (the input gradient: padding at most 2), and, seen as a
 * convolution inC → outC (the input gradient is one cOut → c), inC ≥ 2 and outC ≥ 6: the input
 * transform is paid once per input channel and shared by the outputs, the output transform the
 * other way round, so either count small leaves the transforms unamortised.
 * Measured (1 thread, batch 64, CPU time, direct ms / Winograd ms; forward and input gradient):
 *   32→32 on 32×32: 33.7/13.8 and 31.7/13.0; 64→64 on 16×16: 30.1/9.0 and 26.2/8.5;
 *   3→32 on 32×32: 6.1/4.4 (wins), input gradient = conv 32→3: 4.6/5.1 (loses); 4→32 backward
 *   (conv 32→4): 5.5/6.7 (loses); 16→6 forward: 8.6/3.3; 2→8: 1.9/1.3 and 1.5/1.2;
 *   1→16 on 28×28: 1.33/1.60 and (conv 16→1) 0.85/1.77 (both lose); 64→64 on 4×4: 2.9/2.1.
 */
export function useWinograd(p: Conv2dParams, backward: boolean): boolean {
  if (mode === false) return false;
  if (p.kh !== 3 || p.kw !== 3 || p.strideH !== 1 || p.strideW !== 1 || p.dilH !== 1 || p.dilW !== 1 || p.groups !== 1) return false;
  if (backward && (p.padH > 2 || p.padW > 2)) return false;
  if (p.c * p.cOut > MAX_CHANNEL_PRODUCT) return false;
  if (mode === "always") return true;
  const inC = backward ? p.cOut : p.c, outC = backward ? p.c : p.cOut;
  return inC >= 2 && outC >= 6;
}

/** The convolution the job computes: x (n × inC × h × w) → y (n × outC × outH × outW). */
interface WinoConv {
  n: number; inC: number; h: number; w: number; outC: number; outH: number; outW: number; padH: number; padW: number;
}

/** Tile grid, padded-plane size and scratch layout of a Winograd convolution. */
function layout(v: WinoConv, qc: number) {
  const tilesH = Math.ceil(v.outH / 4), tilesW = roundUp(Math.ceil(v.outW / 4), 4);
  const hp = Math.max(v.h + 2 * v.padH, tilesH * 4 + 2), wp = Math.max(v.w + 2 * v.padW, tilesW * 4 + 2);
  const ldm = qc * 4;
  const uBytes = 36 * roundUp(v.outC, MR) * v.inC * 4;
  // per element e, plus a cache line so that the 36 blocks do not all map to the same cache sets
  const vBytes = roundUp(ldm, NR) * v.inC * 4 + 64, mBytes = v.outC * ldm * 4 + 64;
  const xpadBytes = v.inC * hp * wp * 4 + 16;
  const tmpBytes = 96 * 16 + MR * NR * 4;
  const scratch = uBytes + 36 * vBytes + 36 * mBytes + xpadBytes + tmpBytes;
  return { tilesH, tilesW, quads: tilesH * tilesW / 4, hp, wp, ldm, uBytes, vBytes, mBytes, xpadBytes, scratch };
}

/** Quads per task: about 64 tiles, fewer when the threads would lack tasks (even: whole B strips). */
function quadsPerTask(totalQuads: number, threads: number): number {
  let qc = 16;
  while (threads > 1 && Math.ceil(totalQuads / qc) < 3 * threads && qc > 2) qc -= 2;
  return qc;
}

/**
 * Run a Winograd convolution on the pool. `flip`: the weights are inC... as stored for the forward
 * convolution whose input gradient this is (outC × inC of the original swapped, rotated by 180°).
 */
function winogradConv(pool: ThreadPool, x: Float32Array, w: Float32Array, bias: Float32Array | null, v: WinoConv, flip: boolean, out: Float32Array, relu = false): void {
  const ySize = v.n * v.outC * v.outH * v.outW;
  const arena = pool.begin();
  const xPtr = arena.input(x, 0, v.n * v.inC * v.h * v.w), wPtr = arena.input(w, 0, v.inC * v.outC * 9);
  const bPtr = bias ? arena.input(bias, 0, v.outC) : 0, yPtr = arena.output(out, ySize);
  const threads = 2 * 9 * v.n * v.inC * v.outC * v.outH * v.outW < INLINE_FLOPS ? 1 : pool.getThreads();
  const probe = layout(v, 2);
  const totalQuads = v.n * probe.quads;
  const qc = quadsPerTask(totalQuads, threads);
  const l = layout(v, qc);
  const fields = { ...v, x: xPtr, weight: wPtr, bias: bPtr, y: yPtr, flip: flip, relu, qc };
  pool.run(winogradJob, fields, { tasks: Math.ceil(totalQuads / qc), scratchBytes: l.scratch, threads, hidesSweep: true });
  arena.finish();
}

const FIELDS = {
  n: "int", inC: "int", h: "int", w: "int", outC: "int", outH: "int", outW: "int", padH: "int", padW: "int",
  x: "int", weight: "int", bias: "int", y: "int", flip: "bool", relu: "bool", qc: "int",
} as const;

/** Task t: quads [t*qc, (t+1)*qc) of the whole batch (image by image). */
function winogradTask(f: JobFields<typeof FIELDS>, t: number, ctx: ThreadCtx): void {
  const l = layout(f, f.qc);
  const wasm = ctx.wasm;
  const u = scratchOf(ctx), vb = u + l.uBytes, mb = vb + 36 * l.vBytes, xpad = mb + 36 * l.mBytes;
  const tile = xpad + l.xpadBytes, tmp = tile + MR * NR * 4;
  if (ctx.cacheKey !== jobSerial(ctx)) {
    wasm.winoWeights(f.weight, f.outC, f.inC, f.flip ? 1 : 0, u, tmp);
    ctx.cacheKey = jobSerial(ctx);
  }
  wasm.convGeom(f.h, f.w, 3, 3, 1, 1, f.padH, f.padW, 1, 1, l.tilesH * 4, l.tilesW * 4);
  const first = t * f.qc, last = Math.min(f.n * l.quads, first + f.qc), nq = last - first;
  const inPlane = f.h * f.w, outPlane = f.outH * f.outW;
  // input transforms, image by image
  for (let q = first; q < last;) {
    const b = Math.floor(q / l.quads), q0 = q - b * l.quads, cnt = Math.min(last - q, l.quads - q0);
    oncePerJob(ctx, b, () => wasm.padImage(f.x + 4 * b * f.inC * inPlane, f.inC, xpad));
    wasm.winoInput(xpad, f.inC, l.hp, l.wp, l.tilesW, l.tilesH, q0, cnt, q - first, vb, l.vBytes, tmp);
    q += cnt;
  }
  // the 36 products
  const blockA = roundUp(f.outC, MR) * f.inC * 4;
  for (let e = 0; e < 36; e++) wasm.macro(f.outC, nq * 4, f.inC, u + e * blockA, vb + e * l.vBytes, mb + e * l.mBytes, l.ldm, 0, tile);
  // output transforms
  for (let q = first; q < last;) {
    const b = Math.floor(q / l.quads), q0 = q - b * l.quads, cnt = Math.min(last - q, l.quads - q0);
    wasm.winoOutput(mb, l.ldm, l.mBytes, f.outC, l.tilesW, q0, cnt, q - first, f.y + 4 * b * f.outC * outPlane, f.outH, f.outW, f.bias, tmp, f.relu ? 1 : 0);
    q += cnt;
  }
}

const winogradJob = defineJob({ name: "conv2d: winograd", fields: FIELDS, run: winogradTask });

/** The forward convolution (with its bias, then ReLU when `relu`) by Winograd; the caller checked useWinograd(p, false). */
export function winogradForward(pool: ThreadPool, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dParams, out: Float32Array, relu = false): void {
  const v = { n: p.n, inC: p.c, h: p.h, w: p.w, outC: p.cOut, outH: p.outH, outW: p.outW, padH: p.padH, padW: p.padW };
  winogradConv(pool, x, w, bias, v, false, out, relu);
}

/** The input gradient by Winograd (a convolution of dy, padding 2 − pad); the caller checked useWinograd(p, true). */
export function winogradBackwardInput(pool: ThreadPool, dy: Float32Array, w: Float32Array, p: Conv2dParams, out: Float32Array): void {
  const v = { n: p.n, inC: p.cOut, h: p.outH, w: p.outW, outC: p.c, outH: p.h, outW: p.w, padH: 2 - p.padH, padW: 2 - p.padW };
  winogradConv(pool, dy, w, null, v, true, out);
}

// ---------------------------------------------------------------- weight gradient

/** Images per partial sum of the weight gradient: depends on the shapes only, never on the threads. */
function imagesPerPartial(p: Conv2dParams): number {
  return Math.max(1, Math.min(p.n, Math.ceil(4096 / (p.outH * p.outW))));
}

/** Transform scratch of the weight gradient (winoInputT: 180 v128). */
const WGRAD_TMP = 192 * 16;
/** Quads per GEMM block of the weight gradient (k = 4 tiles per quad). */
const WGRAD_QUADS = 8;

function wgradLayout(p: Conv2dParams) {
  const l = layout({ n: p.n, inC: p.c, h: p.h, w: p.w, outC: p.cOut, outH: p.outH, outW: p.outW, padH: p.padH, padW: p.padW }, WGRAD_QUADS);
  const kc = 4 * WGRAD_QUADS;
  const vtBytes = roundUp(p.c, NR) * kc * 4 + 64, ztBytes = roundUp(p.cOut, MR) * kc * 4 + 64; // per e, skewed
  const scratch = 36 * vtBytes + 36 * ztBytes + l.xpadBytes + WGRAD_TMP + MR * NR * 4;
  return { ...l, kc, vtBytes, ztBytes, scratch };
}

let weightOn = typeof process !== "undefined" && process.env?.GRADWORK_WINOGRAD_WEIGHT === "1";

/**
 * Internal (tests, benchmarks): turn the Winograd weight gradient on or off (default: off unless
 * GRADWORK_WINOGRAD_WEIGHT=1, see useWinogradWeight); returns the previous setting.
 *
 * @example
 * const was = setWinogradWeight(true);
 * try { ... } finally { setWinogradWeight(was); }
 */
export function setWinogradWeight(on: boolean): boolean {
  const was = weightOn;
  weightOn = on;
  return was;
}

/**
 * Whether the weight gradient takes the Winograd path. Off by default (opt in with
 * GRADWORK_WINOGRAD_WEIGHT=1, or setWinograd("always")): it is 1.3–2.4× faster but its rounding
 * error is ~10× the direct path's — each dW sums products of transformed tiles whose values are up
 * to ~100× larger than x·dy, then cancels them in Gᵀ S G — which exceeds the absolute tolerance
 * (1e-4) of test/ops/larger-shapes.test.ts on sums of ~1600 products of N(0,1) values (error 2.2e-4
 * on a gradient of 0.27; ~2e-7 of Σ|x||dy|, within this file's bound).
 * When on: 3×3, stride 1, dilation 1, one group, both channel counts ≥ 2 and outputs at least 8
 * wide (tile rows are padded to 16 columns, so narrower outputs waste most of the work). Measured
 * (1 thread, batch 64, CPU time, direct ms / Winograd ms): 32→32 on 32×32: 34.9/17.9; 64→64 on
 * 16×16: 26.0/12.6; 3→32 on 32×32: 7.9/6.7; 2→8: 3.0/1.8; 16→2: 7.9/3.2; 32→32 on 8×8: 3.8/3.0;
 * 64→64 on 4×4: 3.3/3.6 (loses); 1→16 on 28×28: 2.7/3.4 (loses); 2→16 on 28×28: 3.42/3.44 (even).
 */
export function useWinogradWeight(p: Conv2dParams): boolean {
  if (mode === false || (mode !== "always" && !weightOn)) return false;
  if (p.kh !== 3 || p.kw !== 3 || p.strideH !== 1 || p.strideW !== 1 || p.dilH !== 1 || p.dilW !== 1 || p.groups !== 1) return false;
  if (p.c * p.cOut > MAX_CHANNEL_PRODUCT) return false;
  if (36 * Math.ceil(p.n / imagesPerPartial(p)) * p.c * p.cOut * 4 > MAX_PARTIAL_BYTES) return false;
  return mode === "always" || (p.c >= 2 && p.cOut >= 2 && p.outW >= 8);
}

/** The weight gradient by Winograd; the caller checked useWinogradWeight(p). */
export function winogradBackwardWeight(pool: ThreadPool, x: Float32Array, dy: Float32Array, p: Conv2dParams, out: Float32Array): void {
  const arena = pool.begin();
  const bc = imagesPerPartial(p), nbc = Math.ceil(p.n / bc);
  const xPtr = arena.input(x, 0, p.n * p.c * p.h * p.w), dyPtr = arena.input(dy, 0, p.n * p.cOut * p.outH * p.outW);
  const partPtr = arena.floats(nbc * 36 * p.cOut * p.c);
  const wPtr = arena.output(out, p.cOut * p.c * 9);
  const threads = 2 * 9 * p.n * p.c * p.cOut * p.outH * p.outW < INLINE_FLOPS ? 1 : pool.getThreads();
  const l = wgradLayout(p);
  const fields = { ...p, x: xPtr, dy: dyPtr, partials: partPtr, imagesPerPartial: bc, dw: wPtr };
  pool.run(wgradJob, fields, { tasks: nbc, scratchBytes: l.scratch, threads, hidesSweep: true });
  const coChunk = Math.max(1, Math.ceil(p.cOut / (4 * threads)));
  pool.run(wgradFinishJob, { ...fields, coChunk }, { tasks: Math.ceil(p.cOut / coChunk), scratchBytes: 64 * 4, threads });
  arena.finish();
}

const WGRAD_FIELDS = {
  n: "int", c: "int", h: "int", w: "int", cOut: "int", outH: "int", outW: "int", padH: "int", padW: "int",
  x: "int", dy: "int", partials: "int", imagesPerPartial: "int",
} as const;

/** Task j: partial sum j of S[e] (cOut × c) over the tiles of images [j*bc, (j+1)*bc). */
function wgradTask(f: JobFields<typeof WGRAD_FIELDS>, j: number, ctx: ThreadCtx): void {
  const l = wgradLayout(f as unknown as Conv2dParams);
  const wasm = ctx.wasm;
  const vt = scratchOf(ctx), zt = vt + 36 * l.vtBytes, xpad = zt + 36 * l.ztBytes, tmp = xpad + l.xpadBytes, tile = tmp + WGRAD_TMP;
  wasm.convGeom(f.h, f.w, 3, 3, 1, 1, f.padH, f.padW, 1, 1, l.tilesH * 4, l.tilesW * 4);
  const inPlane = f.h * f.w, outPlane = f.outH * f.outW;
  const first = j * f.imagesPerPartial * l.quads, end = Math.min(f.n, (j + 1) * f.imagesPerPartial) * l.quads;
  const blk = f.cOut * f.c * 4, part = f.partials + j * 36 * blk;
  const ztBlock = l.ztBytes, vtBlock = l.vtBytes;
  for (let q = first; q < end; q += WGRAD_QUADS) {
    const last = Math.min(end, q + WGRAD_QUADS), kc = 4 * (last - q);
    for (let s = q; s < last;) {
      const b = Math.floor(s / l.quads), q0 = s - b * l.quads, cnt = Math.min(last - s, l.quads - q0);
      oncePerJob(ctx, b, () => wasm.padImage(f.x + 4 * b * f.c * inPlane, f.c, xpad));
      wasm.winoInputT(xpad, f.c, l.hp, l.wp, l.tilesW, q0, cnt, 4 * (s - q), kc, vt, vtBlock, tmp);
      wasm.winoDyT(f.dy + 4 * b * f.cOut * outPlane, f.cOut, f.outH, f.outW, l.tilesW, q0, cnt, 4 * (s - q), kc, zt, ztBlock, tmp);
      s += cnt;
    }
    const acc = q > first ? 1 : 0;
    for (let e = 0; e < 36; e++) wasm.macro(f.cOut, f.c, kc, zt + e * ztBlock, vt + e * vtBlock, part + e * blk, f.c, acc, tile);
  }
}

const wgradJob = defineJob({ name: "conv2d: winograd weight gradient", fields: WGRAD_FIELDS, run: wgradTask });

const FINISH_FIELDS = { ...WGRAD_FIELDS, dw: "int", coChunk: "int" } as const;
const wgradFinishJob = defineJob({
  name: "conv2d: winograd weight gradient (sum and transform)",
  fields: FINISH_FIELDS,
  run(f, t, ctx) {
    const nbc = Math.ceil(f.n / f.imagesPerPartial), co0 = t * f.coChunk;
    ctx.wasm.winoWeightGrad(f.partials, nbc, f.cOut, f.c, co0, Math.min(f.coChunk, f.cOut - co0), f.dw, scratchOf(ctx));
  },
});
