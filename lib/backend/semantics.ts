/**
 * What every kernel computes, element by element: the one home of the scalar rules both backends
 * follow. The reference kernels are plain loops over these functions; the cpu backend's
 * TypeScript loops call the same functions (its WebAssembly runs implement the few hottest ones,
 * + − × ÷ and ReLU, and are tested against them). Arithmetic is float64, rounded to float32 when
 * stored.
 *
 * @example
 * import { UNARY, BINARY, beatsMax } from "./semantics";
 * UNARY.relu(NaN);        // NaN (ReLU keeps NaN)
 * BINARY.maximum(1, NaN); // NaN (NaN propagates)
 * beatsMax(2, 2);         // false: on a tie the first maximum stays
 */
import type { BinaryOp, Pool2dParams, UnaryOp } from "./backend";

/** y = f(x) for every unary op. `sign` keeps ±0 and NaN; `relu` keeps NaN and maps −0 to +0. */
export const UNARY: Readonly<Record<UnaryOp, (x: number) => number>> = {
  copy: (x) => x,
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  tanh: Math.tanh,
  sin: Math.sin,
  cos: Math.cos,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  relu: (x) => (x > 0 ? x : x !== x ? x : 0),
};

/**
 * z = f(a, b) for every binary op. `maximum`/`minimum` propagate NaN (and on ±0 ties return b);
 * comparisons give 1 or 0 (false with NaN, except `ne`); `reluBackward(g, x)` = g · (x > 0 ? 1 : 0).
 */
export const BINARY: Readonly<Record<BinaryOp, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  gt: (a, b) => (a > b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  reluBackward: (g, x) => g * (x > 0 ? 1 : 0),
};

/** where(cond, a, b): a where cond is non-zero (NaN counts as non-zero), else b. */
export const where = (cond: number, a: number, b: number): number => (cond !== 0 ? a : b);

/**
 * Whether `v` takes the place of `best` in a running maximum: "NaN wins, first maximum wins" —
 * the first NaN stays for good, and on a tie the earlier element stays (so arg-max is the first
 * index of the maximum). Used by max, argmax and max pooling.
 */
export const beatsMax = (v: number, best: number): boolean => v > best || (v !== v && best === best);

/** The same rule for a running minimum (min, argmin): NaN wins, first minimum wins. */
export const beatsMin = (v: number, best: number): boolean => v < best || (v !== v && best === best);

/**
 * Sum of x[start .. start+size) in float64 with four interleaved accumulators (element s goes to
 * accumulator s mod 4; they are combined as (a0 + a1) + (a2 + a3)), the order every contiguous row
 * sum follows: four independent chains of additions run about four times faster than one. Strided
 * sums add in index order, one float64 accumulator each.
 */
export function sumContiguous(x: Float32Array, start: number, size: number): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  let p = start;
  const end4 = start + size - (size % 4);
  for (; p < end4; p += 4) {
    a0 += x[p];
    a1 += x[p + 1];
    a2 += x[p + 2];
    a3 += x[p + 3];
  }
  const end = start + size;
  if (p < end) a0 += x[p++];
  if (p < end) a1 += x[p++];
  if (p < end) a2 += x[p];
  return a0 + a1 + (a2 + a3);
}

/**
 * How many cells the average-pooling window whose top-left corner is (y0, x0) (in input
 * coordinates, negative inside the padding) divides by. With `countIncludePad` (PyTorch's default)
 * the padded cells count but never cells past the padded border; without it only the cells inside
 * the input count.
 */
export function avgPoolCount(p: Pool2dParams, y0: number, x0: number): number {
  const lo = p.countIncludePad ? -p.padH : 0, hi = p.countIncludePad ? p.h + p.padH : p.h;
  const left = p.countIncludePad ? -p.padW : 0, right = p.countIncludePad ? p.w + p.padW : p.w;
  const rows = Math.min(y0 + p.kh, hi) - Math.max(y0, lo);
  const cols = Math.min(x0 + p.kw, right) - Math.max(x0, left);
  return Math.max(0, rows) * Math.max(0, cols);
}
