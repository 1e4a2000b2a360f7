// @ts-nocheck -- AssemblyScript (compiled to WebAssembly by ./build.mjs), not part of the TypeScript build.
//
// Convolution helpers: a zero-padded copy of the input, im2col written straight into packed GEMM
// panels (no bounds checks thanks to the padding), and col2im.
// The geometry lives in globals set by convGeom(); every thread has its own instance, so each
// thread's globals are private.

import { NR } from "./gemm";
import { storeTransposed8 } from "./simd";

let H = 0, W = 0, KH = 0, KW = 0, SH = 1, SW = 1, PH = 0, PW = 0, DH = 1, DW = 1, OH = 0, OW = 0;
/** Size of a zero-padded input plane: large enough for every window position, so no bounds checks. */
let HP = 0, WP = 0;

/** Set the convolution geometry used by the functions below (one image, one channel group). */
export function convGeom(h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32): void {
  H = h; W = w; KH = kh; KW = kw; SH = sh; SW = sw; PH = ph; PW = pw; DH = dh; DW = dw; OH = oh; OW = ow;
  HP = max(H + 2 * PH, (OH - 1) * SH + (KH - 1) * DH + 1);
  WP = max(W + 2 * PW, (OW - 1) * SW + (KW - 1) * DW + 1);
}

/** Copy `channels` planes of x into zero-padded planes at dst (HP×WP each, image at (PH, PW)). */
export function padImage(x: usize, channels: i32, dst: usize): void {
  memory.fill(dst, 0, <usize>(channels * HP * WP) << 2);
  for (let ci = 0; ci < channels; ci++) {
    for (let iy = 0; iy < H; iy++) {
      memory.copy(dst + (<usize>((ci * HP + iy + PH) * WP + PW) << 2), x + (<usize>((ci * H + iy) * W) << 2), <usize>W << 2);
    }
  }
}

/**
 * Forward: pack rows [k0, k0+kc) × columns [p0, p0+np) of the im2col matrix of the padded image
 * xp as packed-B strips. Row k = (ci, ky, kx); column p = (oy, ox).
 */
export function packIm2col(xp: usize, k0: i32, kc: i32, p0: i32, np: i32, dst: usize): void {
  const khw = KH * KW;
  for (let j0 = 0; j0 < np; j0 += NR) {
    const cols = min(NR, np - j0);
    const p = p0 + j0;
    const oy = p / OW, ox = p - oy * OW;
    const oneRow = cols == NR && ox + NR <= OW; // the NR columns sit on one output row
    let ci = k0 / khw, r = k0 - ci * khw, ky = r / KW, kx = r - ky * KW;
    for (let k = 0; k < kc; k++) {
      if (oneRow) {
        const src = xp + (<usize>((ci * HP + oy * SH + ky * DH) * WP + ox * SW + kx * DW) << 2);
        if (SW == 1) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
        } else {
          const step = <usize>SW << 2;
          for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>c << 2), load<f32>(src + <usize>c * step));
        }
      } else {
        let qy = oy, qx = ox;
        for (let c = 0; c < NR; c++) {
          let v: f32 = 0;
          if (c < cols) {
            v = load<f32>(xp + (<usize>((ci * HP + qy * SH + ky * DH) * WP + qx * SW + kx * DW) << 2));
            qx++;
            if (qx == OW) { qx = 0; qy++; }
          }
          store<f32>(dst + (<usize>c << 2), v);
        }
      }
      dst += NR << 2;
      // next row of the im2col matrix
      kx++;
      if (kx == KW) { kx = 0; ky++; if (ky == KH) { ky = 0; ci++; } }
    }
  }
}

/**
 * Weight gradient: pack the transposed im2col matrix of the padded image xp (row p = output
 * position, column j = im2col row k0+j) for p in [p0, p0+kc) and j in [0, nk) as packed-B strips.
 * tab: scratch for NR i32. With stride 1, four positions on one output row are four consecutive
 * floats of each column's window: loaded as one vector per column, and two 4×4 blocks transposed.
 */
export function packIm2colT(xp: usize, k0: i32, nk: i32, p0: i32, kc: i32, dst: usize, tab: usize): void {
  const khw = KH * KW;
  for (let j0 = 0; j0 < nk; j0 += NR) {
    const cols = min(NR, nk - j0);
    // offset of each column's window origin in the padded planes (repeat the last real column)
    for (let c = 0; c < NR; c++) {
      const k = k0 + j0 + min(c, cols - 1);
      const ci = k / khw, r = k - ci * khw, ky = r / KW, kx = r - ky * KW;
      store<i32>(tab + (<usize>c << 2), (ci * HP + ky * DH) * WP + kx * DW);
    }
    const o0 = <usize>load<i32>(tab) << 2, o1 = <usize>load<i32>(tab, 4) << 2, o2 = <usize>load<i32>(tab, 8) << 2, o3 = <usize>load<i32>(tab, 12) << 2;
    const o4 = <usize>load<i32>(tab, 16) << 2, o5 = <usize>load<i32>(tab, 20) << 2, o6 = <usize>load<i32>(tab, 24) << 2, o7 = <usize>load<i32>(tab, 28) << 2;
    const quads = cols == NR && SW == 1;
    let oy = p0 / OW, ox = p0 - oy * OW;
    let p = 0;
    while (p < kc) {
      const base = xp + (<usize>(oy * SH * WP + ox * SW) << 2);
      if (quads && p + 4 <= kc && ox + 4 <= OW) {
        const a0 = v128.load(base + o0), a1 = v128.load(base + o1), a2 = v128.load(base + o2), a3 = v128.load(base + o3);
        const a4 = v128.load(base + o4), a5 = v128.load(base + o5), a6 = v128.load(base + o6), a7 = v128.load(base + o7);
        storeTransposed8(dst, a0, a1, a2, a3, a4, a5, a6, a7);
        dst += 4 * NR << 2;
        p += 4;
        ox += 4;
      } else {
        store<f32>(dst, load<f32>(base + o0));
        store<f32>(dst, load<f32>(base + o1), 4);
        store<f32>(dst, load<f32>(base + o2), 8);
        store<f32>(dst, load<f32>(base + o3), 12);
        store<f32>(dst, load<f32>(base + o4), 16);
        store<f32>(dst, load<f32>(base + o5), 20);
        store<f32>(dst, load<f32>(base + o6), 24);
        store<f32>(dst, load<f32>(base + o7), 28);
        if (cols < NR) for (let c = cols; c < NR; c++) store<f32>(dst + (<usize>c << 2), 0);
        dst += NR << 2;
        p++;
        ox++;
      }
      if (ox == OW) { ox = 0; oy++; }
    }
  }
}

/**
 * Input gradient: add rows [k0, k0+rows) of the column-gradient matrix dcol (row stride OH*OW)
 * into the input-gradient planes dx (of the same channel group). Fixed order: row by row.
 */
export function col2im(dcol: usize, k0: i32, rows: i32, dx: usize): void {
  const khw = KH * KW, P = OH * OW;
  for (let r = 0; r < rows; r++) {
    const k = k0 + r;
    const ci = k / khw, rr = k - ci * khw, ky = rr / KW, kx = rr - ky * KW;
    const plane = dx + (<usize>(ci * H * W) << 2);
    const src = dcol + (<usize>(r * P) << 2);
    const shift = kx * DW - PW; // ix = ox*SW + shift
    // output columns whose input column is inside the image
    let lo = 0, hi = OW;
    if (SW == 1) {
      lo = max(0, -shift);
      hi = min(OW, W - shift);
    }
    for (let oy = 0; oy < OH; oy++) {
      const iy = oy * SH - PH + ky * DH;
      if (iy < 0 || iy >= H) continue;
      const rowOut = plane + (<usize>(iy * W) << 2);
      const rowIn = src + (<usize>(oy * OW) << 2);
      if (SW == 1) {
        let ox = lo;
        for (; ox + 4 <= hi; ox += 4) {
          const o = rowOut + (<usize>(ox + shift) << 2);
          v128.store(o, f32x4.add(v128.load(o), v128.load(rowIn + (<usize>ox << 2))));
        }
        for (; ox < hi; ox++) {
          const o = rowOut + (<usize>(ox + shift) << 2);
          store<f32>(o, load<f32>(o) + load<f32>(rowIn + (<usize>ox << 2)));
        }
      } else {
        for (let ox = 0; ox < OW; ox++) {
          const ix = ox * SW + shift;
          if (ix < 0 || ix >= W) continue;
          const o = rowOut + (<usize>ix << 2);
          store<f32>(o, load<f32>(o) + load<f32>(rowIn + (<usize>ox << 2)));
        }
      }
    }
  }
}

/**
 * Weight gradient: out[i] = Σ_j part[j·stride + i] for j = 0 … n-1 and i in [i0, i1): the partial
 * sums of the image chunks added in order of j in float64 and rounded once to float32.
 */
export function sumPartials(part: usize, n: i32, stride: i32, i0: i32, i1: i32, out: usize): void {
  const rowBytes = <usize>stride << 2;
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    let p = part + (<usize>i << 2);
    let s01 = f64x2.splat(0), s23 = f64x2.splat(0);
    for (let j = 0; j < n; j++) {
      s01 = f64x2.add(s01, f64x2.promote_low_f32x4(v128.load64_zero(p)));
      s23 = f64x2.add(s23, f64x2.promote_low_f32x4(v128.load64_zero(p + 8)));
      p += rowBytes;
    }
    const o = out + (<usize>i << 2);
    v128.store64_lane(o, f32x4.demote_f64x2_zero(s01), 0);
    v128.store64_lane(o + 8, f32x4.demote_f64x2_zero(s23), 0);
  }
  for (; i < i1; i++) {
    let s: f64 = 0;
    for (let j = 0; j < n; j++) s += <f64>load<f32>(part + ((<usize>j * <usize>stride + <usize>i) << 2));
    store<f32>(out + (<usize>i << 2), <f32>s);
  }
}
