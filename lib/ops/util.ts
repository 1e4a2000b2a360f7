// Helpers shared by the ops: coercing numbers to tensors, broadcast views, fresh outputs.
import { describeValue } from "../common";
import { backend } from "../backend";
import type { View } from "../backend";
import { Tensor } from "../tensor/tensor";
import { allocChecked } from "../tensor/shape";

export type TensorLike = Tensor | number;

/** A number becomes a 0-d constant tensor. */
export function asTensor(x: TensorLike, what = "argument"): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number") return new Tensor(new Float32Array([x]), []);
  throw new Error(`${what}: expected a Tensor or a number, got ${describe(x)}`);
}

/** describeValue, with a hint for arrays (which ops do not take directly). */
export function describe(x: unknown): string {
  return Array.isArray(x) ? `${describeValue(x)} (wrap it with gw.tensor(...))` : describeValue(x);
}

/** A view of `t` broadcast to `shape` (stride 0 on broadcast dimensions). */
export function broadcastView(t: Tensor, shape: readonly number[]): View {
  const lead = shape.length - t.ndim;
  const strides = shape.map((s, d) => {
    if (d < lead) return 0;
    const own = t.shape[d - lead];
    return own === 1 && s !== 1 ? 0 : t.strides[d - lead];
  });
  return { data: t.storage, offset: t.offset, shape, strides };
}

/**
 * A new contiguous tensor of zeros of this shape, storage from the current backend. `what` (the
 * op) is named in the error when the shape is too large to allocate.
 */
export function empty(shape: readonly number[], what = "tensor"): Tensor {
  return new Tensor(allocChecked(shape, what, (n) => backend().alloc(n)), shape);
}

/** A new contiguous tensor whose contents are unspecified: for outputs a kernel fully writes. */
export function uninitialized(shape: readonly number[], what = "tensor"): Tensor {
  return new Tensor(allocChecked(shape, what, (n) => backend().alloc(n, true)), shape);
}
