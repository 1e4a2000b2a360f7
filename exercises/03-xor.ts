/**
 * Chapter 3 — XOR: weights by hand, a two-layer MLP with a manual backward pass, and training (exercises: fill in every TODO).
 *
 * The network: z1 = X·W1 + b1, h = tanh(z1), z2 = h·W2 + b2, out = σ(z2), with X of shape N×2,
 * W1: 2×H, b1: H, W2: H×1, b2: 1. The loss is the mean binary cross-entropy of `out` against y (N×1).
 */
import * as gw from "gradwork";
import { NotImplementedError } from "gradwork";

/** The parameters of the two-layer MLP. */
export interface MlpParams {
  W1: gw.Tensor;
  b1: gw.Tensor;
  W2: gw.Tensor;
  b2: gw.Tensor;
}

/**
 * Task 3.1 — weights, chosen by hand, for the network out = relu(x·W1 + b1)·W2 + b2 (x a row [x1, x2],
 * W1: 2×2, b1: 2, W2: 2, b2: a number) that computes XOR: out > 0.5 exactly for [0, 1] and [1, 0].
 *
 * @example
 * const { W1, b1, W2, b2 } = xorWeights();
 */
export function xorWeights(): { W1: number[][]; b1: number[]; W2: number[]; b2: number } {
  // TODO: Task 3.1
  throw new NotImplementedError("Task 3.1");
}

/**
 * Task 3.2 — the forward pass; returns every intermediate (the backward pass needs them).
 *
 * @example
 * const { out } = mlpForward(params, gw.tensor([[0, 1]])); // out: 1×1
 */
export function mlpForward(p: MlpParams, X: gw.Tensor): { z1: gw.Tensor; h: gw.Tensor; z2: gw.Tensor; out: gw.Tensor } {
  // TODO: Task 3.2
  throw new NotImplementedError("Task 3.2");
}

/**
 * Task 3.3 — the backward pass written out with the backprop equations (no autograd: it runs inside
 * gw.noGrad): the gradients of the mean binary cross-entropy with respect to every parameter.
 *
 * @example
 * const cache = mlpForward(p, X);
 * const { dW1, db1, dW2, db2 } = mlpBackward(p, X, y, cache);
 */
export function mlpBackward(
  p: MlpParams,
  X: gw.Tensor,
  y: gw.Tensor,
  cache: { z1: gw.Tensor; h: gw.Tensor; z2: gw.Tensor; out: gw.Tensor },
): { dW1: gw.Tensor; db1: gw.Tensor; dW2: gw.Tensor; db2: gw.Tensor } {
  // TODO: Task 3.3
  throw new NotImplementedError("Task 3.3");
}

/** The four XOR inputs (4×2) and targets (4×1). */
export function xorData(): { X: gw.Tensor; y: gw.Tensor } {
  return { X: gw.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y: gw.tensor([[0], [1], [1], [0]]) };
}

/**
 * Task 3.4 — full-batch gradient descent on the four XOR points, starting from `init` (not modified):
 * each epoch runs mlpForward, mlpBackward and p ← p − lr·dp. Returns the final parameters and the
 * loss of every epoch (before its update).
 *
 * @example
 * const { params, losses } = trainXor(init, { lr: 1, epochs: 1000 });
 */
export function trainXor(init: MlpParams, opts: { lr: number; epochs: number }): { params: MlpParams; losses: number[] } {
  // TODO: Task 3.4
  throw new NotImplementedError("Task 3.4");
}
