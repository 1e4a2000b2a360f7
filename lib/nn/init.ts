// Weight initialisation (PyTorch's defaults for Linear and Conv layers).
import { Tensor } from "../tensor/tensor";
import { randomGenerator } from "../tensor/random";
import { checkTensorSize } from "../tensor/shape";

/**
 * Uniform samples in [-bound, bound] from the seeded global generator; `what` (the layer and
 * tensor) is named in the error when the shape is too large.
 *
 * @example
 * gw.nn.init.uniform([2, 3], 0.5).shape; // [2, 3]
 */
export function uniform(shape: readonly number[], bound: number, what = "uniform"): Tensor {
  const g = randomGenerator();
  const data = new Float32Array(checkTensorSize(shape, what));
  for (let i = 0; i < data.length; i++) data[i] = (g.next() * 2 - 1) * bound;
  return new Tensor(data, shape);
}

/**
 * PyTorch's default for Linear/Conv weights: kaiming_uniform with a = √5, which is
 * U(−1/√fanIn, 1/√fanIn); biases use the same bound.
 */
export function defaultBound(fanIn: number): number {
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}
