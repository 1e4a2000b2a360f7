// @ts-nocheck -- AssemblyScript (compiled to WebAssembly by ./build.mjs), not part of the TypeScript build.
//
// Small SIMD helpers inlined where used (not re-exported by kernels.ts, so not module exports):
// 4×4 transposes of f32x4 registers for the packing routines (pack.ts, conv.ts), and ReLU.

/** ReLU of four floats, as the unary op: x > 0 ? x : NaN stays NaN, everything else (−0 too) +0. */
@inline export function relu4(v: v128): v128 {
  return v128.and(v, v128.or(f32x4.gt(v, f32x4.splat(0)), f32x4.ne(v, v)));
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
