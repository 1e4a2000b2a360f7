// Direct convolution (forward) for convolutions with few output channels per group, such as the
// chapter ConvNet's 3→3 and 3→16 5×5 layers. There the im2col + GEMM path wastes most of its 6×8
// register tile on padding (3 output channels fill half of MR = 6 rows) and packing the K = 75
// im2col rows costs as much as the multiply. The direct kernel (wasm/conv-direct.ts) reads a
// zero-padded copy of the image and keeps 4 output channels × 8 output columns in registers.
//
// Each output sums its K products in the same order, from zero, with the same multiply-add as the
// GEMM micro-kernel, then adds the bias: the results equal the GEMM path's bit for bit whenever
// the GEMM path sums K in one block (K ≤ 512), which the dispatch rule requires.
// Tasks: image × group × chunk of output channels (results never depend on the thread count).
//
// The weight gradient of unpadded, column-stride-1 convolutions with few output channels also
// runs directly (conv2dDirectBackwardWeight): each dW element sums dy · x along the output rows
// in 4 SIMD lanes (a different but fixed order from the GEMM path's, so results differ from it
// by rounding only), tasks split over (group, output-channel pair, input channel, kernel row).
//
// GRADWORK_DIRECT_CONV=0 turns the path off (the GEMM path then runs every convolution).
import type { Conv2dParams } from "../../backend";
import { defineJob, type JobFields } from "../threads/job";
import { oncePerJob, scratchOf, type ThreadCtx } from "../threads/context";
import type { ThreadPool } from "../threads/thread-pool";
import { INLINE_FLOPS } from "./matmul";
import { roundUp } from "./util";

declare module "../wasm-loader" {
  interface WasmExports {
    /** Set the geometry (one image, one channel group) for directPad / convDirect, per thread. */
    directGeom(h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, oh: number, ow: number): void;
    /** Zero-padded copy of `channels` planes of x at dst (with DIRECT_SLACK zeros after). */
    directPad(x: number, channels: number, dst: number): void;
    /** Output channels [0, nco) of one image and group (see wasm/conv-direct.ts). */
    convDirect(xp: number, w: number, K: number, bias: number, nco: number, y: number, tmp: number): void;
    /** Weight gradient of nco (1, 2) output channels × kernel columns kx0..kx0+4 of one input channel and kernel row. */
    convDirectWeight(x: number, xs: number, dy: number, dys: number, n: number, nco: number, ky: number, kx0: number, out: number, ldo: number): void;
  }
}

/** Must match DIRECT_SLACK in wasm/conv-direct.ts. */
const SLACK = 64;
/** Largest K the direct path takes: the GEMM path sums up to this many products in one block. */
const K_MAX = 512;
/** Most output channels per group the direct path takes (see directConvApplies). */
const OG_MAX = 16;

let mode: "auto" | "off" | "always" = process.env.GRADWORK_DIRECT_CONV === "0" ? "off" : "auto";

/**
 * Turn the direct convolution on (true: where the dispatch rules choose it), off, or on for every
 * shape it can compute ("always", for tests). The default comes from GRADWORK_DIRECT_CONV (0: off).
 * Returns the previous setting.
 *
 * @example
 * const was = setDirectConv(false); // every conv2d now runs im2col + GEMM
 * setDirectConv(was);
 */
export function setDirectConv(on: boolean | "always"): boolean | "always" {
  const was = mode === "auto" ? true : mode === "off" ? false : "always";
  mode = on === "always" ? "always" : on ? "auto" : "off";
  return was;
}

/**
 * Whether conv2d runs the direct kernel: K = cin/groups·kh·kw ≤ 512 (the GEMM path sums that in
 * one block, so the results are bit-identical) and og ≤ 8 output channels per group, or og ≤ 16
 * with K ≤ 100. Measured at 1 thread, batch 64, GEMM → direct: 3→3 5×5 (28-wide rows) 3.8 → 1.2 ms,
 * 3→16 5×5 1.26 → 0.95, 32→8 3×3 4.2 → 3.0, 3→16 3×3 3.5 → 2.6, 3→8 5×5 stride 2 2.0 → 1.1; but
 * 16→16 3×3 (K = 144) 11.8 → 12.1 ms (the GEMM tile is well filled there).
 */
export function directConvApplies(p: Conv2dParams): boolean {
  const og = p.cOut / p.groups, K = (p.c / p.groups) * p.kh * p.kw;
  if (mode === "off" || K > K_MAX || p.outH * p.outW === 0) return false;
  return mode === "always" || og <= 8 || (og <= OG_MAX && K <= 100);
}

/**
 * Whether conv2dBackwardWeight runs the direct kernel. It can take unpadded, column-stride-1
 * convolutions (the vectors run along unpadded input rows); it is faster than the GEMM path only
 * for few output channels and long output rows (1 thread, batch 64: 3→3 5×5 on 28-wide rows
 * 6.6 → 0.9 ms, 3→8 3×3 on 30-wide rows 2.7 → 1.9 ms; but 3→16 5×5 on 10-wide rows 0.78 → 1.18,
 * 32→8 3×3 on 14-wide rows 4.0 → 6.3, 16→16 3×3 on 30-wide rows 15.5 → 32.9 ms), hence the rule
 * og ≤ 4 with outW ≥ 8, or og ≤ 8 with outW ≥ 24.
 */
export function directWeightApplies(p: Conv2dParams): boolean {
  if (mode === "off" || p.padH !== 0 || p.padW !== 0 || p.strideW !== 1 || p.outH * p.outW === 0 || p.n === 0) return false;
  const og = p.cOut / p.groups;
  return mode === "always" || (og <= 4 && p.outW >= 8) || (og <= 8 && p.outW >= 24);
}

/** Floats of one zero-padded input plane (as directGeom computes it). */
function paddedPlane(p: Conv2dParams): number {
  const hp = Math.max(p.h + 2 * p.padH, (p.outH - 1) * p.strideH + (p.kh - 1) * p.dilH + 1);
  const wp = Math.max(p.w + 2 * p.padW, (p.outW - 1) * p.strideW + (p.kw - 1) * p.dilW + 1);
  return hp * wp;
}

const FIELDS = {
  n: "int", c: "int", h: "int", w: "int", cOut: "int", kh: "int", kw: "int", groups: "int",
  strideH: "int", strideW: "int", padH: "int", padW: "int", dilH: "int", dilW: "int", outH: "int", outW: "int",
  /** Output channels per task (a multiple of 4 but the last) and chunks per group. */
  chunk: "int", chunks: "int",
  x: "int", weight: "int", bias: "int", y: "int", relu: "bool",
} as const;

/** Task t: output channels [c0, c0+chunk) of group g of image b. */
function directTask(f: JobFields<typeof FIELDS>, t: number, ctx: ThreadCtx): void {
  const groups = f.groups, cg = f.c / groups, og = f.cOut / groups, K = cg * f.kh * f.kw, P = f.outH * f.outW;
  const b = Math.floor(t / (groups * f.chunks)), g = Math.floor(t / f.chunks) % groups, c0 = (t % f.chunks) * f.chunk;
  const nco = Math.min(f.chunk, og - c0);
  const wasm = ctx.wasm;
  const tmp = scratchOf(ctx), xpad = tmp + 64;
  wasm.directGeom(f.h, f.w, f.kh, f.kw, f.strideH, f.strideW, f.padH, f.padW, f.dilH, f.dilW, f.outH, f.outW);
  oncePerJob(ctx, b * groups + g, () => wasm.directPad(f.x + 4 * (b * f.c + g * cg) * f.h * f.w, cg, xpad));
  const co = g * og + c0;
  const y = f.y + 4 * (b * f.cOut + co) * P;
  wasm.convDirect(xpad, f.weight + 4 * co * K, K, f.bias ? f.bias + 4 * co : 0, nco, y, tmp);
  if (f.relu) wasm.reluRun(y, y, nco * P); // while these planes are in cache
}

const convDirectJob = defineJob({ name: "conv2d: direct forward", fields: FIELDS, run: directTask });

/** The forward convolution (then ReLU when `relu`) by the direct kernel (arguments checked by checkConv2d). */
export function conv2dDirect(pool: ThreadPool, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dParams, out: Float32Array, relu = false): void {
  const og = p.cOut / p.groups, cg = p.c / p.groups, P = p.outH * p.outW;
  const ySize = p.n * p.cOut * P;
  if (ySize === 0) return;
  const arena = pool.begin();
  const xPtr = arena.input(x, 0, p.n * p.c * p.h * p.w), wPtr = arena.input(w, 0, w.length);
  const bPtr = bias ? arena.input(bias, 0, p.cOut) : 0, yPtr = arena.output(out, ySize);
  const flops = 2 * ySize * cg * p.kh * p.kw;
  const threads = flops < INLINE_FLOPS ? 1 : pool.getThreads();
  // channel chunks: all of the group's unless there are too few (image, group) pairs for the threads
  let chunk = og;
  while (threads > 1 && p.n * p.groups * Math.ceil(og / chunk) < 3 * threads && chunk > 4) chunk = roundUp(chunk / 2, 4);
  const chunks = Math.ceil(og / chunk);
  const scratch = 64 + (cg * paddedPlane(p) + SLACK * p.strideW) * 4;
  const fields = { ...p, chunk, chunks, x: xPtr, weight: wPtr, bias: bPtr, y: yPtr, relu };
  pool.run(convDirectJob, fields, { tasks: p.n * p.groups * chunks, scratchBytes: scratch, threads, hidesSweep: true });
  arena.finish();
}

// ---------------------------------------------------------------- weight gradient

const WEIGHT_FIELDS = {
  n: "int", c: "int", h: "int", w: "int", cOut: "int", kh: "int", kw: "int", groups: "int",
  strideH: "int", strideW: "int", padH: "int", padW: "int", dilH: "int", dilW: "int", outH: "int", outW: "int",
  x: "int", dy: "int", dw: "int",
} as const;

/** Task t: output channels (pair) × input channel × kernel row × 5 kernel columns of one group. */
function weightTask(f: JobFields<typeof WEIGHT_FIELDS>, t: number, ctx: ThreadCtx): void {
  const groups = f.groups, cg = f.c / groups, og = f.cOut / groups, khw = f.kh * f.kw, K = cg * khw, P = f.outH * f.outW;
  const kxChunks = Math.ceil(f.kw / 5), pairs = Math.ceil(og / 2);
  const kxc = t % kxChunks, ky = Math.floor(t / kxChunks) % f.kh, ci = Math.floor(t / (kxChunks * f.kh)) % cg;
  const pair = Math.floor(t / (kxChunks * f.kh * cg)) % pairs, g = Math.floor(t / (kxChunks * f.kh * cg * pairs));
  const co = g * og + 2 * pair, kx0 = 5 * kxc;
  const wasm = ctx.wasm;
  wasm.directGeom(f.h, f.w, f.kh, f.kw, f.strideH, f.strideW, f.padH, f.padW, f.dilH, f.dilW, f.outH, f.outW);
  wasm.convDirectWeight(f.x + 4 * (g * cg + ci) * f.h * f.w, 4 * f.c * f.h * f.w, f.dy + 4 * co * P, 4 * f.cOut * P, f.n,
    Math.min(2, og - 2 * pair), ky, kx0, f.dw + 4 * (co * K + ci * khw + ky * f.kw + kx0), K);
}

const directWeightJob = defineJob({ name: "conv2d: direct weight gradient", fields: WEIGHT_FIELDS, run: weightTask });

/** The weight gradient by the direct kernel (arguments checked by checkConv2dBackwardWeight). */
export function conv2dDirectBackwardWeight(pool: ThreadPool, x: Float32Array, dy: Float32Array, p: Conv2dParams, out: Float32Array): void {
  const og = p.cOut / p.groups, cg = p.c / p.groups, P = p.outH * p.outW;
  const arena = pool.begin();
  const xPtr = arena.input(x, 0, p.n * p.c * p.h * p.w), dyPtr = arena.input(dy, 0, p.n * p.cOut * P);
  const dwPtr = arena.output(out, p.cOut * cg * p.kh * p.kw);
  const flops = 2 * p.n * p.cOut * cg * p.kh * p.kw * P;
  const threads = flops < INLINE_FLOPS ? 1 : pool.getThreads();
  const tasks = p.groups * Math.ceil(og / 2) * cg * p.kh * Math.ceil(p.kw / 5);
  pool.run(directWeightJob, { ...p, x: xPtr, dy: dyPtr, dw: dwPtr }, { tasks, threads, hidesSweep: true });
  arena.finish();
}
