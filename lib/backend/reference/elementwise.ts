// Elementwise kernels: unary, binary (broadcast via stride-0 views) and where.
import type { BinaryOp, UnaryOp, View } from "../backend";
import { walk } from "./strided";

const unaryFns: Record<UnaryOp, (x: number) => number> = {
  copy: (x) => x,
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  tanh: Math.tanh,
  sin: Math.sin,
  cos: Math.cos,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), // keeps ±0 and NaN
  relu: (x) => (x > 0 ? x : x !== x ? x : 0),
};

const binaryFns: Record<BinaryOp, (a: number, b: number) => number> = {
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

export function unary(op: UnaryOp, x: View, out: Float32Array): void {
  const f = unaryFns[op];
  if (!f) throw new Error(`unary: unknown op "${op}"`);
  const xd = x.data;
  walk(x.shape, [x], (i, o) => {
    out[i] = f(xd[o]);
  });
}

export function binary(op: BinaryOp, a: View, b: View, out: Float32Array): void {
  const f = binaryFns[op];
  if (!f) throw new Error(`binary: unknown op "${op}"`);
  const ad = a.data, bd = b.data;
  walk(a.shape, [a, b], (i, oa, ob) => {
    out[i] = f(ad[oa], bd[ob]);
  });
}

export function where(cond: View, a: View, b: View, out: Float32Array): void {
  const cd = cond.data, ad = a.data, bd = b.data;
  walk(cond.shape, [cond, a, b], (i, oc, oa, ob) => {
    out[i] = cd[oc] !== 0 ? ad[oa] : bd[ob];
  });
}
