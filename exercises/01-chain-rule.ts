/**
 * Chapter 1 — the chain rule on scalar computation graphs (exercises: fill in every TODO).
 *
 * Every node of a computation graph receives the upstream gradient dL/d(out) and passes
 * dL/d(input) = dL/d(out) · d(out)/d(input) to each input: the "local gradient" times the upstream one.
 */
import { NotImplementedError } from "gradwork";

/**
 * Task 1.1 — an add node out = x + y distributes the upstream gradient: returns [dL/dx, dL/dy].
 *
 * @example
 * addBackward(2, -3, 1.5); // [1.5, 1.5]
 */
export function addBackward(x: number, y: number, dout: number): [number, number] {
  // TODO: Task 1.1
  throw new NotImplementedError("Task 1.1");
}

/**
 * Task 1.1 — a mul node out = x · y: returns [dL/dx, dL/dy] given the upstream gradient dout.
 *
 * @example
 * mulBackward(2, -3, 1); // [-3, 2]
 */
export function mulBackward(x: number, y: number, dout: number): [number, number] {
  // TODO: Task 1.1
  throw new NotImplementedError("Task 1.1");
}

/**
 * Task 1.1 — a max node out = max(x, y) routes the whole gradient to the larger input; on a tie
 * (x === y) each input receives half of it.
 *
 * @example
 * maxBackward(4, 1, 2); // [2, 0]
 */
export function maxBackward(x: number, y: number, dout: number): [number, number] {
  // TODO: Task 1.1
  throw new NotImplementedError("Task 1.1");
}

/**
 * Task 1.2 — the gradient of f at x by central differences: (f(x + h·e_i) − f(x − h·e_i)) / 2h for
 * each coordinate i. `x` must be left unchanged.
 *
 * @example
 * numericalGradient(([a, b]) => a * b, [2, 3]); // ≈ [3, 2]
 */
export function numericalGradient(f: (x: number[]) => number, x: number[], h = 1e-5): number[] {
  // TODO: Task 1.2
  throw new NotImplementedError("Task 1.2");
}

/**
 * Task 1.3 — reverse mode by hand for f(x, y, z) = (x + y) · z: the forward value and the three
 * partial derivatives.
 *
 * @example
 * backpropAddMul(-2, 5, -4); // { f: -12, dx: -4, dy: -4, dz: 3 }
 */
export function backpropAddMul(x: number, y: number, z: number): { f: number; dx: number; dy: number; dz: number } {
  // TODO: Task 1.3
  throw new NotImplementedError("Task 1.3");
}

/**
 * Task 1.3 — reverse mode by hand for f(x1, x2) = x1·x2 + sin(x2): forward through
 * a = x1·x2, b = sin(x2), f = a + b, then backward; note x2 feeds two nodes, so its gradients add up.
 *
 * @example
 * backpropExample(2, 0); // { f: 0, dx1: 0, dx2: 3 }
 */
export function backpropExample(x1: number, x2: number): { f: number; dx1: number; dx2: number } {
  // TODO: Task 1.3
  throw new NotImplementedError("Task 1.3");
}
