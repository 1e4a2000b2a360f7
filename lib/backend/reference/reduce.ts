// Reductions over the middle axis of a contiguous [outer, size, inner] block, as loops over the
// rules of semantics.ts: float64 sums in a fixed order; "NaN wins, first maximum (minimum) wins".
import type { ReduceOp } from "../backend";
import { beatsMax, beatsMin, sumContiguous } from "../semantics";

export function reduce(op: ReduceOp, x: Float32Array, outer: number, size: number, inner: number, out: Float32Array): void {
  const beats = op === "max" || op === "argmax" ? beatsMax : beatsMin;
  const wantIndex = op === "argmax" || op === "argmin";
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let i = 0; i < inner; i++) {
      if (op === "sum") {
        if (inner === 1) {
          out[o] = sumContiguous(x, base, size);
          continue;
        }
        let acc = 0; // float64 accumulation, in order
        for (let s = 0; s < size; s++) acc += x[base + s * inner + i];
        out[o * inner + i] = acc;
        continue;
      }
      let best = x[base + i], at = 0;
      for (let s = 1; s < size; s++) {
        const v = x[base + s * inner + i];
        if (beats(v, best)) {
          best = v;
          at = s;
        }
      }
      out[o * inner + i] = wantIndex ? at : best;
    }
  }
}
