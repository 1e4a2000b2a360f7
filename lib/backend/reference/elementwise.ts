// Elementwise kernels: unary, binary (broadcast via stride-0 views) and where, as loops over the
// rules of semantics.ts.
import type { BinaryOp, UnaryOp, View } from "../backend";
import { BINARY, UNARY, where as choose } from "../semantics";
import { walk } from "./strided";

export function unary(op: UnaryOp, x: View, out: Float32Array): void {
  const f = UNARY[op];
  if (!f) throw new Error(`unary: unknown op "${op}"`);
  const xd = x.data;
  walk(x.shape, [x], (i, o) => {
    out[i] = f(xd[o]);
  });
}

export function binary(op: BinaryOp, a: View, b: View, out: Float32Array): void {
  const f = BINARY[op];
  if (!f) throw new Error(`binary: unknown op "${op}"`);
  const ad = a.data, bd = b.data;
  walk(a.shape, [a, b], (i, oa, ob) => {
    out[i] = f(ad[oa], bd[ob]);
  });
}

export function where(cond: View, a: View, b: View, out: Float32Array): void {
  const cd = cond.data, ad = a.data, bd = b.data;
  walk(cond.shape, [cond, a, b], (i, oc, oa, ob) => {
    out[i] = choose(cd[oc], ad[oa], bd[ob]);
  });
}
