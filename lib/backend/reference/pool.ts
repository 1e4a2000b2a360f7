// Max and average pooling, forward and backward, as direct loops over the rules of semantics.ts:
// max takes the first maximum in row-major window order (NaN wins), average divides by avgPoolCount.
import type { Pool2dParams, PoolMode } from "../backend";
import { avgPoolCount, beatsMax } from "../semantics";

/** Calls visit(i) with the in-plane index iy*w + ix of every in-bounds cell of the window at (y0, x0), row by row. */
function forEachCell(p: Pool2dParams, y0: number, x0: number, visit: (i: number) => void): void {
  for (let iy = Math.max(0, y0); iy < Math.min(p.h, y0 + p.kh); iy++)
    for (let ix = Math.max(0, x0); ix < Math.min(p.w, x0 + p.kw); ix++) visit(iy * p.w + ix);
}

/** Calls visit(plane, o, y0, x0) for every output: its plane, its flat index and its window's corner. */
function forEachOutput(p: Pool2dParams, visit: (plane: number, o: number, y0: number, x0: number) => void): void {
  let o = 0;
  for (let plane = 0; plane < p.n * p.c; plane++)
    for (let oy = 0; oy < p.outH; oy++)
      for (let ox = 0; ox < p.outW; ox++) visit(plane, o++, oy * p.strideH - p.padH, ox * p.strideW - p.padW);
}

export function pool2d(mode: PoolMode, x: Float32Array, p: Pool2dParams, out: Float32Array, indices: Int32Array | null): void {
  forEachOutput(p, (plane, o, y0, x0) => {
    const xo = plane * p.h * p.w;
    if (mode === "max") {
      let best = -Infinity, at = -1; // a window entirely in the padding gives -Infinity
      forEachCell(p, y0, x0, (i) => {
        if (at < 0 || beatsMax(x[xo + i], best)) {
          best = x[xo + i];
          at = i;
        }
      });
      out[o] = best;
      if (indices) indices[o] = at;
    } else {
      let sum = 0;
      forEachCell(p, y0, x0, (i) => (sum += x[xo + i]));
      out[o] = sum / avgPoolCount(p, y0, x0);
    }
  });
}

export function pool2dBackward(mode: PoolMode, dy: Float32Array, indices: Int32Array | null, p: Pool2dParams, out: Float32Array): void {
  out.fill(0);
  forEachOutput(p, (plane, o, y0, x0) => {
    const xo = plane * p.h * p.w;
    if (mode === "max") {
      if (indices![o] >= 0) out[xo + indices![o]] += dy[o];
      return;
    }
    const share = dy[o] / avgPoolCount(p, y0, x0);
    forEachCell(p, y0, x0, (i) => (out[xo + i] += share));
  });
}
