// @ts-nocheck -- AssemblyScript (compiled to WebAssembly by ./build.mjs), not part of the TypeScript build.
//
// Small SIMD helpers inlined where used (not re-exported by kernels.ts, so not module exports):
// 4×4 transposes of f32x4 registers for the packing routines (pack.ts, conv.ts), and ReLU.

/** ReLU of four floats, as the unary op: x > 0 ? x : NaN stays NaN, everything else (−0 too) +0. */
@inline export function relu4(v: v128): v128 {
  return v128.and(v, v128.or(f32x4.gt(v, f32x4.splat(0)), f32x4.ne(v, v)));
}

/**
 * Store the transpose of eight column vectors (lane k of column c = row k, column c) as four rows
 * of eight floats at dst, dst+32, dst+64, dst+96: four rows of a packed NR = 8 strip.
 */
@inline export function storeTransposed8(dst: usize, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128): void {
  v128.store(dst, t0(a0, a1, a2, a3));
  v128.store(dst, t0(a4, a5, a6, a7), 16);
  v128.store(dst, t1(a0, a1, a2, a3), 32);
  v128.store(dst, t1(a4, a5, a6, a7), 48);
  v128.store(dst, t2(a0, a1, a2, a3), 64);
  v128.store(dst, t2(a4, a5, a6, a7), 80);
  v128.store(dst, t3(a0, a1, a2, a3), 96);
  v128.store(dst, t3(a4, a5, a6, a7), 112);
}

/** Row 0 (t1, t2, t3: rows 1, 2, 3) of the transpose of the 4×4 block whose rows are a, b, c, d. */
@inline export function t0(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23); // a0 b0 a1 b1
  const cd = i8x16.shuffle(c, d, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23); // c0 d0 c1 d1
  return i8x16.shuffle(ab, cd, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23); // a0 b0 c0 d0
}
@inline export function t1(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const cd = i8x16.shuffle(c, d, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  return i8x16.shuffle(ab, cd, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31); // a1 b1 c1 d1
}
@inline export function t2(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31); // a2 b2 a3 b3
  const cd = i8x16.shuffle(c, d, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  return i8x16.shuffle(ab, cd, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
}
@inline export function t3(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const cd = i8x16.shuffle(c, d, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  return i8x16.shuffle(ab, cd, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
}
