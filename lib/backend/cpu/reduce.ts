// Reductions of the middle axis of [outer, size, inner]. Same arithmetic and order as the
// reference (float64 sums, first index wins, NaN wins), hence identical results.
import type { ReduceOp } from "../backend";

const OPS: readonly ReduceOp[] = ["sum", "max", "min", "argmax", "argmin"];

/**
 * Reduce outer block o, inner columns [i0, i1). Rows are visited in order s = 0..size-1 so
 * each output sees the same sequence as in the reference.
 */
function reduceBlock(op: number, x: Float32Array, xo: number, size: number, inner: number, o: number, i0: number, i1: number, out: Float32Array, oo: number): void {
  const base = xo + o * size * inner, dst = oo + o * inner;
  const name = OPS[op];
  if (name === "sum") {
    if (inner === 1) {
      let acc = 0;
      for (let s = 0, p = base; s < size; s++, p++) acc += x[p];
      out[dst] = acc;
      return;
    }
    const acc = new Float64Array(i1 - i0);
    for (let s = 0; s < size; s++) {
      const row = base + s * inner + i0;
      for (let i = 0; i < acc.length; i++) acc[i] += x[row + i];
    }
    for (let i = 0; i < acc.length; i++) out[dst + i0 + i] = acc[i];
    return;
  }
  const isMax = name === "max" || name === "argmax", wantIndex = name === "argmax" || name === "argmin";
  for (let i = i0; i < i1; i++) {
    let p = base + i;
    let best = x[p], at = 0;
    for (let s = 0; s < size; s++, p += inner) {
      const v = x[p];
      if (best !== best) break; // NaN wins and stays
      if (v !== v || (isMax ? v > best : v < best)) {
        best = v;
        at = s;
      }
    }
    out[dst + i] = wantIndex ? at : best;
  }
}

/**
 * Reductions are memory-bound: copying the input into shared memory would cost as much as the
 * reduction, so they run on the calling thread (with cache-friendly row sweeps when inner > 1).
 */
export function reduceCpu(op: ReduceOp, x: Float32Array, outer: number, size: number, inner: number, out: Float32Array): void {
  const code = OPS.indexOf(op);
  if (code < 0) throw new Error(`reduce: unknown op "${op}"`);
  for (let o = 0; o < outer; o++) reduceBlock(code, x, 0, size, inner, o, 0, inner, out, 0);
}
