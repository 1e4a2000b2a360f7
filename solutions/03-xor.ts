/**
 * Chapter 3 — XOR: weights by hand, a two-layer MLP with a manual backward pass, and training (reference solutions).
 *
 * The network: z1 = X·W1 + b1, h = tanh(z1), z2 = h·W2 + b2, out = σ(z2), with X of shape N×2,
 * W1: 2×H, b1: H, W2: H×1, b2: 1. The loss is the mean binary cross-entropy of `out` against y (N×1).
 */
import * as gw from "gradwork";

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
  // Hidden unit 1 counts the ones (x1 + x2), unit 2 fires only for [1, 1]; out = h1 − 2·h2.
  return { W1: [[1, 1], [1, 1]], b1: [0, -1], W2: [1, -2], b2: 0 };
}

/**
 * Task 3.2 — the forward pass; returns every intermediate (the backward pass needs them).
 *
 * @example
 * const { out } = mlpForward(params, gw.tensor([[0, 1]])); // out: 1×1
 */
export function mlpForward(p: MlpParams, X: gw.Tensor): { z1: gw.Tensor; h: gw.Tensor; z2: gw.Tensor; out: gw.Tensor } {
  const z1 = X.matmul(p.W1).add(p.b1);
  const h = z1.tanh();
  const z2 = h.matmul(p.W2).add(p.b2);
  return { z1, h, z2, out: z2.sigmoid() };
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
  const n = X.shape[0];
  // For σ followed by binary cross-entropy, dL/dz2 = (out − y) / N.
  const dz2 = cache.out.sub(y).div(n);
  const dW2 = cache.h.transpose(0, 1).matmul(dz2);
  const db2 = dz2.sum(0);
  const dh = dz2.matmul(p.W2.transpose(0, 1));
  // tanh'(z1) = 1 − h²: the Jacobian of an elementwise op is diagonal, so it becomes a product.
  const dz1 = dh.mul(cache.h.mul(cache.h).neg().add(1));
  const dW1 = X.transpose(0, 1).matmul(dz1);
  const db1 = dz1.sum(0);
  return { dW1, db1, dW2, db2 };
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
  const { X, y } = xorData();
  let p: MlpParams = { W1: init.W1.clone(), b1: init.b1.clone(), W2: init.W2.clone(), b2: init.b2.clone() };
  const losses: number[] = [];
  gw.noGrad(() => {
    for (let e = 0; e < opts.epochs; e++) {
      const cache = mlpForward(p, X);
      const o = cache.out;
      const loss = y.mul(o.log()).add(y.neg().add(1).mul(o.neg().add(1).log())).mean().neg();
      losses.push(loss.item());
      const g = mlpBackward(p, X, y, cache);
      p = {
        W1: p.W1.sub(g.dW1.mul(opts.lr)),
        b1: p.b1.sub(g.db1.mul(opts.lr)),
        W2: p.W2.sub(g.dW2.mul(opts.lr)),
        b2: p.b2.sub(g.db2.mul(opts.lr)),
      };
    }
  });
  return { params: p, losses };
}
