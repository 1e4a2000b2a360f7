/**
 * Chapter 1 — the chain rule on scalar computation graphs (reference solutions).
 *
 * Every node of a computation graph receives the upstream gradient dL/d(out) and passes
 * dL/d(input) = dL/d(out) · d(out)/d(input) to each input: the "local gradient" times the upstream one.
 */
/**
 * Task 1.1 — an add node out = x + y distributes the upstream gradient: returns [dL/dx, dL/dy].
 *
 * @example
 * addBackward(2, -3, 1.5); // [1.5, 1.5]
 */
export function addBackward(x: number, y: number, dout: number): [number, number] {
  return [dout, dout];
}

/**
 * Task 1.1 — a mul node out = x · y: returns [dL/dx, dL/dy] given the upstream gradient dout.
 *
 * @example
 * mulBackward(2, -3, 1); // [-3, 2]
 */
export function mulBackward(x: number, y: number, dout: number): [number, number] {
  return [y * dout, x * dout];
}

/**
 * Task 1.1 — a max node out = max(x, y) routes the whole gradient to the larger input; on a tie
 * (x === y) each input receives half of it.
 *
 * @example
 * maxBackward(4, 1, 2); // [2, 0]
 */
export function maxBackward(x: number, y: number, dout: number): [number, number] {
  if (x > y) return [dout, 0];
  if (y > x) return [0, dout];
  return [dout / 2, dout / 2];
}

/**
 * Task 1.2 — the gradient of f at x by central differences: (f(x + h·e_i) − f(x − h·e_i)) / 2h for
 * each coordinate i. `x` must be left unchanged.
 *
 * @example
 * numericalGradient(([a, b]) => a * b, [2, 3]); // ≈ [3, 2]
 */
export function numericalGradient(f: (x: number[]) => number, x: number[], h = 1e-5): number[] {
  const grad: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const plus = x.slice();
    const minus = x.slice();
    plus[i] += h;
    minus[i] -= h;
    grad.push((f(plus) - f(minus)) / (2 * h));
  }
  return grad;
}

/**
 * Task 1.3 — reverse mode by hand for f(x, y, z) = (x + y) · z: the forward value and the three
 * partial derivatives.
 *
 * @example
 * backpropAddMul(-2, 5, -4); // { f: -12, dx: -4, dy: -4, dz: 3 }
 */
export function backpropAddMul(x: number, y: number, z: number): { f: number; dx: number; dy: number; dz: number } {
  const q = x + y;
  const f = q * z;
  const dq = z; // df/dq
  const dz = q;
  const [dx, dy] = addBackward(x, y, dq);
  return { f, dx, dy, dz };
}

/**
 * Task 1.3 — reverse mode by hand for f(x1, x2) = x1·x2 + sin(x2): forward through
 * a = x1·x2, b = sin(x2), f = a + b, then backward; note x2 feeds two nodes, so its gradients add up.
 *
 * @example
 * backpropExample(2, 0); // { f: 0, dx1: 0, dx2: 3 }
 */
export function backpropExample(x1: number, x2: number): { f: number; dx1: number; dx2: number } {
  const a = x1 * x2;
  const b = Math.sin(x2);
  const f = a + b;
  const [da, db] = addBackward(a, b, 1);
  const [dx1, dx2FromA] = mulBackward(x1, x2, da);
  const dx2FromB = Math.cos(x2) * db;
  return { f, dx1, dx2: dx2FromA + dx2FromB };
}
