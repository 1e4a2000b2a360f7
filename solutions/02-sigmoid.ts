/**
 * Chapter 2 — sigmoid graphs, logistic regression and vector gradients (reference solutions).
 *
 * Plain numbers and arrays here: the point is to derive each gradient by hand. Matrices are arrays
 * of rows (`W[i][j]` is row i, column j).
 */

/**
 * Task 2.1 — the logistic sigmoid σ(x) = 1 / (1 + e^(−x)), finite for every finite x
 * (σ(−1000) must be 0, not NaN).
 *
 * @example
 * sigmoid(0); // 0.5
 */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x); // avoids e^(+large) overflowing
  return e / (1 + e);
}

/**
 * Task 2.1 — backward through a sigmoid node: dL/dx given the input x and the upstream gradient dout.
 *
 * @example
 * sigmoidBackward(0, 1); // 0.25
 */
export function sigmoidBackward(x: number, dout: number): number {
  const s = sigmoid(x);
  return dout * s * (1 - s);
}

/**
 * Task 2.2 — a sigmoid neuron f = σ(w[0]·x[0] + … + w[n−1]·x[n−1] + w[n]) with n inputs and a bias
 * w[n] (so `w` has one more entry than `x`): the output and the gradients with respect to w and x.
 *
 * @example
 * neuron([2, -3, -3], [-1, -2]); // out ≈ 0.731, dw ≈ [-0.197, -0.393, 0.197], dx ≈ [0.393, -0.590]
 */
export function neuron(w: number[], x: number[]): { out: number; dw: number[]; dx: number[] } {
  let z = w[x.length];
  for (let i = 0; i < x.length; i++) z += w[i] * x[i];
  const out = sigmoid(z);
  const dz = sigmoidBackward(z, 1);
  const dw = [...x.map((xi) => xi * dz), dz];
  const dx = x.map((_, i) => w[i] * dz);
  return { out, dw, dx };
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
  const n = X.length;
  let loss = 0;
  const dw = w.map(() => 0);
  let db = 0;
  for (let k = 0; k < n; k++) {
    let z = b;
    for (let j = 0; j < w.length; j++) z += w[j] * X[k][j];
    // log σ(z) and log(1 − σ(z)) written to stay finite for large |z|.
    const logP = -Math.log1p(Math.exp(-Math.abs(z))) + Math.min(z, 0);
    const log1mP = -Math.log1p(Math.exp(-Math.abs(z))) - Math.max(z, 0);
    loss -= y[k] * logP + (1 - y[k]) * log1mP;
    const dz = (sigmoid(z) - y[k]) / n; // dL/dz for the mean loss
    for (let j = 0; j < w.length; j++) dw[j] += dz * X[k][j];
    db += dz;
  }
  return { loss: loss / n, dw, db };
}

/**
 * Task 2.4 — f(W, x) = ‖Wx‖² for W of shape m×n and x of length n: the value and the gradients
 * dW (m×n) and dx (length n). With q = Wx: df/dq = 2q, dW = 2 q xᵀ, dx = 2 Wᵀ q.
 *
 * @example
 * normSquared([[0.1, 0.5], [-0.3, 0.8]], [0.2, 0.4]); // f = 0.116, dW ≈ [[0.088, 0.176], [0.104, 0.208]], dx ≈ [-0.112, 0.636]
 */
export function normSquared(W: number[][], x: number[]): { f: number; dW: number[][]; dx: number[] } {
  const q = W.map((row) => row.reduce((acc, wij, j) => acc + wij * x[j], 0));
  const f = q.reduce((acc, qi) => acc + qi * qi, 0);
  const dW = q.map((qi) => x.map((xj) => 2 * qi * xj));
  const dx = x.map((_, j) => W.reduce((acc, row, i) => acc + 2 * row[j] * q[i], 0));
  return { f, dW, dx };
}
