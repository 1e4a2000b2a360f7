// Convolution kernels on the pool, as GEMMs over im2col panels built inside each task.
//   forward:        y[b,g] (og×P)   = W_g (og×K) · col[b,g] (K×P)             tasks: image × group × column chunk
//   input grad:     dcol (K×P)      = W_g^T (K×og) · dy[b,g] (og×P); col2im     tasks: image × group × channel chunk
//   weight grad:    dW_g (og×K)     = Σ_b dy[b,g] (og×P) · col[b,g]^T (P×K)     tasks: group × K chunk × image chunk
// with K = (c/groups)·kh·kw and P = outH·outW. Work is split over outputs only; the weight gradient
// sums fixed image chunks into partial buffers added up in a fixed order, so results do not depend
// on the thread count. The forward adds the bias in WebAssembly (addBias) on each column strip after
// its last k-block, the same rounding as adding it afterwards, and applies a fused ReLU there too.
// Stride-1 3×3 ungrouped convolutions with enough channels take Winograd F(4×4, 3×3) instead
// (kernels/winograd.ts: forward and input gradient; the weight gradient only with
// GRADWORK_WINOGRAD_WEIGHT=1); GRADWORK_WINOGRAD=0 keeps every convolution on the paths below.
import type { Conv2dParams } from "../../backend";
import { defineJob, type JobFields } from "../threads/job";
import { jobSerial, oncePerJob, refreshViews, scratchOf, type ThreadCtx } from "../threads/context";
import type { ThreadPool } from "../threads/thread-pool";
import { INLINE_FLOPS, KC, MR, NR } from "./matmul";
import { checkLength, roundUp } from "./util";
import { conv2dDirect, conv2dDirectBackwardWeight, directConvApplies, directWeightApplies } from "./conv-direct";
import { useWinograd, useWinogradWeight, winogradBackwardInput, winogradBackwardWeight, winogradForward } from "./winograd";

declare module "../wasm-loader" {
  interface WasmExports {
    /** Set the geometry (one image, one channel group) the functions below use, per thread. */
    convGeom(h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, oh: number, ow: number): void;
    /** Copy `channels` planes of x into zero-padded planes at dst (see paddedPlane). */
    padImage(x: number, channels: number, dst: number): void;
    /** im2col rows [k0, k0+kc) × columns [p0, p0+np) straight into a packed B strip. */
    packIm2col(x: number, k0: number, kc: number, p0: number, np: number, dst: number): void;
    /** The transposed im2col block (columns k0.. of rows p0..) as a packed B strip. */
    packIm2colT(x: number, k0: number, nk: number, p0: number, kc: number, dst: number, tab: number): void;
    /** Add column-gradient rows [k0, k0+rows) into the planes of dx. */
    col2im(dcol: number, k0: number, rows: number, dx: number): void;
    /** out[i] = Σ_j part[j·stride + i] (j < n, i0 ≤ i < i1), in float64 in order of j, rounded once. */
    sumPartials(part: number, n: number, stride: number, i0: number, i1: number, out: number): void;
  }
}
const TMP_BYTES = MR * NR * 4;
/** Largest reduction block of the convolutions (see blockFor). */
const KC_MAX = 512;
const STRIP_BYTES = KC_MAX * NR * 4;

/**
 * Reduction block for a reduction of length r: the whole of it up to KC_MAX (fewer passes over C),
 * else equal blocks of about KC. Depends on the shapes only, so the summation order is fixed.
 */
function blockFor(r: number): number {
  return r <= KC_MAX ? Math.max(1, r) : Math.ceil(r / Math.ceil(r / KC));
}

/** The geometry, as job fields (named as in Conv2dParams). */
const GEOMETRY = {
  n: "int", c: "int", h: "int", w: "int", cOut: "int", kh: "int", kw: "int", groups: "int",
  strideH: "int", strideW: "int", padH: "int", padW: "int", dilH: "int", dilW: "int", outH: "int", outW: "int",
} as const;
/** How the work is split: `chunk` outputs per task along the split axis, `chunks` of them, and the reduction block. */
const SPLIT = { chunk: "int", chunks: "int", kc: "int" } as const;

function setGeom(ctx: ThreadCtx, p: Conv2dParams): void {
  ctx.wasm.convGeom(p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW, p.dilH, p.dilW, p.outH, p.outW);
}

/** Floats in one zero-padded input plane (same formula as convGeom in wasm/conv.ts). */
function paddedPlane(p: Conv2dParams): number {
  const hp = Math.max(p.h + 2 * p.padH, (p.outH - 1) * p.strideH + (p.kh - 1) * p.dilH + 1);
  const wp = Math.max(p.w + 2 * p.padW, (p.outW - 1) * p.strideW + (p.kw - 1) * p.dilW + 1);
  return hp * wp;
}

function flops(p: Conv2dParams): number {
  return 2 * p.n * p.cOut * (p.c / p.groups) * p.kh * p.kw * p.outH * p.outW;
}

function threadsFor(pool: ThreadPool, p: Conv2dParams): number {
  return flops(p) < INLINE_FLOPS ? 1 : pool.getThreads();
}

// ---------------------------------------------------------------- argument checks

function checkGroups(kernel: string, p: Conv2dParams): void {
  if (p.groups < 1 || p.c % p.groups !== 0 || p.cOut % p.groups !== 0) {
    throw new RangeError(`${kernel}: channels (in ${p.c}, out ${p.cOut}) must both be divisible by groups (${p.groups})`);
  }
}

const inputCount = (p: Conv2dParams) => p.n * p.c * p.h * p.w;
const outputCount = (p: Conv2dParams) => p.n * p.cOut * p.outH * p.outW;
const weightCount = (p: Conv2dParams) => p.cOut * (p.c / p.groups) * p.kh * p.kw;

/** Throw a RangeError when the groups do not divide the channels or an array is too short. */
export function checkConv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dParams, out: Float32Array): void {
  checkGroups("conv2d", p);
  checkLength("conv2d", "x", x, inputCount(p));
  checkLength("conv2d", "weight", w, weightCount(p));
  checkLength("conv2d", "out", out, outputCount(p));
  if (bias) checkLength("conv2d", "bias", bias, p.cOut);
}

export function checkConv2dBackwardInput(dy: Float32Array, w: Float32Array, p: Conv2dParams, out: Float32Array): void {
  checkGroups("conv2dBackwardInput", p);
  checkLength("conv2dBackwardInput", "dy", dy, outputCount(p));
  checkLength("conv2dBackwardInput", "weight", w, weightCount(p));
  checkLength("conv2dBackwardInput", "out", out, inputCount(p));
}

export function checkConv2dBackwardWeight(x: Float32Array, dy: Float32Array, p: Conv2dParams, out: Float32Array): void {
  checkGroups("conv2dBackwardWeight", p);
  checkLength("conv2dBackwardWeight", "x", x, inputCount(p));
  checkLength("conv2dBackwardWeight", "dy", dy, outputCount(p));
  checkLength("conv2dBackwardWeight", "out", out, weightCount(p));
}

/**
 * What task t of a job split by (image, group, chunk) works on: the geometry, image b, group g, and
 * the first index of its chunk along the split axis.
 */
function imageTask(f: Conv2dParams & { chunk: number; chunks: number }, t: number) {
  const groups = f.groups, cg = f.c / groups, og = f.cOut / groups, khw = f.kh * f.kw;
  const b = Math.floor(t / (groups * f.chunks)), g = Math.floor(t / f.chunks) % groups;
  return { groups, cg, og, khw, K: cg * khw, P: f.outH * f.outW, plane: f.h * f.w, b, g, start: (t % f.chunks) * f.chunk, chunk: f.chunk };
}

// ---------------------------------------------------------------- forward

/**
 * The forward convolution (plus bias, then ReLU when `relu`) on the pool. Stride-1 3×3 convolutions with enough channels
 * go to Winograd F(4×4, 3×3) (kernels/winograd.ts; GRADWORK_WINOGRAD=0 turns it off), the rest to
 * the direct im2col path below.
 *
 * @example
 * conv2dCpu(pool, x, w, bias, { n: 1, c: 3, h: 8, w: 8, cOut: 4, kh: 3, kw: 3, groups: 1, strideH: 1, strideW: 1,
 *   padH: 1, padW: 1, dilH: 1, dilW: 1, outH: 8, outW: 8 }, out);
 */
export function conv2dCpu(pool: ThreadPool, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dParams, out: Float32Array, relu = false): void {
  if (directConvApplies(p)) return conv2dDirect(pool, x, w, bias, p, out, relu); // few output channels: kernels/conv-direct.ts
  const P = p.outH * p.outW, og = p.cOut / p.groups, K = (p.c / p.groups) * p.kh * p.kw;
  const ySize = p.n * p.cOut * P;
  if (ySize === 0) return;
  if (K > 0 && useWinograd(p, false)) return winogradForward(pool, x, w, bias, p, out, relu);
  const arena = pool.begin();
  const xPtr = arena.input(x, 0, p.n * p.c * p.h * p.w), wPtr = arena.input(w, 0, w.length);
  const bPtr = bias ? arena.input(bias, 0, p.cOut) : 0, yPtr = arena.output(out, ySize);
  const threads = threadsFor(pool, p);
  // column chunks: the whole image unless there are too few (image, group) pairs for the threads
  let chunk = roundUp(P, NR);
  while (threads > 1 && p.n * p.groups * Math.ceil(P / chunk) < 3 * threads && chunk > 8 * NR) chunk = roundUp(chunk / 2, NR);
  const chunks = Math.ceil(P / chunk);
  const scratch = roundUp(og, MR) * K * 4 + STRIP_BYTES + TMP_BYTES + (p.c / p.groups) * paddedPlane(p) * 4;
  const fields = { ...p, x: xPtr, weight: wPtr, y: yPtr, bias: bPtr, relu, chunk, chunks, kc: blockFor(K) };
  pool.run(convForward, fields, { tasks: p.n * p.groups * chunks, scratchBytes: scratch, threads, hidesSweep: true });
  arena.finish();
}

/** Task: columns [p0, p0+chunk) of one image and group. */
function forwardTask(f: JobFields<typeof FORWARD_FIELDS>, t: number, ctx: ThreadCtx): void {
  const { groups, cg, og, K, P, plane, b, g, start: p0, chunk } = imageTask(f, t);
  const np = Math.min(chunk, P - p0);
  const ogPad = roundUp(og, MR);
  const kcMax = f.kc;
  const packedW = scratchOf(ctx), strip = packedW + ogPad * K * 4, tmp = strip + STRIP_BYTES, xpad = tmp + TMP_BYTES;
  const wasm = ctx.wasm;
  // pack this group's weights once per job and thread
  const key = jobSerial(ctx) * 65536 + g;
  if (ctx.cacheKey !== key) {
    const wg = f.weight + 4 * g * og * K;
    for (let k0 = 0; k0 < K; k0 += kcMax) wasm.packA(wg + 4 * k0, K, 1, og, Math.min(kcMax, K - k0), packedW + 4 * k0 * ogPad);
    ctx.cacheKey = key;
  }
  setGeom(ctx, f);
  // zero-padded copy of this image's channel group (once per image and group)
  oncePerJob(ctx, b * groups + g, () => wasm.padImage(f.x + 4 * (b * f.c + g * cg) * plane, cg, xpad));
  const yg = f.y + 4 * ((b * f.cOut + g * og) * P + p0);
  for (let k0 = 0; k0 < K; k0 += kcMax) {
    const kc = Math.min(kcMax, K - k0);
    for (let j = 0; j < np; j += NR) {
      const cols = Math.min(NR, np - j);
      wasm.packIm2col(xpad, k0, kc, p0 + j, cols, strip);
      wasm.macro(og, cols, kc, packedW + 4 * k0 * ogPad, strip, yg + 4 * j, P, k0 > 0 ? 1 : 0, tmp);
      // the bias, on these columns while they are in cache (same rounding as adding it afterwards)
      if (f.bias && k0 + kc >= K) wasm.addBias(yg + 4 * j, og, cols, P, f.bias + 4 * g * og);
      if (f.relu && k0 + kc >= K) wasm.reluRows(yg + 4 * j, og, cols, P);
    }
  }
}

const FORWARD_FIELDS = { ...GEOMETRY, ...SPLIT, x: "int", weight: "int", y: "int", bias: "int", relu: "bool" } as const;
const convForward = defineJob({ name: "conv2d: forward", fields: FORWARD_FIELDS, run: forwardTask });

// ---------------------------------------------------------------- input gradient

/**
 * The input gradient on the pool: Winograd for the convolutions conv2dCpu sends there (with padding
 * at most 2), else col2im of Wᵀ·dy.
 *
 * @example
 * conv2dBackwardInputCpu(pool, dy, w, p, dx); // p as for conv2dCpu
 */
export function conv2dBackwardInputCpu(pool: ThreadPool, dy: Float32Array, w: Float32Array, p: Conv2dParams, out: Float32Array): void {
  const P = p.outH * p.outW, cg = p.c / p.groups, og = p.cOut / p.groups, khw = p.kh * p.kw;
  const xSize = p.n * p.c * p.h * p.w;
  if (xSize === 0) return;
  if (P === 0 || og === 0) {
    out.fill(0, 0, xSize);
    return;
  }
  if (useWinograd(p, true)) return winogradBackwardInput(pool, dy, w, p, out);
  const arena = pool.begin();
  const dyPtr = arena.input(dy, 0, p.n * p.cOut * P), wPtr = arena.input(w, 0, w.length), dxPtr = arena.output(out, xSize);
  const threads = threadsFor(pool, p);
  // channel chunks: keep the column-gradient buffer under ~4 MB and give every thread work
  let chunk = Math.max(1, Math.min(cg, Math.floor((1 << 20) / (khw * P))));
  while (threads > 1 && p.n * p.groups * Math.ceil(cg / chunk) < 3 * threads && chunk > 1) chunk = Math.ceil(chunk / 2);
  const chunks = Math.ceil(cg / chunk);
  const rows = chunk * khw;
  const scratch = roundUp(rows, MR) * og * 4 + rows * P * 4 + STRIP_BYTES + TMP_BYTES;
  const fields = { ...p, dy: dyPtr, weight: wPtr, dx: dxPtr, chunk, chunks, kc: blockFor(og) };
  pool.run(convBackwardInput, fields, { tasks: p.n * p.groups * chunks, scratchBytes: scratch, threads, hidesSweep: true });
  arena.finish();
}

/** Task: input channels [ci0, ci0+chunk) of one image and group. */
function backwardInputTask(f: JobFields<typeof BACKWARD_INPUT_FIELDS>, t: number, ctx: ThreadCtx): void {
  const { cg, og, khw, K, P, plane, b, g, start: ci0, chunk } = imageTask(f, t);
  const nci = Math.min(chunk, cg - ci0);
  const r0 = ci0 * khw, rows = nci * khw, rowsPad = roundUp(rows, MR);
  const packedWT = scratchOf(ctx), dcol = packedWT + roundUp(chunk * khw, MR) * og * 4;
  const strip = dcol + chunk * khw * P * 4, tmp = strip + STRIP_BYTES;
  const wasm = ctx.wasm;
  // A = rows [r0, r0+rows) of W_g^T: element (kidx, co) = W[g][co][kidx]
  const wg = f.weight + 4 * g * og * K;
  const kcMax = f.kc;
  for (let k0 = 0; k0 < og; k0 += kcMax) wasm.packA(wg + 4 * (r0 + k0 * K), 1, K, rows, Math.min(kcMax, og - k0), packedWT + 4 * k0 * rowsPad);
  // dcol = W_g^T · dy[b,g]
  const dyg = f.dy + 4 * (b * f.cOut + g * og) * P;
  for (let k0 = 0; k0 < og; k0 += kcMax) {
    const kc = Math.min(kcMax, og - k0);
    for (let j = 0; j < P; j += NR) {
      const cols = Math.min(NR, P - j);
      wasm.packB(dyg + 4 * (k0 * P + j), P, 1, kc, cols, strip);
      wasm.macro(rows, cols, kc, packedWT + 4 * k0 * rowsPad, strip, dcol + 4 * j, P, k0 > 0 ? 1 : 0, tmp);
    }
  }
  // dx planes of these channels = col2im(dcol)
  const dxg = f.dx + 4 * (b * f.c + g * cg) * plane;
  refreshViews(ctx);
  ctx.f32.fill(0, (dxg >> 2) + ci0 * plane, (dxg >> 2) + (ci0 + nci) * plane);
  setGeom(ctx, f);
  wasm.col2im(dcol, r0, rows, dxg);
}

const BACKWARD_INPUT_FIELDS = { ...GEOMETRY, ...SPLIT, dy: "int", weight: "int", dx: "int" } as const;
const convBackwardInput = defineJob({ name: "conv2d: input gradient", fields: BACKWARD_INPUT_FIELDS, run: backwardInputTask });

// ---------------------------------------------------------------- weight gradient

/** Output positions per partial sum of the weight gradient (see imageChunk). */
const PARTIAL_POSITIONS = 1024;
/** Most bytes of partial sums per call (the number of images per partial grows to stay under it). */
const PARTIALS_MAX_BYTES = 32 * 2 ** 20;

/**
 * Images per partial sum of the weight gradient: depends on the shapes only, never on the threads,
 * so neither do the result's bits. About PARTIAL_POSITIONS output positions each: tasks small enough
 * that the threads finish together (with 4,096, a VGG step at batch 64 left a thread idle ~0.4 ms
 * per weight gradient waiting for the other's last task; 1,024 measured 5–7 % faster at 2 threads,
 * the same at 1), few enough that adding the partials (`wSize` floats each) stays cheap.
 */
function imageChunk(p: Conv2dParams, wSize: number): number {
  const byPositions = Math.ceil(PARTIAL_POSITIONS / (p.outH * p.outW));
  const byMemory = Math.ceil((p.n * wSize * 4) / PARTIALS_MAX_BYTES);
  return Math.max(1, Math.min(p.n, Math.max(byPositions, byMemory)));
}

export function conv2dBackwardWeightCpu(pool: ThreadPool, x: Float32Array, dy: Float32Array, p: Conv2dParams, out: Float32Array): void {
  if (directWeightApplies(p)) return conv2dDirectBackwardWeight(pool, x, dy, p, out); // few output channels: kernels/conv-direct.ts
  const P = p.outH * p.outW, cg = p.c / p.groups, khw = p.kh * p.kw, K = cg * khw;
  const wSize = p.cOut * K;
  if (wSize === 0) return;
  if (P === 0 || p.n === 0) {
    out.fill(0, 0, wSize);
    return;
  }
  if (useWinogradWeight(p)) return winogradBackwardWeight(pool, x, dy, p, out);
  const arena = pool.begin();
  const bc = imageChunk(p, wSize), nbc = Math.ceil(p.n / bc);
  const xPtr = arena.input(x, 0, p.n * p.c * p.h * p.w), dyPtr = arena.input(dy, 0, p.n * p.cOut * P);
  const partPtr = arena.floats(nbc * wSize);
  const threads = threadsFor(pool, p);
  // K chunks (multiples of NR) so that every thread has work
  let chunk = roundUp(K, NR);
  while (threads > 1 && p.groups * nbc * Math.ceil(K / chunk) < 3 * threads && chunk > 4 * NR) chunk = roundUp(chunk / 2, NR);
  const chunks = Math.ceil(K / chunk);
  const og = p.cOut / p.groups;
  const scratch = roundUp(og, MR) * KC_MAX * 4 + STRIP_BYTES + TMP_BYTES + NR * 4 + cg * paddedPlane(p) * 4;
  const outPtr = arena.output(out, wSize);
  const fields = { ...p, x: xPtr, dy: dyPtr, partials: partPtr, imagesPerPartial: bc, chunk, chunks, kc: blockFor(P) };
  pool.run(convBackwardWeight, fields, { tasks: p.groups * chunks * nbc, scratchBytes: scratch, threads, hidesSweep: true });
  // add the partial sums in a fixed order (in float64, rounded once), split over the threads
  const perTask = SUM_RANGE;
  const sumTasks = Math.ceil(wSize / perTask);
  if (sumTasks === 1 || threads === 1) pool.ctx.wasm.sumPartials(partPtr, nbc, wSize, 0, wSize, outPtr);
  else pool.run(sumPartialsJob, { partials: partPtr, n: nbc, size: wSize, perTask, out: outPtr }, { tasks: sumTasks, threads });
  arena.finish();
}

/** Weight-gradient elements per task of the partial sums' addition (a multiple of 4). */
const SUM_RANGE = 4096;

const sumPartialsJob = defineJob({
  name: "conv2d: weight gradient sums",
  fields: { partials: "int", n: "int", size: "int", perTask: "int", out: "int" },
  run(f, t, ctx) {
    const i0 = t * f.perTask;
    ctx.wasm.sumPartials(f.partials, f.n, f.size, i0, Math.min(f.size, i0 + f.perTask), f.out);
  },
});

/** Task: weight-gradient columns [j0, j0+chunk) of one group, summed over one chunk of images. */
function backwardWeightTask(f: JobFields<typeof BACKWARD_WEIGHT_FIELDS>, t: number, ctx: ThreadCtx): void {
  const groups = f.groups, cg = f.c / groups, og = f.cOut / groups;
  const khw = f.kh * f.kw, K = cg * khw, P = f.outH * f.outW, plane = f.h * f.w;
  const nChunk = f.chunks, chunk = f.chunk, bc = f.imagesPerPartial, n = f.n;
  const nbc = Math.ceil(n / bc);
  const g = Math.floor(t / (nChunk * nbc)), kci = Math.floor(t / nbc) % nChunk, bci = t % nbc;
  const j0 = kci * chunk, nk = Math.min(chunk, K - j0);
  const ogPad = roundUp(og, MR);
  const kcMax = f.kc;
  const packedDy = scratchOf(ctx), strip = packedDy + ogPad * KC_MAX * 4, tmp = strip + STRIP_BYTES, tab = tmp + TMP_BYTES, xpad = tab + NR * 4;
  const wasm = ctx.wasm;
  setGeom(ctx, f);
  const part = f.partials + 4 * (bci * f.cOut * K + g * og * K + j0);
  let first = true;
  for (let b = bci * bc; b < Math.min(n, (bci + 1) * bc); b++) {
    wasm.padImage(f.x + 4 * (b * f.c + g * cg) * plane, cg, xpad);
    const dyg = f.dy + 4 * (b * f.cOut + g * og) * P;
    for (let p0 = 0; p0 < P; p0 += kcMax) {
      const kc = Math.min(kcMax, P - p0);
      wasm.packA(dyg + 4 * p0, P, 1, og, kc, packedDy);
      for (let j = 0; j < nk; j += NR) {
        const cols = Math.min(NR, nk - j);
        wasm.packIm2colT(xpad, j0 + j, cols, p0, kc, strip, tab);
        wasm.macro(og, cols, kc, packedDy, strip, part + 4 * j, K, first ? 0 : 1, tmp);
      }
      first = false;
    }
  }
}

const BACKWARD_WEIGHT_FIELDS = { ...GEOMETRY, ...SPLIT, x: "int", dy: "int", partials: "int", imagesPerPartial: "int" } as const;
const convBackwardWeight = defineJob({ name: "conv2d: weight gradient", fields: BACKWARD_WEIGHT_FIELDS, run: backwardWeightTask });
