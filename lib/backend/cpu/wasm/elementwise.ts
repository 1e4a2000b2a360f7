// @ts-nocheck -- AssemblyScript (compiled to WebAssembly by ./build.mjs), not part of the TypeScript build.
//
// Elementwise runs over contiguous stretches (stride 1, or stride 0 for a broadcast operand), four
// floats at a time. Each result is what the reference computes: one float32 rounding of an exact
// or float64 result (for + − × ÷ of two floats those are the same number).

import { relu4 } from "./simd";

/** out[i] = x[i] > 0 ? x[i] : (NaN stays NaN, everything else +0). out may be x. */
export function reluRun(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), relu4(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), v > 0 || v != v ? v : 0);
  }
}

/** ReLU in place on the `cols` floats of each of `rows` rows at c (row stride ldc floats). */
export function reluRows(c: usize, rows: i32, cols: i32, ldc: i32): void {
  for (let r = 0; r < rows; r++) reluRun(c + (<usize>(r * ldc) << 2), c + (<usize>(r * ldc) << 2), cols);
}

/** out[i] = g[i] · (x[i] > 0 ? 1 : 0)  (so a NaN or infinite g stays NaN where x ≤ 0). */
export function reluBackwardRun(g: usize, gs: i32, x: usize, xs: i32, out: usize, n: i32): void {
  let i = 0;
  const one = f32x4.splat(1);
  if (gs == 1 && xs == 1) {
    for (; i + 4 <= n; i += 4) {
      const m = v128.and(f32x4.gt(v128.load(x + (<usize>i << 2)), f32x4.splat(0)), one);
      v128.store(out + (<usize>i << 2), f32x4.mul(v128.load(g + (<usize>i << 2)), m));
    }
  }
  for (; i < n; i++) {
    const xv = load<f32>(x + (<usize>(i * xs) << 2));
    store<f32>(out + (<usize>i << 2), load<f32>(g + (<usize>(i * gs) << 2)) * (xv > 0 ? <f32>1 : <f32>0));
  }
}

// op codes shared with elementwise.ts
const ADD = 0, SUB = 1, MUL = 2, DIV = 3;

@inline function apply4(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  if (op == MUL) return f32x4.mul(a, b);
  return f32x4.div(a, b);
}

@inline function apply1(op: i32, a: f32, b: f32): f32 {
  if (op == ADD) return a + b;
  if (op == SUB) return a - b;
  if (op == MUL) return a * b;
  return a / b;
}

/** out[i] = a[i·as] op b[i·bs] with as, bs ∈ {0, 1}; op: 0 add, 1 sub, 2 mul, 3 div. */
export function arithRun(op: i32, a: usize, as: i32, b: usize, bs: i32, out: usize, n: i32): void {
  let i = 0;
  const sa = f32x4.splat(load<f32>(a)), sb = f32x4.splat(load<f32>(b));
  for (; i + 4 <= n; i += 4) {
    const va = as ? v128.load(a + (<usize>i << 2)) : sa;
    const vb = bs ? v128.load(b + (<usize>i << 2)) : sb;
    v128.store(out + (<usize>i << 2), apply4(op, va, vb));
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), apply1(op, load<f32>(a + (<usize>(i * as) << 2)), load<f32>(b + (<usize>(i * bs) << 2))));
}
