/**
 * Chapter 2 — sigmoid graphs, logistic regression and vector gradients (exercises: fill in every TODO).
 *
 * Plain numbers and arrays here: the point is to derive each gradient by hand. Matrices are arrays
 * of rows (`W[i][j]` is row i, column j).
 */
import { NotImplementedError } from "gradwork";


/**
 * Task 2.1 — the logistic sigmoid σ(x) = 1 / (1 + e^(−x)), finite for every finite x
 * (σ(−1000) must be 0, not NaN).
 *
 * @example
 * sigmoid(0); // 0.5
 */
export function sigmoid(x: number): number {
  // TODO: Task 2.1
  throw new NotImplementedError("Task 2.1");
}

/**
 * Task 2.1 — backward through a sigmoid node: dL/dx given the input x and the upstream gradient dout.
 *
 * @example
 * sigmoidBackward(0, 1); // 0.25
 */
export function sigmoidBackward(x: number, dout: number): number {
  // TODO: Task 2.1
  throw new NotImplementedError("Task 2.1");
}

/**
 * Task 2.2 — a sigmoid neuron f = σ(w[0]·x[0] + … + w[n−1]·x[n−1] + w[n]) with n inputs and a bias
 * w[n] (so `w` has one more entry than `x`): the output and the gradients with respect to w and x.
 *
 * @example
 * neuron([2, -3, -3], [-1, -2]); // out ≈ 0.731, dw ≈ [-0.197, -0.393, 0.197], dx ≈ [0.393, -0.590]
 */
export function neuron(w: number[], x: number[]): { out: number; dw: number[]; dx: number[] } {
  // TODO: Task 2.2
  throw new NotImplementedError("Task 2.2");
}

/**
 * Task 2.3 — logistic regression on N examples: p_n = σ(w·X[n] + b), loss = mean binary cross-entropy
 * −(1/N) Σ [y_n log p_n + (1 − y_n) log(1 − p_n)], with labels y_n ∈ {0, 1}. Returns the loss and its
 * gradients with respect to w and b.
 *
 * @example
 * logisticRegression([0, 0], 0, [[1, 2]], [1]); // { loss: 0.693…, dw: [-0.5, -1], db: -0.5 }
 */
export function logisticRegression(w: number[], b: number, X: number[][], y: number[]): { loss: number; dw: number[]; db: number } {
  // TODO: Task 2.3
  throw new NotImplementedError("Task 2.3");
}

/**
 * Task 2.4 — f(W, x) = ‖Wx‖² for W of shape m×n and x of length n: the value and the gradients
 * dW (m×n) and dx (length n). Hint: name the intermediate q = Wx.
 *
 * @example
 * normSquared([[0.1, 0.5], [-0.3, 0.8]], [0.2, 0.4]); // f = 0.116, dW ≈ [[0.088, 0.176], [0.104, 0.208]], dx ≈ [-0.112, 0.636]
 */
export function normSquared(W: number[][], x: number[]): { f: number; dW: number[][]; dx: number[] } {
  // TODO: Task 2.4
  throw new NotImplementedError("Task 2.4");
}
