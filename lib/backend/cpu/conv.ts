// Convolution kernels on the pool, as GEMMs over im2col panels built inside each task.
//   forward:        y[b,g] (og×P)   = W_g (og×K) · col[b,g] (K×P)             tasks: image × group × column chunk
//   input grad:     dcol (K×P)      = W_g^T (K×og) · dy[b,g] (og×P); col2im     tasks: image × group × channel chunk
//   weight grad:    dW_g (og×K)     = Σ_b dy[b,g] (og×P) · col[b,g]^T (P×K)     tasks: group × K chunk × image chunk
// with K = (c/groups)·kh·kw and P = outH·outW. Work is split over outputs only; the weight gradient
// sums fixed image chunks into partial buffers added up in a fixed order, so results do not depend
// on the thread count.
import type { Conv2dParams } from "../backend";
import { ARGS, JOB, K_CONV_BWD_INPUT, K_CONV_BWD_WEIGHT, K_CONV_FWD, SCRATCH, SCRATCH_BYTES } from "./control";
import { INLINE_FLOPS, KC, MR, NR } from "./matmul";
import type { Pool } from "./pool";
import type { ThreadCtx } from "./runtime";

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;
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

// Argument slots: the geometry, then pointers and the task split.
const G_N = 0, G_C = 1, G_H = 2, G_W = 3, G_COUT = 4, G_KH = 5, G_KW = 6, G_GROUPS = 7;
const G_SH = 8, G_SW = 9, G_PH = 10, G_PW = 11, G_DH = 12, G_DW = 13, G_OH = 14, G_OW = 15;
const P_X = 16, P_W = 17, P_Y = 18, P_BIAS = 19; // byte addresses (bias 0 = none)
const S_CHUNK = 20, S_NCHUNK = 21; // size and number of chunks per (image, group) or per group
const S_KC = 22; // reduction block

function writeGeometry(args: Int32Array, p: Conv2dParams): void {
  const v = [p.n, p.c, p.h, p.w, p.cOut, p.kh, p.kw, p.groups, p.strideH, p.strideW, p.padH, p.padW, p.dilH, p.dilW, p.outH, p.outW];
  for (let i = 0; i < v.length; i++) args[i] = v[i];
}

function setGeom(ctx: ThreadCtx, a: Int32Array): void {
  ctx.wasm.convGeom(a[G_H], a[G_W], a[G_KH], a[G_KW], a[G_SH], a[G_SW], a[G_PH], a[G_PW], a[G_DH], a[G_DW], a[G_OH], a[G_OW]);
}

/** Floats in one zero-padded input plane (same formula as convGeom in wasm/conv.ts). */
function paddedPlane(p: Conv2dParams): number {
  const hp = Math.max(p.h + 2 * p.padH, (p.outH - 1) * p.strideH + (p.kh - 1) * p.dilH + 1);
  const wp = Math.max(p.w + 2 * p.padW, (p.outW - 1) * p.strideW + (p.kw - 1) * p.dilW + 1);
  return hp * wp;
}

function scratchOf(ctx: ThreadCtx): number {
  return ctx.ctl[SCRATCH] + ctx.id * ctx.ctl[SCRATCH_BYTES];
}

function flops(p: Conv2dParams): number {
  return 2 * p.n * p.cOut * (p.c / p.groups) * p.kh * p.kw * p.outH * p.outW;
}

function threadsFor(pool: Pool, p: Conv2dParams): number {
  return flops(p) < INLINE_FLOPS ? 1 : pool.getThreads();
}

// ---------------------------------------------------------------- forward

export function conv2dCpu(pool: Pool, x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dParams, out: Float32Array): void {
  const P = p.outH * p.outW, og = p.cOut / p.groups, K = (p.c / p.groups) * p.kh * p.kw;
  const ySize = p.n * p.cOut * P;
  if (ySize === 0) return;
  const arena = pool.begin();
  const xPtr = arena.input(x, 0, p.n * p.c * p.h * p.w), wPtr = arena.input(w, 0, w.length);
  const bPtr = bias ? arena.input(bias, 0, p.cOut) : 0, yPtr = arena.output(out, ySize);
  const threads = threadsFor(pool, p);
  // column chunks: the whole image unless there are too few (image, group) pairs for the threads
  let chunk = roundUp(P, NR);
  while (threads > 1 && p.n * p.groups * Math.ceil(P / chunk) < 3 * threads && chunk > 8 * NR) chunk = roundUp(chunk / 2, NR);
  const args = pool.ctx.ctl.subarray(ARGS);
  writeGeometry(args, p);
  args[P_X] = xPtr; args[P_W] = wPtr; args[P_Y] = yPtr; args[P_BIAS] = bPtr;
  args[S_CHUNK] = chunk; args[S_NCHUNK] = Math.ceil(P / chunk); args[S_KC] = blockFor(K);
  const scratch = roundUp(og, MR) * K * 4 + STRIP_BYTES + TMP_BYTES + (p.c / p.groups) * paddedPlane(p) * 4;
  pool.run(K_CONV_FWD, p.n * p.groups * args[S_NCHUNK], scratch, threads);
  arena.finish();
}

export function convFwdTask(ctx: ThreadCtx, t: number): void {
  const a = ctx.ctl.subarray(ARGS);
  const groups = a[G_GROUPS], cg = a[G_C] / groups, og = a[G_COUT] / groups;
  const khw = a[G_KH] * a[G_KW], K = cg * khw, P = a[G_OH] * a[G_OW], plane = a[G_H] * a[G_W];
  const nChunk = a[S_NCHUNK], chunk = a[S_CHUNK];
  const b = Math.floor(t / (groups * nChunk)), g = Math.floor(t / nChunk) % groups;
  const p0 = (t % nChunk) * chunk, np = Math.min(chunk, P - p0);
  const ogPad = roundUp(og, MR);
  const kcMax = a[S_KC];
  const packedW = scratchOf(ctx), strip = packedW + ogPad * K * 4, tmp = strip + STRIP_BYTES, xpad = tmp + TMP_BYTES;
  const wasm = ctx.wasm;
  // pack this group's weights once per job and thread
  const key = ctx.ctl[JOB] * 65536 + g;
  if (ctx.cacheKey !== key) {
    const wg = a[P_W] + 4 * g * og * K;
    for (let k0 = 0; k0 < K; k0 += kcMax) wasm.packA(wg + 4 * k0, K, 1, og, Math.min(kcMax, K - k0), packedW + 4 * k0 * ogPad);
    ctx.cacheKey = key;
  }
  setGeom(ctx, a);
  // zero-padded copy of this image's channel group (once per image and group)
  const imageKey = ctx.ctl[JOB] * 2 ** 24 + b * groups + g;
  if (ctx.cacheKey2 !== imageKey) {
    wasm.padImage(a[P_X] + 4 * (b * a[G_C] + g * cg) * plane, cg, xpad);
    ctx.cacheKey2 = imageKey;
  }
  const yg = a[P_Y] + 4 * ((b * a[G_COUT] + g * og) * P + p0);
  for (let k0 = 0; k0 < K; k0 += kcMax) {
    const kc = Math.min(kcMax, K - k0);
    for (let j = 0; j < np; j += NR) {
      const cols = Math.min(NR, np - j);
      wasm.packIm2col(xpad, k0, kc, p0 + j, cols, strip);
      wasm.macro(og, cols, kc, packedW + 4 * k0 * ogPad, strip, yg + 4 * j, P, k0 > 0 ? 1 : 0, tmp);
    }
  }
  if (a[P_BIAS]) {
    refreshIfNeeded(ctx);
    const f = ctx.f32, bias = a[P_BIAS] >> 2;
    for (let co = 0; co < og; co++) {
      const bv = f[bias + g * og + co], row = (yg >> 2) + co * P;
      for (let j = 0; j < np; j++) f[row + j] += bv;
    }
  }
}

function refreshIfNeeded(ctx: ThreadCtx): void {
  if (ctx.f32.byteLength !== ctx.memory.buffer.byteLength) {
    ctx.f32 = new Float32Array(ctx.memory.buffer);
    ctx.i32 = new Int32Array(ctx.memory.buffer);
  }
}

// ---------------------------------------------------------------- input gradient

export function conv2dBackwardInputCpu(pool: Pool, dy: Float32Array, w: Float32Array, p: Conv2dParams, out: Float32Array): void {
  const P = p.outH * p.outW, cg = p.c / p.groups, og = p.cOut / p.groups, khw = p.kh * p.kw;
  const xSize = p.n * p.c * p.h * p.w;
  if (xSize === 0) return;
  if (P === 0 || og === 0) {
    out.fill(0, 0, xSize);
    return;
  }
  const arena = pool.begin();
  const dyPtr = arena.input(dy, 0, p.n * p.cOut * P), wPtr = arena.input(w, 0, w.length), dxPtr = arena.output(out, xSize);
  const threads = threadsFor(pool, p);
  // channel chunks: keep the column-gradient buffer under ~4 MB and give every thread work
  let chunk = Math.max(1, Math.min(cg, Math.floor((1 << 20) / (khw * P))));
  while (threads > 1 && p.n * p.groups * Math.ceil(cg / chunk) < 3 * threads && chunk > 1) chunk = Math.ceil(chunk / 2);
  const args = pool.ctx.ctl.subarray(ARGS);
  writeGeometry(args, p);
  args[P_X] = dxPtr; args[P_W] = wPtr; args[P_Y] = dyPtr;
  args[S_CHUNK] = chunk; args[S_NCHUNK] = Math.ceil(cg / chunk); args[S_KC] = blockFor(og);
  const rows = chunk * khw;
  const scratch = roundUp(rows, MR) * og * 4 + rows * P * 4 + STRIP_BYTES + TMP_BYTES;
  pool.run(K_CONV_BWD_INPUT, p.n * p.groups * args[S_NCHUNK], scratch, threads);
  arena.finish();
}

export function convBwdInputTask(ctx: ThreadCtx, t: number): void {
  const a = ctx.ctl.subarray(ARGS);
  const groups = a[G_GROUPS], cg = a[G_C] / groups, og = a[G_COUT] / groups;
  const khw = a[G_KH] * a[G_KW], K = cg * khw, P = a[G_OH] * a[G_OW], plane = a[G_H] * a[G_W];
  const nChunk = a[S_NCHUNK], chunk = a[S_CHUNK];
  const b = Math.floor(t / (groups * nChunk)), g = Math.floor(t / nChunk) % groups;
  const ci0 = (t % nChunk) * chunk, nci = Math.min(chunk, cg - ci0);
  const r0 = ci0 * khw, rows = nci * khw, rowsPad = roundUp(rows, MR);
  const packedWT = scratchOf(ctx), dcol = packedWT + roundUp(chunk * khw, MR) * og * 4;
  const strip = dcol + chunk * khw * P * 4, tmp = strip + STRIP_BYTES;
  const wasm = ctx.wasm;
  // A = rows [r0, r0+rows) of W_g^T: element (kidx, co) = W[g][co][kidx]
  const wg = a[P_W] + 4 * g * og * K;
  const kcMax = a[S_KC];
  for (let k0 = 0; k0 < og; k0 += kcMax) wasm.packA(wg + 4 * (r0 + k0 * K), 1, K, rows, Math.min(kcMax, og - k0), packedWT + 4 * k0 * rowsPad);
  // dcol = W_g^T · dy[b,g]
  const dyg = a[P_Y] + 4 * (b * a[G_COUT] + g * og) * P;
  for (let k0 = 0; k0 < og; k0 += kcMax) {
    const kc = Math.min(kcMax, og - k0);
    for (let j = 0; j < P; j += NR) {
      const cols = Math.min(NR, P - j);
      wasm.packB(dyg + 4 * (k0 * P + j), P, 1, kc, cols, strip);
      wasm.macro(rows, cols, kc, packedWT + 4 * k0 * rowsPad, strip, dcol + 4 * j, P, k0 > 0 ? 1 : 0, tmp);
    }
  }
  // dx planes of these channels = col2im(dcol)
  const dxg = a[P_X] + 4 * (b * a[G_C] + g * cg) * plane;
  refreshIfNeeded(ctx);
  ctx.f32.fill(0, (dxg >> 2) + ci0 * plane, (dxg >> 2) + (ci0 + nci) * plane);
  setGeom(ctx, a);
  wasm.col2im(dcol, r0, rows, dxg);
}

// ---------------------------------------------------------------- weight gradient

/** Images per partial sum of the weight gradient: depends on the shapes only, never on the threads. */
function imageChunk(p: Conv2dParams): number {
  return Math.max(1, Math.min(p.n, Math.ceil(4096 / (p.outH * p.outW))));
}

export function conv2dBackwardWeightCpu(pool: Pool, x: Float32Array, dy: Float32Array, p: Conv2dParams, out: Float32Array): void {
  const P = p.outH * p.outW, cg = p.c / p.groups, khw = p.kh * p.kw, K = cg * khw;
  const wSize = p.cOut * K;
  if (wSize === 0) return;
  if (P === 0 || p.n === 0) {
    out.fill(0, 0, wSize);
    return;
  }
  const arena = pool.begin();
  const bc = imageChunk(p), nbc = Math.ceil(p.n / bc);
  const xPtr = arena.input(x, 0, p.n * p.c * p.h * p.w), dyPtr = arena.input(dy, 0, p.n * p.cOut * P);
  const partPtr = arena.floats(nbc * wSize);
  const threads = threadsFor(pool, p);
  // K chunks (multiples of NR) so that every thread has work
  let chunk = roundUp(K, NR);
  while (threads > 1 && p.groups * nbc * Math.ceil(K / chunk) < 3 * threads && chunk > 4 * NR) chunk = roundUp(chunk / 2, NR);
  const args = pool.ctx.ctl.subarray(ARGS);
  writeGeometry(args, p);
  args[P_X] = xPtr; args[P_Y] = dyPtr; args[P_W] = partPtr;
  args[S_CHUNK] = chunk; args[S_NCHUNK] = Math.ceil(K / chunk);
  args[P_BIAS] = bc; // (slot reused: images per partial)
  args[S_KC] = blockFor(P);
  const og = p.cOut / p.groups;
  const scratch = roundUp(og, MR) * KC_MAX * 4 + STRIP_BYTES + TMP_BYTES + NR * 4 + cg * paddedPlane(p) * 4;
  pool.run(K_CONV_BWD_WEIGHT, p.groups * args[S_NCHUNK] * nbc, scratch, threads);
  // add the partial sums in a fixed order
  const part = new Float32Array(pool.memory.buffer, partPtr, nbc * wSize);
  if (nbc === 1) {
    out.set(part.subarray(0, wSize));
    return;
  }
  for (let i = 0; i < wSize; i++) {
    let s = 0;
    for (let j = 0; j < nbc; j++) s += part[j * wSize + i];
    out[i] = s;
  }
}

export function convBwdWeightTask(ctx: ThreadCtx, t: number): void {
  const a = ctx.ctl.subarray(ARGS);
  const groups = a[G_GROUPS], cg = a[G_C] / groups, og = a[G_COUT] / groups;
  const khw = a[G_KH] * a[G_KW], K = cg * khw, P = a[G_OH] * a[G_OW], plane = a[G_H] * a[G_W];
  const nChunk = a[S_NCHUNK], chunk = a[S_CHUNK], bc = a[P_BIAS], n = a[G_N];
  const nbc = Math.ceil(n / bc);
  const g = Math.floor(t / (nChunk * nbc)), kci = Math.floor(t / nbc) % nChunk, bci = t % nbc;
  const j0 = kci * chunk, nk = Math.min(chunk, K - j0);
  const ogPad = roundUp(og, MR);
  const kcMax = a[S_KC];
  const packedDy = scratchOf(ctx), strip = packedDy + ogPad * KC_MAX * 4, tmp = strip + STRIP_BYTES, tab = tmp + TMP_BYTES, xpad = tab + NR * 4;
  const wasm = ctx.wasm;
  setGeom(ctx, a);
  const part = a[P_W] + 4 * (bci * a[G_COUT] * K + g * og * K + j0);
  let first = true;
  for (let b = bci * bc; b < Math.min(n, (bci + 1) * bc); b++) {
    wasm.padImage(a[P_X] + 4 * (b * a[G_C] + g * cg) * plane, cg, xpad);
    const dyg = a[P_Y] + 4 * (b * a[G_COUT] + g * og) * P;
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
