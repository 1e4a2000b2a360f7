// @ts-nocheck -- AssemblyScript (compiled to WebAssembly by ./build.mjs), not part of the TypeScript build.
//
// Direct convolution for few output channels (see kernels/conv-direct.ts): each output element is
// the sum over k = (ci, ky, kx) in order of w[co][k] · xpad[ci][oy*SH + ky*DH][ox*SW + kx*DW],
// accumulated from zero with the same multiply-add as the GEMM micro-kernel (gemm.ts), so every
// output equals the im2col + GEMM path's bit for bit (one K block, bias added afterwards).
// Vectors run along the output row: 8 columns (two v128) × up to 4 output channels per step.
// The input is a zero-padded copy (directPad) so that no load needs a bounds check.

let H = 0, W = 0, KH = 0, KW = 0, SH = 1, SW = 1, PH = 0, PW = 0, DH = 1, DW = 1, OH = 0, OW = 0;
let HP = 0, WP = 0;

/** Multiply-add c + a*b: fused with relaxed SIMD, mul then add otherwise (as in gemm.ts). */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Set the geometry (one image, one channel group); same padded plane as convGeom in conv.ts. */
export function directGeom(h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32): void {
  H = h; W = w; KH = kh; KW = kw; SH = sh; SW = sw; PH = ph; PW = pw; DH = dh; DW = dw; OH = oh; OW = ow;
  HP = max(H + 2 * PH, (OH - 1) * SH + (KH - 1) * DH + 1);
  WP = max(W + 2 * PW, (OW - 1) * SW + (KW - 1) * DW + 1);
}

/** Floats past the last padded plane that a partial column block may read (zeroed by directPad). */
export const DIRECT_SLACK: i32 = 64;

/** Copy `channels` planes of x into zero-padded HP×WP planes at dst, plus DIRECT_SLACK zeros. */
export function directPad(x: usize, channels: i32, dst: usize): void {
  memory.fill(dst, 0, <usize>(channels * HP * WP + DIRECT_SLACK * SW) << 2);
  for (let ci = 0; ci < channels; ci++) {
    for (let iy = 0; iy < H; iy++) {
      memory.copy(dst + (<usize>((ci * HP + iy + PH) * WP + PW) << 2), x + (<usize>((ci * H + iy) * W) << 2), <usize>W << 2);
    }
  }
}

/** 4 floats at src, SW apart (SW floats = `step` bytes). */
@inline function gather(src: usize, step: usize): v128 {
  let v = f32x4.splat(load<f32>(src));
  v = f32x4.replace_lane(v, 1, load<f32>(src + step));
  v = f32x4.replace_lane(v, 2, load<f32>(src + 2 * step));
  return f32x4.replace_lane(v, 3, load<f32>(src + 3 * step));
}

/** Store `cols` (1..8) lanes of lo|hi at dst, plus bias b when hasBias. */
@inline function storeCols(dst: usize, lo: v128, hi: v128, hasBias: bool, b: v128, cols: i32, tmp: usize): void {
  if (hasBias) {
    lo = f32x4.add(lo, b);
    hi = f32x4.add(hi, b);
  }
  if (cols == 8) {
    v128.store(dst, lo);
    v128.store(dst, hi, 16);
  } else {
    v128.store(tmp, lo);
    v128.store(tmp, hi, 16);
    memory.copy(dst, tmp, <usize>cols << 2);
  }
}

/**
 * One tile: N (1..4) output channels × V (1..3) vectors of 4 output columns starting at rowBase
 * (the window origin of the first column), stored (cols of them) at out with plane stride pb.
 */
@inline function tile(N: i32, V: i32, rowBase: usize, w: usize, kb: usize, cg: i32, out: usize, pb: usize,
  hasBias: bool, b0: v128, b1: v128, b2: v128, b3: v128, cols: i32, tmp: usize): void {
  const step = <usize>SW << 2;
  let a0 = f32x4.splat(0), e0 = a0, f0 = a0, a1 = a0, e1 = a0, f1 = a0, a2 = a0, e2 = a0, f2 = a0, a3 = a0, e3 = a0;
  let wk = w;
  for (let ci = 0; ci < cg; ci++) {
    for (let ky = 0; ky < KH; ky++) {
      let src = rowBase + (<usize>((ci * HP + ky * DH) * WP) << 2);
      for (let kx = 0; kx < KW; kx++) {
        let x0: v128, x1 = a0, x2 = a0;
        if (SW == 1) {
          x0 = v128.load(src);
          if (V > 1) x1 = v128.load(src, 16);
          if (V > 2) x2 = v128.load(src, 32);
        } else {
          x0 = gather(src, step);
          if (V > 1) x1 = gather(src + 4 * step, step);
          if (V > 2) x2 = gather(src + 8 * step, step);
        }
        let wv = v128.load32_splat(wk);
        a0 = madd(wv, x0, a0); if (V > 1) e0 = madd(wv, x1, e0); if (V > 2) f0 = madd(wv, x2, f0);
        if (N > 1) { wv = v128.load32_splat(wk + kb); a1 = madd(wv, x0, a1); if (V > 1) e1 = madd(wv, x1, e1); if (V > 2) f1 = madd(wv, x2, f1); }
        if (N > 2) { wv = v128.load32_splat(wk + 2 * kb); a2 = madd(wv, x0, a2); if (V > 1) e2 = madd(wv, x1, e2); if (V > 2) f2 = madd(wv, x2, f2); }
        if (N > 3) { wv = v128.load32_splat(wk + 3 * kb); a3 = madd(wv, x0, a3); if (V > 1) e3 = madd(wv, x1, e3); }
        wk += 4;
        src += <usize>DW << 2;
      }
    }
  }
  const c8 = min(cols, 8);
  storeCols(out, a0, e0, hasBias, b0, c8, tmp);
  if (N > 1) storeCols(out + pb, a1, e1, hasBias, b1, c8, tmp);
  if (N > 2) storeCols(out + 2 * pb, a2, e2, hasBias, b2, c8, tmp);
  if (N > 3) storeCols(out + 3 * pb, a3, e3, hasBias, b3, c8, tmp);
  if (V > 2) {
    // the third vector (N ≤ 3 only): columns 8.. of the tile
    storeCols(out + 32, f0, a0, hasBias, b0, cols - 8, tmp);
    if (N > 1) storeCols(out + pb + 32, f1, a0, hasBias, b1, cols - 8, tmp);
    if (N > 2) storeCols(out + 2 * pb + 32, f2, a0, hasBias, b2, cols - 8, tmp);
  }
}

/**
 * N (1..4) output channels: weights at w (row stride K floats), outputs at y (plane stride P
 * floats), biases at bias (0: none). xp: the padded channel group. Tiles of 8 columns, and one
 * of 4 for a row end of at most 4 columns.
 */
@inline function block(N: i32, xp: usize, w: usize, K: i32, bias: usize, y: usize, P: i32, tmp: usize): void {
  const kb = <usize>K << 2, pb = <usize>P << 2;
  const colStep = <usize>(8 * SW) << 2;
  const cg = K / (KH * KW);
  let b0 = f32x4.splat(0), b1 = b0, b2 = b0, b3 = b0;
  const hasBias = bias != 0;
  if (hasBias) {
    b0 = v128.load32_splat(bias);
    if (N > 1) b1 = v128.load32_splat(bias, 4);
    if (N > 2) b2 = v128.load32_splat(bias, 8);
    if (N > 3) b3 = v128.load32_splat(bias, 12);
  }
  for (let oy = 0; oy < OH; oy++) {
    let rowBase = xp + (<usize>(oy * SH * WP) << 2);
    let out = y + (<usize>(oy * OW) << 2);
    let ox = 0;
    if (N < 4) {
      // 12-column tiles while more than 8 columns are left (registers: 3N accumulators)
      for (; ox + 8 < OW; ox += 12) {
        tile(N, 3, rowBase, w, kb, cg, out, pb, hasBias, b0, b1, b2, b3, min(12, OW - ox), tmp);
        out += 48;
        rowBase += colStep + (colStep >> 1);
      }
    }
    for (; ox + 4 < OW; ox += 8) {
      tile(N, 2, rowBase, w, kb, cg, out, pb, hasBias, b0, b1, b2, b3, min(8, OW - ox), tmp);
      out += 32;
      rowBase += colStep;
    }
    if (ox < OW) tile(N, 1, rowBase, w, kb, cg, out, pb, hasBias, b0, b1, b2, b3, OW - ox, tmp);
  }
}

/**
 * Output channels [0, nco) of one image and group: weights w (nco rows of K floats), biases at
 * bias (0: none), outputs y (planes of OH*OW floats), input xp padded by directPad. tmp: 32 bytes.
 */
export function convDirect(xp: usize, w: usize, K: i32, bias: usize, nco: i32, y: usize, tmp: usize): void {
  const P = OH * OW;
  let co = 0;
  for (; co + 4 <= nco; co += 4) block(4, xp, w + (<usize>(co * K) << 2), K, bias ? bias + (<usize>co << 2) : 0, y + (<usize>(co * P) << 2), P, tmp);
  const left = nco - co;
  const wc = w + (<usize>(co * K) << 2), bc = bias ? bias + (<usize>co << 2) : 0, yc = y + (<usize>(co * P) << 2);
  if (left == 3) block(3, xp, wc, K, bc, yc, P, tmp);
  else if (left == 2) block(2, xp, wc, K, bc, yc, P, tmp);
  else if (left == 1) block(1, xp, wc, K, bc, yc, P, tmp);
}

// ---------------------------------------------------------------- weight gradient
//
// dW[co][ci][ky][kx] = Σ_b Σ_(oy,ox) dy[b][co][oy][ox] · x[b][ci][oy*SH + ky*DH][ox + kx*DW] for
// an unpadded, column-stride-1 convolution: the sum runs along output rows in 4 lanes (whole
// vectors of the row, images and rows in order), the row tails in a scalar, then the lanes are
// added (l0 + l1) + (l2 + l3) and the scalar last. A fixed order, whatever the threads.

/** Lane sum in a fixed order, plus the scalar tail sum. */
@inline function total(v: v128, s: f32): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3)) + s;
}

/**
 * N (1 or 2) output channels × 5 kernel columns kx0.. (clamped to KW − 1; only the first min(5,
 * KW − kx0) are stored) for one input channel and kernel row ky. x: channel ci of image 0 (image
 * stride xs bytes); dy: channel co of image 0 (image stride dys bytes, channel stride OH*OW
 * floats); out: dW[co][ci][ky][kx0] (row stride ldo floats between output channels).
 */
@inline function wblock(N: i32, x: usize, xs: usize, dy: usize, dys: usize, n: i32, ky: i32, kx0: i32, out: usize, ldo: i32): void {
  const zero = f32x4.splat(0), pb = <usize>(OH * OW) << 2;
  const q0 = <usize>(min(kx0, KW - 1) * DW) << 2, q1 = <usize>(min(kx0 + 1, KW - 1) * DW) << 2;
  const q2 = <usize>(min(kx0 + 2, KW - 1) * DW) << 2, q3 = <usize>(min(kx0 + 3, KW - 1) * DW) << 2;
  const q4 = <usize>(min(kx0 + 4, KW - 1) * DW) << 2;
  let a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, b0 = zero, b1 = zero, b2 = zero, b3 = zero, b4 = zero;
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0, t4: f32 = 0;
  const rowStep = <usize>(SH * W) << 2;
  const vecEnd = OW & ~3;
  for (let b = 0; b < n; b++) {
    let xr = x + <usize>b * xs + (<usize>(ky * DH * W) << 2);
    let dr = dy + <usize>b * dys;
    for (let oy = 0; oy < OH; oy++) {
      let ox = 0;
      for (; ox < vecEnd; ox += 4) {
        const o = <usize>ox << 2;
        const d0 = v128.load(dr + o);
        let d1 = zero;
        if (N > 1) d1 = v128.load(dr + pb + o);
        const xo = xr + o;
        let v = v128.load(xo + q0);
        a0 = madd(d0, v, a0); if (N > 1) b0 = madd(d1, v, b0);
        v = v128.load(xo + q1);
        a1 = madd(d0, v, a1); if (N > 1) b1 = madd(d1, v, b1);
        v = v128.load(xo + q2);
        a2 = madd(d0, v, a2); if (N > 1) b2 = madd(d1, v, b2);
        v = v128.load(xo + q3);
        a3 = madd(d0, v, a3); if (N > 1) b3 = madd(d1, v, b3);
        v = v128.load(xo + q4);
        a4 = madd(d0, v, a4); if (N > 1) b4 = madd(d1, v, b4);
      }
      for (; ox < OW; ox++) {
        const o = <usize>ox << 2;
        const d0 = load<f32>(dr + o), xo = xr + o;
        s0 += d0 * load<f32>(xo + q0); s1 += d0 * load<f32>(xo + q1); s2 += d0 * load<f32>(xo + q2);
        s3 += d0 * load<f32>(xo + q3); s4 += d0 * load<f32>(xo + q4);
        if (N > 1) {
          const d1 = load<f32>(dr + pb + o);
          t0 += d1 * load<f32>(xo + q0); t1 += d1 * load<f32>(xo + q1); t2 += d1 * load<f32>(xo + q2);
          t3 += d1 * load<f32>(xo + q3); t4 += d1 * load<f32>(xo + q4);
        }
      }
      xr += rowStep;
      dr += <usize>OW << 2;
    }
  }
  const cols = min(5, KW - kx0), ob = <usize>ldo << 2;
  store<f32>(out, total(a0, s0));
  if (cols > 1) store<f32>(out, total(a1, s1), 4);
  if (cols > 2) store<f32>(out, total(a2, s2), 8);
  if (cols > 3) store<f32>(out, total(a3, s3), 12);
  if (cols > 4) store<f32>(out, total(a4, s4), 16);
  if (N > 1) {
    store<f32>(out + ob, total(b0, t0));
    if (cols > 1) store<f32>(out + ob, total(b1, t1), 4);
    if (cols > 2) store<f32>(out + ob, total(b2, t2), 8);
    if (cols > 3) store<f32>(out + ob, total(b3, t3), 12);
    if (cols > 4) store<f32>(out + ob, total(b4, t4), 16);
  }
}

/** The weight gradient of nco (1 or 2) output channels × kernel columns kx0..kx0+4 (see wblock). */
export function convDirectWeight(x: usize, xs: i32, dy: usize, dys: i32, n: i32, nco: i32, ky: i32, kx0: i32, out: usize, ldo: i32): void {
  if (nco == 2) wblock(2, x, <usize>xs, dy, <usize>dys, n, ky, kx0, out, ldo);
  else wblock(1, x, <usize>xs, dy, <usize>dys, n, ky, kx0, out, ldo);
}
