// Broadcast gradients are summed back to an input's shape here, once, for every op.
import type { Tensor } from "../tensor/tensor";
import { fmtShape, sameShape } from "../tensor/shape";
import { sum } from "../ops/reduce";
import { reshape } from "../ops/shape";

export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new Error(`internal: gradient of shape ${fmtShape(g.shape)} cannot be reduced to ${fmtShape(shape)}`);
  const dims: number[] = [];
  for (let d = 0; d < g.ndim; d++) {
    if (d < lead) dims.push(d);
    else if (shape[d - lead] === 1 && g.shape[d] !== 1) dims.push(d);
  }
  let r = dims.length ? sum(g, dims, true) : g;
  if (!sameShape(r.shape, shape)) r = reshape(r, shape);
  return r;
}
