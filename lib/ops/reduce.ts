// Reductions (sum, mean, max, min, argmax, argmin, var) and softmax / logSoftmax.
import { backend } from "../backend";
import type { ReduceOp } from "../backend";
import { record } from "../autograd/record";
import { noGrad } from "../autograd/grad-mode";
import { Tensor } from "../tensor/tensor";
import { fmtShape, normDim, numel } from "../tensor/shape";
import { div, eq, exp, log, mul, sub } from "./elementwise";
import { empty } from "./util";
import { contiguous, expand, reshape } from "./shape";

type Dims = number | number[] | undefined | null;

/** Sorted, de-duplicated, non-negative dims (all dims when `dim` is omitted). */
export function normDims(dim: Dims, ndim: number, what: string): number[] {
  // an empty list reduces over every dim, as in PyTorch
  if (dim === undefined || dim === null || (Array.isArray(dim) && dim.length === 0)) return Array.from({ length: ndim }, (_, i) => i);
  const list = (Array.isArray(dim) ? dim : [dim]).map((d) => normDim(d, ndim, `${what}: dim`));
  const set = [...new Set(list)].sort((a, b) => a - b);
  if (set.length !== list.length) throw new Error(`${what}: dim ${JSON.stringify(dim)} repeats a dimension`);
  return ndim === 0 ? [] : set; // a 0-d tensor accepts dim 0 / -1 (as PyTorch) and has nothing to reduce
}

function keptShape(shape: readonly number[], dims: number[]): number[] {
  return shape.map((s, d) => (dims.includes(d) ? 1 : s));
}

function outShape(shape: readonly number[], dims: number[], keepdim: boolean): number[] {
  return keepdim ? keptShape(shape, dims) : shape.filter((_, d) => !dims.includes(d));
}

/** Internal: reduce over `dims` with a kernel, no autograd. Result has the keepdim shape. */
export function reduceK(op: ReduceOp, x: Tensor, dims: number[]): Tensor {
  if (dims.length === 0) {
    // nothing to reduce (a 0-d tensor): still a fresh tensor, never `x` itself (the op records a gradFn on it)
    const out = empty(x.shape);
    backend().unary("copy", x.kernelView(), out.storage);
    return out;
  }
  let cur = contiguous(x);
  let shape = [...x.shape];
  // adjacent dims are reduced in one pass (one sweep over the data)
  const merge = op === "sum" || op === "max" || op === "min";
  for (let i = dims.length - 1; i >= 0; i--) {
    const last = dims[i];
    while (merge && i > 0 && dims[i - 1] === dims[i] - 1) i--;
    const d = dims[i];
    const outer = numel(shape.slice(0, d)), size = numel(shape.slice(d, last + 1)), inner = numel(shape.slice(last + 1));
    for (let e = d; e <= last; e++) {
      if (shape[e] === 0 && op !== "sum") throw new Error(`${op}: cannot reduce over an empty dimension ${e} of shape ${fmtShape(x.shape)}`);
    }
    const next = [...shape];
    for (let e = d; e <= last; e++) next[e] = 1;
    const out = empty(next);
    backend().reduce(op, cur.readData(), outer, size, inner, out.storage);
    cur = out;
    shape = next;
  }
  return cur;
}

/**
 * Sum over `dim` (a dim, a list of dims, or all when omitted).
 *
 * @example
 * gw.tensor([[1, 2], [3, 4]]).sum(1).toArray(); // [3, 7]
 */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normDims(dim, x.ndim, "sum");
  const kept = reduceK("sum", x, dims);
  const y = keepdim ? kept : reshape(kept, outShape(x.shape, dims, false));
  return record(y, "sum", [x], (g) => [expand(reshape(g, keptShape(x.shape, dims)), x.shape)]);
}

/** Mean over `dim` (all when omitted). */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normDims(dim, x.ndim, "mean");
  const count = dims.reduce((n, d) => n * x.shape[d], 1);
  return div(sum(x, dims, keepdim), count);
}

function extreme(op: "max" | "min", x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const dims = normDims(dim, x.ndim, op);
  if (x.numel === 0) throw new Error(`${op}: cannot reduce an empty tensor of shape ${fmtShape(x.shape)}`);
  const kept = reduceK(op, x, dims);
  const y = keepdim ? kept : reshape(kept, outShape(x.shape, dims, false));
  return record(y, op, [x], (g) => { // records: max, min
    // the gradient goes to the extreme element(s), split evenly between ties
    const mask = eq(x, kept);
    const count = reduceK("sum", mask, dims);
    return [mul(reshape(g, keptShape(x.shape, dims)), div(mask, count))];
  });
}

/**
 * Maximum values over `dim` (all when omitted). Ties share the gradient evenly.
 *
 * @example
 * gw.tensor([[1, 5], [7, 2]]).max(1).toArray(); // [5, 7]
 */
export function max(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extreme("max", x, dim, keepdim);
}

/** Minimum values over `dim` (all when omitted). */
export function min(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extreme("min", x, dim, keepdim);
}

function argExtreme(op: "argmax" | "argmin", x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  if (x.numel === 0) throw new Error(`${op}: empty tensor of shape ${fmtShape(x.shape)}`);
  if (dim === undefined) return reshape(reduceK(op, reshape(x, [x.numel]), [0]), keepdim ? x.shape.map(() => 1) : []);
  const d = normDim(dim, x.ndim, `${op}: dim`);
  const kept = reduceK(op, x, [d]);
  return keepdim ? kept : reshape(kept, outShape(x.shape, [d], false));
}

/**
 * Index of the maximum along `dim` (of the flattened tensor when omitted); first one on ties.
 *
 * @example
 * gw.tensor([[1, 5], [7, 2]]).argmax(1).toArray(); // [1, 0]
 */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtreme("argmax", x, dim, keepdim);
}

/** Index of the minimum along `dim` (of the flattened tensor when omitted). */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtreme("argmin", x, dim, keepdim);
}

/**
 * Variance over `dim` with Bessel's correction by default (`correction: 0` for the biased one).
 *
 * @example
 * gw.tensor([1, 2, 3, 4]).var().item(); // 1.6667
 */
export function variance(x: Tensor, dim?: Dims, keepdim = false, opts: { correction?: number } = {}): Tensor {
  const dims = normDims(dim, x.ndim, "var");
  const count = dims.reduce((n, d) => n * x.shape[d], 1);
  const correction = opts.correction ?? 1;
  const centered = sub(x, mean(x, dims, true));
  return div(sum(mul(centered, centered), dims, keepdim), Math.max(count - correction, 0));
}

/**
 * Softmax along `dim`, numerically stable (the row maximum is subtracted first).
 *
 * @example
 * gw.tensor([3, 0, 1]).softmax(0).toArray(); // ≈ [0.844, 0.042, 0.114]
 */
export function softmax(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim, "softmax: dim");
  // forward without recording: the op's own backward below replaces the intermediate graph
  const y = noGrad(() => {
    const e = exp(sub(x, reduceK("max", x, [d])));
    return div(e, reduceK("sum", e, [d]));
  });
  return record(y, "softmax", [x], (g) => [mul(y, sub(g, reduceK("sum", mul(g, y), [d])))]);
}

/**
 * log(softmax(x)) along `dim`, computed stably as x − max − log Σ exp(x − max).
 *
 * @example
 * gw.tensor([1, 2, 3]).logSoftmax(0).exp().sum().item(); // 1
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim, "logSoftmax: dim");
  const y = noGrad(() => {
    const z = sub(x, reduceK("max", x, [d]));
    return sub(z, log(reduceK("sum", exp(z), [d])));
  });
  return record(y, "logSoftmax", [x], (g) => [sub(g, mul(exp(y), reduceK("sum", g, [d])))]);
}
