// Elementwise ops with NumPy broadcasting: each op's forward and backward together.
import { backend } from "../backend";
import type { BinaryOp, UnaryOp } from "../backend";
import { record } from "../autograd/record";
import { Tensor } from "../tensor/tensor";
import { broadcastShapes } from "../tensor/shape";
import { asTensor, broadcastView, type TensorLike, uninitialized } from "./util";

// ---- kernel wrappers (no autograd) ----

function unaryK(op: UnaryOp, x: Tensor): Tensor {
  const out = uninitialized(x.shape);
  backend().unary(op, x.kernelView(), out.storage);
  return out;
}

function binaryK(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = uninitialized(shape, op);
  backend().binary(op, broadcastView(a, shape), broadcastView(b, shape), out.storage);
  return out;
}

// ---- unary ops ----

/** -x */
export function neg(x: Tensor): Tensor {
  return record(unaryK("neg", x), "neg", [x], (g) => [neg(g)]);
}

/** e^x */
export function exp(x: Tensor): Tensor {
  const y = unaryK("exp", x);
  return record(y, "exp", [x], (g) => [mul(g, y)]);
}

/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return record(unaryK("log", x), "log", [x], (g) => [div(g, x)]);
}

/** Square root. */
export function sqrt(x: Tensor): Tensor {
  const y = unaryK("sqrt", x);
  return record(y, "sqrt", [x], (g) => [div(g, mul(y, 2))]);
}

/** |x| (gradient sign(x), 0 at 0). */
export function abs(x: Tensor): Tensor {
  return record(unaryK("abs", x), "abs", [x], (g) => [mul(g, unaryK("sign", x))]);
}

/** Hyperbolic tangent; d/dx = 1 − tanh². */
export function tanh(x: Tensor): Tensor {
  const y = unaryK("tanh", x);
  return record(y, "tanh", [x], (g) => [mul(g, sub(1, mul(y, y)))]);
}

/** Sine. */
export function sin(x: Tensor): Tensor {
  return record(unaryK("sin", x), "sin", [x], (g) => [mul(g, unaryK("cos", x))]);
}

/** Cosine. */
export function cos(x: Tensor): Tensor {
  return record(unaryK("cos", x), "cos", [x], (g) => [neg(mul(g, unaryK("sin", x)))]);
}

/** max(x, 0); gradient 1 where x > 0, else 0. */
export function relu(x: Tensor): Tensor {
  return record(unaryK("relu", x), "relu", [x], (g) => [reluGrad(g, x)]);
}

/**
 * ReLU's backward, no autograd: g · (x > 0 ? 1 : 0) by the reluBackward kernel. x may be ReLU's
 * input or its output (> 0 at the same places); the fused ReLUs of conv2d and batch norm pass the output.
 */
export function reluGrad(g: Tensor, x: Tensor): Tensor {
  return binaryK("reluBackward", g, x);
}

/**
 * The logistic sigmoid σ(x) = 1 / (1 + e^−x), built from kernels (neg, exp, add, div), with the
 * fused local gradient σ(x)(1 − σ(x)).
 *
 * @example
 * gw.tensor([0]).sigmoid().item(); // 0.5
 */
export function sigmoid(x: Tensor): Tensor {
  const one = asTensor(1);
  const y = binaryK("div", one, binaryK("add", one, unaryK("exp", unaryK("neg", x))));
  return record(y, "sigmoid", [x], (g) => [mul(g, mul(y, sub(1, y)))]);
}

/** Sign of x as −1, 0 or 1 (no gradient). */
export function sign(x: Tensor): Tensor {
  return unaryK("sign", x);
}

// ---- binary ops (broadcasting; the engine sums gradients back to each input's shape) ----

/**
 * a + b with broadcasting.
 *
 * @example
 * gw.add(gw.tensor([[1], [2]]), gw.tensor([10, 20])).toArray(); // [[11, 21], [12, 22]]
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const A = asTensor(a, "add"), B = asTensor(b, "add");
  return record(binaryK("add", A, B), "add", [A, B], (g) => [g, g]);
}

/** a − b with broadcasting. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const A = asTensor(a, "sub"), B = asTensor(b, "sub");
  return record(binaryK("sub", A, B), "sub", [A, B], (g) => [g, B.requiresGrad ? neg(g) : null]);
}

/** a · b elementwise with broadcasting. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const A = asTensor(a, "mul"), B = asTensor(b, "mul");
  return record(binaryK("mul", A, B), "mul", [A, B], (g) => [
    A.requiresGrad ? mul(g, B) : null,
    B.requiresGrad ? mul(g, A) : null,
  ]);
}

/** a / b elementwise with broadcasting. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const A = asTensor(a, "div"), B = asTensor(b, "div");
  return record(binaryK("div", A, B), "div", [A, B], (g) => [
    A.requiresGrad ? div(g, B) : null,
    B.requiresGrad ? neg(div(mul(g, A), mul(B, B))) : null,
  ]);
}

/** a ** b elementwise with broadcasting. */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const A = asTensor(a, "pow"), B = asTensor(b, "pow");
  const y = binaryK("pow", A, B);
  return record(y, "pow", [A, B], (g) => [
    A.requiresGrad ? mul(g, mul(B, binaryK("pow", A, binaryK("sub", B, asTensor(1))))) : null,
    // d/db a^b = a^b ln a, taken as 0 where a == 0 and b >= 0 (as PyTorch does)
    B.requiresGrad
      ? mul(g, where(binaryK("mul", binaryK("eq", A, asTensor(0)), binaryK("ge", B, asTensor(0))), 0, mul(y, unaryK("log", A))))
      : null,
  ]);
}

function minmax(op: "maximum" | "minimum", a: TensorLike, b: TensorLike): Tensor {
  const A = asTensor(a, op), B = asTensor(b, op);
  const y = binaryK(op, A, B);
  return record(y, op, [A, B], (g) => { // records: maximum, minimum
    // the winner takes the gradient; ties split it evenly (as PyTorch does)
    const eq = binaryK("eq", A, B);
    const half = mul(g, mul(eq, 0.5));
    const aWins = binaryK(op === "maximum" ? "gt" : "lt", A, B);
    const bWins = binaryK(op === "maximum" ? "lt" : "gt", A, B);
    return [add(mul(g, aWins), half), add(mul(g, bWins), half)];
  });
}

/** Elementwise maximum with broadcasting. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return minmax("maximum", a, b);
}

/** Elementwise minimum with broadcasting. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return minmax("minimum", a, b);
}

// ---- comparisons (0/1 masks, no gradient) ----

/** 1 where a > b, else 0. */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binaryK("gt", asTensor(a, "gt"), asTensor(b, "gt"));
/** 1 where a < b, else 0. */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binaryK("lt", asTensor(a, "lt"), asTensor(b, "lt"));
/** 1 where a >= b, else 0. */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binaryK("ge", asTensor(a, "ge"), asTensor(b, "ge"));
/** 1 where a <= b, else 0. */
export const le = (a: TensorLike, b: TensorLike): Tensor => binaryK("le", asTensor(a, "le"), asTensor(b, "le"));
/** 1 where a == b, else 0. */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binaryK("eq", asTensor(a, "eq"), asTensor(b, "eq"));
/** 1 where a != b, else 0. */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binaryK("ne", asTensor(a, "ne"), asTensor(b, "ne"));

/**
 * Elementwise choice: `a` where `cond` is non-zero, else `b` (all three broadcast together).
 *
 * @example
 * gw.where(gw.tensor([1, 0]), 5, gw.tensor([7, 8])).toArray(); // [5, 8]
 */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const C = asTensor(cond, "where"), A = asTensor(a, "where"), B = asTensor(b, "where");
  const shape = broadcastShapes(broadcastShapes(C.shape, A.shape, "where"), B.shape, "where");
  const out = uninitialized(shape, "where");
  backend().where(broadcastView(C, shape), broadcastView(A, shape), broadcastView(B, shape), out.storage);
  return record(out, "where", [C, A, B], (g) => [
    null,
    A.requiresGrad ? where(C, g, 0) : null,
    B.requiresGrad ? where(C, 0, g) : null,
  ]);
}
