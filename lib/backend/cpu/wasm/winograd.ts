// @ts-nocheck -- AssemblyScript (compiled to WebAssembly by ./build.mjs), not part of the TypeScript build.
//
// Winograd F(4×4, 3×3) transforms for stride-1 3×3 convolutions (Lavin & Gray's points 0, ±1, ±2, ∞):
//   weights  U = G g Gᵀ     (6×6 from 3×3)     input  V = Bᵀ d B   (6×6 tile, stride 4)
//   output   Y = Aᵀ M A     (4×4 from 6×6)     with M[e] = U[e] · V[e] summed over the input channels
// (the products are GEMMs, see kernels/winograd.ts). Element e = i*6 + k: i transforms rows (y), k columns (x).
//
// The tiles of an image are numbered row by row, tilesW (a multiple of 4) per row; "quads" are four
// consecutive tiles of a row, the unit of the input and output transforms: the four tiles sit in the
// four lanes of each v128, so the 2-D transforms are plain lane-wise adds and multiplies.
// V is written as packed GEMM B strips (NR = 8 tiles, kc = channels), M is read as row-major C.

import { MR, NR } from "./gemm";
import { relu4 } from "./simd";

// ---------------------------------------------------------------- 1-D transforms on four lanes

/** Bᵀ·d for six vectors d0..d5; the six results go to dst, dst+step, … */
// @ts-ignore: decorator
@inline function bt6(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, dst: usize, step: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const t0 = f32x4.sub(d4, f32x4.mul(four, d2)), t1 = f32x4.sub(d3, f32x4.mul(four, d1));
  const t2 = f32x4.sub(d4, d2), t3 = f32x4.mul(two, f32x4.sub(d3, d1));
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(dst + step, f32x4.add(t0, t1));
  v128.store(dst + 2 * step, f32x4.sub(t0, t1));
  v128.store(dst + 3 * step, f32x4.add(t2, t3));
  v128.store(dst + 4 * step, f32x4.sub(t2, t3));
  v128.store(dst + 5 * step, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/** Aᵀ·m for six vectors m0..m5; the four results go to dst, dst+step, … (plus `add` on each). */
// @ts-ignore: decorator
@inline function at6(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, add: v128, dst: usize, step: usize): void {
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2), c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(f32x4.add(f32x4.add(m0, a), c), add));
  v128.store(dst + step, f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(2), d)), add));
  v128.store(dst + 2 * step, f32x4.add(f32x4.add(a, f32x4.mul(f32x4.splat(4), c)), add));
  v128.store(dst + 3 * step, f32x4.add(f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(8), d)), m5), add));
}

// ---------------------------------------------------------------- weights

/**
 * U = G g Gᵀ for every (output channel o < outC, input channel i < inC), written as 36 packed GEMM A
 * blocks (rows o in MR-row panels, kc = inC; rows past outC are zero), block e at dst + e*blockBytes.
 * flip = false: g = w[o][i] (w is outC×inC×3×3, the forward convolution).
 * flip = true:  g = w[i][o] rotated by 180° (w is inC×outC×3×3: the input gradient as a convolution).
 * tmp: scratch for 54 floats.
 */
export function winoWeights(w: usize, outC: i32, inC: i32, flip: bool, dst: usize, tmp: usize): void {
  const outPad = (outC + MR - 1) / MR * MR;
  const blockBytes = <usize>(outPad * inC) << 2;
  memory.fill(dst, 0, blockBytes * 36);
  const gg = tmp; // Gg: 6×3
  for (let o = 0; o < outC; o++) {
    for (let i = 0; i < inC; i++) {
      const src = flip ? w + (<usize>((i * outC + o) * 9) << 2) : w + (<usize>((o * inC + i) * 9) << 2);
      // rows of G·g, one column kx at a time
      for (let kx = 0; kx < 3; kx++) {
        let g0: f32, g1: f32, g2: f32;
        if (flip) {
          g0 = load<f32>(src + (<usize>(8 - kx) << 2));
          g1 = load<f32>(src + (<usize>(5 - kx) << 2));
          g2 = load<f32>(src + (<usize>(2 - kx) << 2));
        } else {
          g0 = load<f32>(src + (<usize>kx << 2));
          g1 = load<f32>(src + (<usize>(3 + kx) << 2));
          g2 = load<f32>(src + (<usize>(6 + kx) << 2));
        }
        gTransform(g0, g1, g2, gg + (<usize>kx << 2), 12);
      }
      // (G·g)·Gᵀ: transform each row of G·g, straight into the 36 A blocks
      const off = <usize>(((o / MR) * inC + i) * MR + o % MR) << 2;
      for (let r = 0; r < 6; r++) {
        const row = gg + (<usize>(r * 3) << 2);
        gTransform(load<f32>(row), load<f32>(row, 4), load<f32>(row, 8), tmp + 72 + (<usize>(r * 6) << 2), 4);
      }
      for (let e = 0; e < 36; e++) store<f32>(dst + <usize>e * blockBytes + off, load<f32>(tmp + 72 + (<usize>e << 2)));
    }
  }
}

/** G·(g0, g1, g2): six floats to dst, dst+step, … (step in bytes). */
// @ts-ignore: decorator
@inline function gTransform(g0: f32, g1: f32, g2: f32, dst: usize, step: usize): void {
  const s = g0 + g2;
  store<f32>(dst, g0 * (1.0 / 4));
  store<f32>(dst + step, -(s + g1) * (1.0 / 6));
  store<f32>(dst + 2 * step, -(s - g1) * (1.0 / 6));
  const u = g0 * (1.0 / 24) + g2 * (1.0 / 6), v = g1 * (1.0 / 12);
  store<f32>(dst + 3 * step, u + v);
  store<f32>(dst + 4 * step, u - v);
  store<f32>(dst + 5 * step, g2);
}

// ---------------------------------------------------------------- input tiles

/**
 * V for quads [q0, q0+nq) (numbered lq0.. in dst) of one zero-padded image xp (channels planes of hp×wp floats; tile (ty, tx)
 * reads rows 4ty.., columns 4tx..): element e of tile lq*4+lane of channel ci goes to
 * dst + e*eBytes + 4*(((lq/2)*channels + ci)*NR + (lq%2)*4 + lane), i.e. packed B strips of NR tiles.
 * Quads at or past row tilesH of the tile grid are written as zeros. tmp: scratch for 36 v128.
 * The rows are read 2 floats past 4*tilesW+2 (the plane must be followed by 8 readable bytes).
 */
export function winoInput(xp: usize, channels: i32, hp: i32, wp: i32, tilesW: i32, tilesH: i32, q0: i32, nq: i32, lq0: i32, dst: usize, eBytes: i32, tmp: usize): void {
  const qw = tilesW >> 2;
  const eb = <usize>eBytes;
  for (let lq = lq0; lq < lq0 + nq; lq++) {
    const q = q0 + lq - lq0, ty = q / qw, tx = (q - ty * qw) << 2;
    const out0 = dst + (<usize>(((lq >> 1) * channels) * NR + (lq & 1) * 4) << 2);
    if (ty >= tilesH) {
      for (let ci = 0; ci < channels; ci++) {
        const o = out0 + (<usize>(ci * NR) << 2);
        for (let e = 0; e < 36; e++) v128.store(o + <usize>e * eb, f32x4.splat(0));
      }
      continue;
    }
    for (let ci = 0; ci < channels; ci++) {
      inputTile(xp + (<usize>((ci * hp + ty * 4) * wp + tx * 4) << 2), wp, tmp, out0 + (<usize>(ci * NR) << 2), eb);
    }
  }
}

// ---------------------------------------------------------------- output tiles

/**
 * Y = Aᵀ M A (+ bias) for quads [q0, q0+nq) (numbered lq0.. in m) of one image and output channels [0, nco): M element e of
 * channel co, tile lq*4+lane is at m + e*eBytes + 4*(co*ldm + lq*4 + lane). The 4×4 outputs go to the
 * planes at y (outH×outW each), clipped to the plane. bias: address of nco floats, or 0. relu: apply
 * ReLU (as the unary op) after the bias.
 * tmp: scratch for 40 v128.
 */
export function winoOutput(m: usize, ldm: i32, eBytes: i32, nco: i32, tilesW: i32, q0: i32, nq: i32, lq0: i32, y: usize, outH: i32, outW: i32, bias: usize, tmp: usize, relu: i32): void {
  const qw = tilesW >> 2;
  const eb = <usize>eBytes;
  const s = tmp, yt = tmp + 24 * 16;
  for (let co = 0; co < nco; co++) {
    const bv = bias ? v128.load32_splat(bias + (<usize>co << 2)) : f32x4.splat(0);
    const zero = f32x4.splat(0);
    const plane = y + (<usize>(co * outH * outW) << 2);
    for (let lq = lq0; lq < lq0 + nq; lq++) {
      const q = q0 + lq - lq0, ty = q / qw, tx = (q - ty * qw) << 2;
      const oy0 = ty * 4, ox0 = tx * 4;
      if (oy0 >= outH) continue;
      const src = m + (<usize>(co * ldm + lq * 4) << 2);
      // Aᵀ along x for each row i of M
      for (let i = 0; i < 6; i++) {
        const r = src + <usize>(i * 6) * eb;
        at6(v128.load(r), v128.load(r + eb), v128.load(r + 2 * eb), v128.load(r + 3 * eb), v128.load(r + 4 * eb), v128.load(r + 5 * eb),
          zero, s + (<usize>(i * 4) << 4), 16);
      }
      // Aᵀ along y for each output column x: Y[y][x] at yt + (y*4 + x)*16
      for (let x = 0; x < 4; x++) {
        const c = s + (<usize>x << 4);
        at6(v128.load(c), v128.load(c, 64), v128.load(c, 128), v128.load(c, 192), v128.load(c, 256), v128.load(c, 320),
          bv, yt + (<usize>x << 4), 64);
      }
      // transpose each output row's four vectors (lanes = tiles) into four tiles' rows of 4
      const rows = min(4, outH - oy0);
      for (let yy = 0; yy < rows; yy++) {
        const v = yt + (<usize>(yy * 4) << 4);
        const a0 = v128.load(v), a1 = v128.load(v, 16), a2 = v128.load(v, 32), a3 = v128.load(v, 48);
        const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
        let u0 = v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), u1 = v128.shuffle<f32>(t0, t1, 2, 3, 6, 7);
        let u2 = v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), u3 = v128.shuffle<f32>(t2, t3, 2, 3, 6, 7);
        if (relu) {
          u0 = relu4(u0); u1 = relu4(u1); u2 = relu4(u2); u3 = relu4(u3);
        }
        const o = plane + (<usize>((oy0 + yy) * outW + ox0) << 2);
        if (ox0 + 16 <= outW) {
          v128.store(o, u0); v128.store(o, u1, 16); v128.store(o, u2, 32); v128.store(o, u3, 48);
        } else {
          // right edge: store the columns inside the plane
          v128.store(s, u0); v128.store(s, u1, 16); v128.store(s, u2, 32); v128.store(s, u3, 48);
          const cols = outW - ox0;
          for (let j = 0; j < cols; j++) store<f32>(o + (<usize>j << 2), load<f32>(s + (<usize>j << 2)));
        }
      }
    }
  }
}

/** Add bias[r] to the `cols` floats of each of `rows` rows at c (row stride ldc floats), in place. */
export function addBias(c: usize, rows: i32, cols: i32, ldc: i32, bias: usize): void {
  for (let r = 0; r < rows; r++) {
    const bv = load<f32>(bias + (<usize>r << 2)), b4 = f32x4.splat(bv);
    const row = c + (<usize>(r * ldc) << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const p = row + (<usize>j << 2);
      v128.store(p, f32x4.add(v128.load(p), b4));
    }
    for (; j < cols; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + bv);
    }
  }
}

// ---------------------------------------------------------------- weight gradient
// dW = Gᵀ [Σ_tiles (A dy Aᵀ) ⊙ (Bᵀ x B)] G (the transpose of the forward's y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ x B)]A
// in g): per element e a GEMM S[e] (outC × inC) += Z[e] (outC × tiles) · Vᵀ[e] (tiles × inC).

/** Store the four lanes of v (four consecutive tiles) at p, p+step, p+2*step, p+3*step. */
// @ts-ignore: decorator
@inline function storeLanes(p: usize, v: v128, step: usize): void {
  v128.store32_lane(p, v, 0);
  v128.store32_lane(p + step, v, 1);
  v128.store32_lane(p + 2 * step, v, 2);
  v128.store32_lane(p + 3 * step, v, 3);
}

/**
 * Like winoInput, but as packed GEMM B strips with the tiles along k: element e of tile t (numbered
 * lt0.. in this block of kc tiles) of channel ci goes to dst + e*eBytes + 4*((ci/NR)*kc*NR + t*NR + ci%NR).
 * tmp: scratch for 180 v128.
 */
export function winoInputT(xp: usize, channels: i32, hp: i32, wp: i32, tilesW: i32, q0: i32, nq: i32, lt0: i32, kc: i32, dst: usize, eBytes: i32, tmp: usize): void {
  const qw = tilesW >> 2;
  const eb = <usize>eBytes, res = tmp + 36 * 16; // res: 36 vectors per channel, 4 channels
  for (let lq = 0; lq < nq; lq++) {
    const q = q0 + lq, ty = q / qw, tx = (q - ty * qw) << 2;
    const t = lt0 + lq * 4;
    for (let c0 = 0; c0 < channels; c0 += 4) {
      const group = min(4, channels - c0);
      for (let j = 0; j < group; j++) inputTile(xp + (<usize>(((c0 + j) * hp + ty * 4) * wp + tx * 4) << 2), wp, tmp, res + <usize>j * 576, 16);
      const o = dst + (<usize>((c0 / NR) * kc * NR + t * NR + c0 % NR) << 2);
      if (group == 4) {
        // four channels × four tiles: transpose so that each tile's four channels are one store
        for (let e = 0; e < 36; e++) {
          const r = res + (<usize>e << 4);
          const a0 = v128.load(r), a1 = v128.load(r, 576), a2 = v128.load(r, 1152), a3 = v128.load(r, 1728);
          const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
          const p = o + <usize>e * eb;
          v128.store(p, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(p, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), NR << 2);
          v128.store(p, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), NR << 3);
          v128.store(p, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 3 * (NR << 2));
        }
      } else {
        for (let j = 0; j < group; j++) {
          for (let e = 0; e < 36; e++) storeLanes(o + (<usize>j << 2) + <usize>e * eb, v128.load(res + <usize>j * 576 + (<usize>e << 4)), NR << 2);
        }
      }
    }
  }
}

/**
 * Bᵀ d B of one channel's four tiles (row pointer at the first tile's top-left), four tiles in the
 * four lanes: element e = i*6 + k to dst + e*step. tmp: 36 v128.
 */
// @ts-ignore: decorator
@inline function inputTile(row: usize, wp: i32, tmp: usize, dst: usize, step: usize): void {
  // rows: the 6 columns of each of the four tiles, transposed into lanes, then Bᵀ along x
  for (let r = 0; r < 6; r++) {
    const a0 = v128.load(row), a1 = v128.load(row, 16), a2 = v128.load(row, 32), a3 = v128.load(row, 48), a4 = v128.load(row, 64);
    const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
    const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
    const c0 = v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), c1 = v128.shuffle<f32>(t0, t1, 2, 3, 6, 7);
    const c2 = v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), c3 = v128.shuffle<f32>(t2, t3, 2, 3, 6, 7);
    const c4 = v128.shuffle<f32>(c0, a4, 1, 2, 3, 4), c5 = v128.shuffle<f32>(c1, a4, 1, 2, 3, 5);
    bt6(c0, c1, c2, c3, c4, c5, tmp + (<usize>(r * 6) << 4), 16);
    row += <usize>wp << 2;
  }
  // columns: Bᵀ along y, element (i, k) to dst + (i*6 + k)*step
  for (let k = 0; k < 6; k++) {
    const s = tmp + (<usize>k << 4);
    bt6(v128.load(s), v128.load(s, 96), v128.load(s, 192), v128.load(s, 288), v128.load(s, 384), v128.load(s, 480),
      dst + <usize>k * step, 6 * step);
  }
}

/** A·v for four vectors v0..v3 (A = (Aᵀ)ᵀ, 6×4); the six results to dst, dst+step, … */
// @ts-ignore: decorator
@inline function a4(v0: v128, v1: v128, v2: v128, v3: v128, dst: usize, step: usize): void {
  const s02 = f32x4.add(v0, v2), s13 = f32x4.add(v1, v3);
  const f = f32x4.add(v0, f32x4.mul(f32x4.splat(4), v2)), g = f32x4.add(f32x4.mul(f32x4.splat(2), v1), f32x4.mul(f32x4.splat(8), v3));
  v128.store(dst, v0);
  v128.store(dst + step, f32x4.add(s02, s13));
  v128.store(dst + 2 * step, f32x4.sub(s02, s13));
  v128.store(dst + 3 * step, f32x4.add(f, g));
  v128.store(dst + 4 * step, f32x4.sub(f, g));
  v128.store(dst + 5 * step, v3);
}

/**
 * Z = A d Aᵀ of the 4×4 tiles d of dy (zero past outH×outW) for quads [q0, q0+nq) of one image
 * (channels planes of outH×outW at dy), as packed GEMM A panels with the tiles along k: element e of
 * tile t (numbered lt0.. in this block of kc tiles) of channel co goes to
 * dst + e*eBytes + 4*((co/MR)*kc*MR + t*MR + co%MR). tmp: scratch for 100 v128.
 */
export function winoDyT(dy: usize, channels: i32, outH: i32, outW: i32, tilesW: i32, q0: i32, nq: i32, lt0: i32, kc: i32, dst: usize, eBytes: i32, tmp: usize): void {
  const qw = tilesW >> 2;
  const eb = <usize>eBytes, z = tmp, edge = z + 24 * 16;
  let res = edge + 4 * 16, prev = res + 36 * 16; // this channel's and the previous channel's Z
  for (let lq = 0; lq < nq; lq++) {
    const q = q0 + lq, ty = q / qw, tx = (q - ty * qw) << 2;
    const oy0 = ty * 4, ox0 = tx * 4, t = lt0 + lq * 4;
    const rows = min(4, outH - oy0), cols = min(16, outW - ox0);
    for (let co = 0; co < channels; co++) {
      const swap = res; res = prev; prev = swap;
      const plane = dy + (<usize>(co * outH * outW) << 2);
      // d[y][x] over the four tiles: rows of 16 floats, transposed
      for (let y = 0; y < 4; y++) {
        let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
        if (y < rows) {
          const src = plane + (<usize>((oy0 + y) * outW + ox0) << 2);
          if (cols == 16) {
            a0 = v128.load(src); a1 = v128.load(src, 16); a2 = v128.load(src, 32); a3 = v128.load(src, 48);
          } else {
            v128.store(edge, a0); v128.store(edge, a0, 16); v128.store(edge, a0, 32); v128.store(edge, a0, 48);
            for (let j = 0; j < cols; j++) store<f32>(edge + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
            a0 = v128.load(edge); a1 = v128.load(edge, 16); a2 = v128.load(edge, 32); a3 = v128.load(edge, 48);
          }
        }
        const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
        // A along x: z[y][k] at z + (y*6 + k)*16
        a4(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7),
          v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), z + (<usize>(y * 6) << 4), 16);
      }
      // A along y: Z[i][k] at res + (i*6 + k)*16
      for (let k = 0; k < 6; k++) {
        const s = z + (<usize>k << 4);
        a4(v128.load(s), v128.load(s, 96), v128.load(s, 192), v128.load(s, 288), res + (<usize>k << 4), 96);
      }
      const o = dst + (<usize>((co / MR) * kc * MR + t * MR + co % MR) << 2);
      if ((co & 1) == 0) {
        if (co + 1 == channels) for (let e = 0; e < 36; e++) storeLanes(o + <usize>e * eb, v128.load(res + (<usize>e << 4)), MR << 2);
        continue; // an even channel waits for its pair
      }
      // an odd channel: interleave with the even one before it (same MR panel: MR is even), 2 floats per store
      for (let e = 0; e < 36; e++) {
        const a = v128.load(prev + (<usize>e << 4)), b = v128.load(res + (<usize>e << 4));
        const lo = v128.shuffle<f32>(a, b, 0, 4, 1, 5), hi = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
        const p = o - 4 + <usize>e * eb;
        v128.store64_lane(p, lo, 0);
        v128.store64_lane(p, lo, 1, MR << 2);
        v128.store64_lane(p, hi, 0, MR << 3);
        v128.store64_lane(p, hi, 1, 3 * (MR << 2));
      }
    }
  }
}

/** Gᵀ·(s0..s5): three floats to dst, dst+step, dst+2*step (step in bytes). */
// @ts-ignore: decorator
@inline function gtTransform(s0: f32, s1: f32, s2: f32, s3: f32, s4: f32, s5: f32, dst: usize, step: usize): void {
  const p = s1 + s2, m = s1 - s2, u = s3 + s4, v = s3 - s4;
  store<f32>(dst, s0 * (1.0 / 4) - p * (1.0 / 6) + u * (1.0 / 24));
  store<f32>(dst + step, -m * (1.0 / 6) + v * (1.0 / 12));
  store<f32>(dst + 2 * step, (u - p) * (1.0 / 6) + s5);
}

/**
 * The weight gradient from the partial products: for output channels [co0, co0+nco) and every input
 * channel, S[e] = Σ_j parts[j][e] (j = 0..nparts-1 in order; part j's block e is outC×inC floats at
 * parts + (j*36 + e)*outC*inC*4), then dW = Gᵀ S G into w (outC×inC×3×3). tmp: scratch for 54 floats.
 */
export function winoWeightGrad(parts: usize, nparts: i32, outC: i32, inC: i32, co0: i32, nco: i32, w: usize, tmp: usize): void {
  const blk = <usize>(outC * inC) << 2;
  const s = tmp, h = tmp + 36 * 4;
  for (let co = co0; co < co0 + nco; co++) {
    for (let ci = 0; ci < inC; ci++) {
      const off = <usize>(co * inC + ci) << 2;
      for (let e = 0; e < 36; e++) {
        let acc: f32 = 0;
        for (let j = 0; j < nparts; j++) acc += load<f32>(parts + <usize>(j * 36 + e) * blk + off);
        store<f32>(s + (<usize>e << 2), acc);
      }
      // Gᵀ along k (columns) for each row i: h[i][kx] at h + (i*3 + kx)*4
      for (let i = 0; i < 6; i++) {
        const r = s + (<usize>(i * 6) << 2);
        gtTransform(load<f32>(r), load<f32>(r, 4), load<f32>(r, 8), load<f32>(r, 12), load<f32>(r, 16), load<f32>(r, 20), h + (<usize>(i * 3) << 2), 4);
      }
      // Gᵀ along i for each kx: dW[ky][kx]
      const dst = w + (<usize>((co * inC + ci) * 9) << 2);
      for (let kx = 0; kx < 3; kx++) {
        const c = h + (<usize>kx << 2);
        gtTransform(load<f32>(c), load<f32>(c, 12), load<f32>(c, 24), load<f32>(c, 36), load<f32>(c, 48), load<f32>(c, 60), dst + (<usize>kx << 2), 12);
      }
    }
  }
}
