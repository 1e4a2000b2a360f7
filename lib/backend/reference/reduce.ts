// Reductions over the middle axis of a contiguous [outer, size, inner] block.
import type { ReduceOp } from "../backend";

export function reduce(op: ReduceOp, x: Float32Array, outer: number, size: number, inner: number, out: Float32Array): void {
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let i = 0; i < inner; i++) {
      let p = base + i;
      if (op === "sum") {
        let acc = 0; // float64 accumulation
        for (let s = 0; s < size; s++, p += inner) acc += x[p];
        out[o * inner + i] = acc;
      } else {
        let best = x[p];
        let at = 0;
        const isMax = op === "max" || op === "argmax";
        for (let s = 0; s < size; s++, p += inner) {
          const v = x[p];
          if (best !== best) break; // NaN wins and stays
          if (v !== v || (isMax ? v > best : v < best)) {
            best = v;
            at = s;
          }
        }
        out[o * inner + i] = op === "max" || op === "min" ? best : at;
      }
    }
  }
}
