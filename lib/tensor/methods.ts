// The Tensor methods, in one table: each is the functional op of lib/ops (or the engine's
// backward) with the tensor as its first argument, so `x.add(y)` is `add(x, y)`. The ops and the
// engine never call these methods themselves; the package entry (lib/index.ts) and the tensor
// factories (lib/tensor/create.ts) load this file, so every tensor a user sees has them.
import { Tensor } from "./tensor";
import { fmtShape } from "./shape";
import { abs, add, cos, div, eq, exp, ge, gt, le, log, lt, maximum, minimum, mul, ne, neg, pow, relu, sigmoid, sign, sin, sqrt, sub, tanh } from "../ops/elementwise";
import { argmax, argmin, logSoftmax, max, mean, min, softmax, sum, variance } from "../ops/reduce";
import { clone, contiguous, expand, flatten, flip, gather, indexSelect, permute, reshape, select, slice, squeeze, transpose, unsqueeze } from "../ops/shape";
import { matmul } from "../ops/matmul";
import { backward, type BackwardOptions } from "../autograd/engine";
import type { TensorLike } from "../ops/util";

type Dims = number | number[] | null;

declare module "./tensor" {
  interface Tensor {
    // ---- elementwise (lib/ops/elementwise.ts)
    /**
     * −x, elementwise.
     *
     * @example
     * gw.tensor([1, -2]).neg().toArray(); // [-1, 2]
     */
    neg(): Tensor;
    /**
     * eˣ, elementwise.
     *
     * @example
     * gw.tensor([0, 1]).exp().toArray(); // [1, 2.7182817]
     */
    exp(): Tensor;
    /**
     * Natural logarithm, elementwise (−Infinity at 0, NaN below).
     *
     * @example
     * gw.tensor([1, Math.E]).log().toArray(); // [0, 1]
     */
    log(): Tensor;
    /**
     * Square root, elementwise.
     *
     * @example
     * gw.tensor([4, 9]).sqrt().toArray(); // [2, 3]
     */
    sqrt(): Tensor;
    /**
     * |x|, elementwise (gradient sign(x), 0 at 0).
     *
     * @example
     * gw.tensor([-3, 2]).abs().toArray(); // [3, 2]
     */
    abs(): Tensor;
    /**
     * Hyperbolic tangent, elementwise.
     *
     * @example
     * gw.tensor([0]).tanh().toArray(); // [0]
     */
    tanh(): Tensor;
    /**
     * Sine (radians), elementwise.
     *
     * @example
     * gw.tensor([0, Math.PI / 2]).sin().toArray(); // [0, 1]
     */
    sin(): Tensor;
    /**
     * Cosine (radians), elementwise.
     *
     * @example
     * gw.tensor([0]).cos().toArray(); // [1]
     */
    cos(): Tensor;
    /**
     * max(x, 0), elementwise (gradient 0 at 0, as in PyTorch).
     *
     * @example
     * gw.tensor([-1, 2]).relu().toArray(); // [0, 2]
     */
    relu(): Tensor;
    /**
     * 1 / (1 + e⁻ˣ), elementwise.
     *
     * @example
     * gw.tensor([0]).sigmoid().toArray(); // [0.5]
     */
    sigmoid(): Tensor;
    /**
     * −1, 0 or 1 by the sign of each element (gradient 0).
     *
     * @example
     * gw.tensor([-2, 0, 3]).sign().toArray(); // [-1, 0, 1]
     */
    sign(): Tensor;
    /**
     * this + other, elementwise with broadcasting (`other` may be a number).
     *
     * @example
     * gw.tensor([[1, 2], [3, 4]]).add(gw.tensor([10, 20])).toArray(); // [[11, 22], [13, 24]]
     */
    add(other: TensorLike): Tensor;
    /**
     * this − other, elementwise with broadcasting.
     *
     * @example
     * gw.tensor([5, 7]).sub(1).toArray(); // [4, 6]
     */
    sub(other: TensorLike): Tensor;
    /**
     * this × other, elementwise with broadcasting (not a matrix product: see `matmul`).
     *
     * @example
     * gw.tensor([1, 2]).mul(gw.tensor([3, 4])).toArray(); // [3, 8]
     */
    mul(other: TensorLike): Tensor;
    /**
     * this ÷ other, elementwise with broadcasting.
     *
     * @example
     * gw.tensor([6, 8]).div(2).toArray(); // [3, 4]
     */
    div(other: TensorLike): Tensor;
    /**
     * thisᵒᵗʰᵉʳ, elementwise with broadcasting.
     *
     * @example
     * gw.tensor([2, 3]).pow(2).toArray(); // [4, 9]
     */
    pow(other: TensorLike): Tensor;
    /**
     * The larger of this and other, elementwise with broadcasting.
     *
     * @example
     * gw.tensor([1, 5]).maximum(3).toArray(); // [3, 5]
     */
    maximum(other: TensorLike): Tensor;
    /**
     * The smaller of this and other, elementwise with broadcasting.
     *
     * @example
     * gw.tensor([1, 5]).minimum(3).toArray(); // [1, 3]
     */
    minimum(other: TensorLike): Tensor;
    /**
     * 1 where this > other, else 0 (float; no gradient).
     *
     * @example
     * gw.tensor([1, 5]).gt(3).toArray(); // [0, 1]
     */
    gt(other: TensorLike): Tensor;
    /**
     * 1 where this < other, else 0 (float; no gradient).
     *
     * @example
     * gw.tensor([1, 5]).lt(3).toArray(); // [1, 0]
     */
    lt(other: TensorLike): Tensor;
    /**
     * 1 where this ≥ other, else 0 (float; no gradient).
     *
     * @example
     * gw.tensor([3, 5]).ge(5).toArray(); // [0, 1]
     */
    ge(other: TensorLike): Tensor;
    /**
     * 1 where this ≤ other, else 0 (float; no gradient).
     *
     * @example
     * gw.tensor([3, 5]).le(3).toArray(); // [1, 0]
     */
    le(other: TensorLike): Tensor;
    /**
     * 1 where this equals other, else 0 (float; no gradient).
     *
     * @example
     * gw.tensor([1, 2]).eq(gw.tensor([1, 3])).toArray(); // [1, 0]
     */
    eq(other: TensorLike): Tensor;
    /**
     * 1 where this differs from other, else 0 (float; no gradient).
     *
     * @example
     * gw.tensor([1, 2]).ne(2).toArray(); // [1, 0]
     */
    ne(other: TensorLike): Tensor;
    // ---- reductions (lib/ops/reduce.ts)
    /**
     * Sum over `dim` (a dimension, several, or all when omitted); `keepdim` keeps them with size 1.
     *
     * @example
     * gw.tensor([[1, 2], [3, 4]]).sum(1).toArray(); // [3, 7]
     */
    sum(dim?: number | number[] | null, keepdim?: boolean): Tensor;
    /**
     * Mean over `dim` (all elements when omitted).
     *
     * @example
     * gw.tensor([[1, 2], [3, 4]]).mean(0).toArray(); // [2, 3]
     */
    mean(dim?: number | number[] | null, keepdim?: boolean): Tensor;
    /**
     * Largest value over `dim` (all elements when omitted); the gradient goes to the maxima. For positions see `argmax`.
     *
     * @example
     * gw.tensor([[1, 5], [7, 2]]).max(1).toArray(); // [5, 7]
     */
    max(dim?: number | number[] | null, keepdim?: boolean): Tensor;
    /**
     * Smallest value over `dim` (all elements when omitted).
     *
     * @example
     * gw.tensor([[1, 5], [7, 2]]).min(1).toArray(); // [1, 2]
     */
    min(dim?: number | number[] | null, keepdim?: boolean): Tensor;
    /**
     * Index of the largest value along `dim` (of the flattened tensor when omitted), as floats; first one on ties.
     *
     * @example
     * gw.tensor([[1, 5], [7, 2]]).argmax(1).toArray(); // [1, 0]
     */
    argmax(dim?: number, keepdim?: boolean): Tensor;
    /**
     * Index of the smallest value along `dim` (of the flattened tensor when omitted).
     *
     * @example
     * gw.tensor([[1, 5], [7, 2]]).argmin(1).toArray(); // [0, 1]
     */
    argmin(dim?: number, keepdim?: boolean): Tensor;
    /**
     * Variance over `dim` with Bessel's correction by default (`{ correction: 0 }` for the population variance).
     *
     * @example
     * gw.tensor([1, 2, 3, 4]).var().item(); // 1.6666666
     */
    var(dim?: number | number[] | null, keepdim?: boolean, opts?: { correction?: number }): Tensor;
    /**
     * eˣ / Σ eˣ along `dim` (computed stably): each slice sums to 1.
     *
     * @example
     * gw.tensor([[1, 2, 3]]).softmax(1).sum(1).toArray(); // [1]
     */
    softmax(dim: number): Tensor;
    /**
     * log(softmax(x)) along `dim`, computed stably (use it with `F.nllLoss`).
     *
     * @example
     * gw.tensor([[0, 0]]).logSoftmax(1).toArray(); // [[-0.6931472, -0.6931472]]
     */
    logSoftmax(dim: number): Tensor;
    // ---- shape and indexing (lib/ops/shape.ts)
    /**
     * This tensor with its elements laid out densely in row-major order (itself when already so).
     *
     * @example
     * gw.tensor([[1, 2], [3, 4]]).T.contiguous().isContiguous(); // true
     */
    contiguous(): Tensor;
    /**
     * A copy with its own storage (gradients flow back to this tensor).
     *
     * @example
     * gw.tensor([1, 2]).clone().toArray(); // [1, 2], in new storage
     */
    clone(): Tensor;
    /**
     * The same elements in a new shape (a view when possible); one dimension may be −1 (inferred).
     *
     * @example
     * gw.arange(6).reshape(2, -1).shape; // [2, 3]
     */
    reshape(...shape: number[] | [readonly number[]]): Tensor;
    /**
     * Same as `reshape` (PyTorch's name).
     *
     * @example
     * gw.arange(6).view([3, 2]).shape; // [3, 2]
     */
    view(...shape: number[] | [readonly number[]]): Tensor;
    /**
     * Swap two dimensions (a view, no copy).
     *
     * @example
     * gw.zeros([2, 3, 4]).transpose(0, 2).shape; // [4, 3, 2]
     */
    transpose(d0: number, d1: number): Tensor;
    /** The transpose of a 2-D tensor. */
    readonly T: Tensor;
    /**
     * Reorder all dimensions (a view): dimension i of the result is dimension dims[i] of this.
     *
     * @example
     * gw.zeros([2, 3, 4]).permute(2, 0, 1).shape; // [4, 2, 3]
     */
    permute(...dims: number[] | [readonly number[]]): Tensor;
    /**
     * Drop dimension `dim` if its size is 1 (every size-1 dimension when omitted).
     *
     * @example
     * gw.zeros([1, 3, 1]).squeeze().shape; // [3]
     */
    squeeze(dim?: number): Tensor;
    /**
     * Insert a dimension of size 1 at `dim` (negative counts from the end).
     *
     * @example
     * gw.zeros([3]).unsqueeze(0).shape; // [1, 3]
     */
    unsqueeze(dim: number): Tensor;
    /**
     * Broadcast size-1 dimensions to `shape` without copying (−1 keeps a size).
     *
     * @example
     * gw.tensor([[1], [2]]).expand(2, 3).toArray(); // [[1, 1, 1], [2, 2, 2]]
     */
    expand(...shape: number[] | [readonly number[]]): Tensor;
    /**
     * Merge dimensions startDim..endDim (all by default) into one.
     *
     * @example
     * gw.zeros([8, 3, 4, 4]).flatten(1).shape; // [8, 48]
     */
    flatten(startDim?: number, endDim?: number): Tensor;
    /**
     * The slice at `index` along `dim`, with that dimension removed (a view).
     *
     * @example
     * gw.tensor([[1, 2], [3, 4]]).select(0, 1).toArray(); // [3, 4]
     */
    select(dim: number, index: number): Tensor;
    /**
     * Elements start..end (exclusive, negatives count from the end) every `step` along `dim` (a view).
     *
     * @example
     * gw.arange(6).slice(0, 1, 5, 2).toArray(); // [1, 3]
     */
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    /**
     * out[i][j] = this[i][index[i][j]] along `dim` (as PyTorch's gather): e.g. each row's score for its label.
     *
     * @example
     * gw.tensor([[1, 2], [3, 4]]).gather(1, gw.tensor([[1], [0]])).toArray(); // [[2], [3]]
     */
    gather(dim: number, index: Tensor): Tensor;
    /**
     * The slices at the listed indices along `dim`, in that order (a copy).
     *
     * @example
     * gw.tensor([[1, 2], [3, 4]]).indexSelect(0, [1, 1]).toArray(); // [[3, 4], [3, 4]]
     */
    indexSelect(dim: number, index: Tensor | readonly number[]): Tensor;
    // ---- shape and indexing (lib/ops/shape.ts)
    /**
     * Reverse the order of elements along `dims` (a copy).
     *
     * @example
     * gw.tensor([[1, 2], [3, 4]]).flip([0, 1]).toArray(); // [[4, 3], [2, 1]]
     */
    flip(dims: number | readonly number[]): Tensor;
    // ---- matrix product (lib/ops/matmul.ts)
    /**
     * Matrix product: [n, k] × [k, m] → [n, m]; 1-D operands act as vectors, and leading dimensions broadcast as batches.
     *
     * @example
     * gw.tensor([[1, 2], [3, 4]]).matmul(gw.tensor([[1], [1]])).toArray(); // [[3], [7]]
     */
    matmul(other: Tensor): Tensor;
    // ---- autodiff (lib/autograd/engine.ts)
    /**
     * Backpropagate from this tensor, accumulating into the `.grad` of every leaf that requires grad.
     *
     * @example
     * const x = gw.tensor(3, { requiresGrad: true });
     * x.mul(x).backward();
     * x.grad!.item(); // 6
     */
    backward(grad?: Tensor | number, opts?: BackwardOptions): void;
  }
}

/** `f(5)`, `f(2, 3)` and `f([2, 3])` all name a shape. */
function asShape(args: (number | readonly number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as number[])] : (args as number[]);
}

const methods: ThisType<Tensor> & Record<string, unknown> = {
  // elementwise
  neg() { return neg(this); },
  exp() { return exp(this); },
  log() { return log(this); },
  sqrt() { return sqrt(this); },
  abs() { return abs(this); },
  tanh() { return tanh(this); },
  sin() { return sin(this); },
  cos() { return cos(this); },
  relu() { return relu(this); },
  sigmoid() { return sigmoid(this); },
  sign() { return sign(this); },
  add(other: TensorLike) { return add(this, other); },
  sub(other: TensorLike) { return sub(this, other); },
  mul(other: TensorLike) { return mul(this, other); },
  div(other: TensorLike) { return div(this, other); },
  pow(other: TensorLike) { return pow(this, other); },
  maximum(other: TensorLike) { return maximum(this, other); },
  minimum(other: TensorLike) { return minimum(this, other); },
  gt(other: TensorLike) { return gt(this, other); },
  lt(other: TensorLike) { return lt(this, other); },
  ge(other: TensorLike) { return ge(this, other); },
  le(other: TensorLike) { return le(this, other); },
  eq(other: TensorLike) { return eq(this, other); },
  ne(other: TensorLike) { return ne(this, other); },
  // reductions
  sum(dim?: Dims, keepdim?: boolean) { return sum(this, dim, keepdim); },
  mean(dim?: Dims, keepdim?: boolean) { return mean(this, dim, keepdim); },
  max(dim?: Dims, keepdim?: boolean) { return max(this, dim, keepdim); },
  min(dim?: Dims, keepdim?: boolean) { return min(this, dim, keepdim); },
  argmax(dim?: number, keepdim?: boolean) { return argmax(this, dim, keepdim); },
  argmin(dim?: number, keepdim?: boolean) { return argmin(this, dim, keepdim); },
  var(dim?: Dims, keepdim?: boolean, opts?: { correction?: number }) { return variance(this, dim, keepdim, opts); },
  softmax(dim: number) { return softmax(this, dim); },
  logSoftmax(dim: number) { return logSoftmax(this, dim); },
  // shape and indexing
  contiguous() { return contiguous(this); },
  clone() { return clone(this); },
  reshape(...shape: (number | readonly number[])[]) { return reshape(this, asShape(shape)); },
  view(...shape: (number | readonly number[])[]) { return reshape(this, asShape(shape)); },
  transpose(d0: number, d1: number) { return transpose(this, d0, d1); },
  get T() {
    if (this.ndim !== 2) throw new Error(`.T needs a 2-D tensor, got shape ${fmtShape(this.shape)} (use permute or transpose)`);
    return transpose(this, 0, 1);
  },
  permute(...dims: (number | readonly number[])[]) { return permute(this, asShape(dims)); },
  squeeze(dim?: number) { return squeeze(this, dim); },
  unsqueeze(dim: number) { return unsqueeze(this, dim); },
  expand(...shape: (number | readonly number[])[]) { return expand(this, asShape(shape)); },
  flatten(startDim?: number, endDim?: number) { return flatten(this, startDim, endDim); },
  select(dim: number, index: number) { return select(this, dim, index); },
  slice(dim: number, start?: number, end?: number, step?: number) { return slice(this, dim, start, end, step); },
  gather(dim: number, index: Tensor) { return gather(this, dim, index); },
  indexSelect(dim: number, index: Tensor | readonly number[]) { return indexSelect(this, dim, index); },
  flip(dims: number | readonly number[]) { return flip(this, dims); },
  // matrix product
  matmul(other: Tensor) { return matmul(this, other); },
  // autodiff
  backward(grad?: Tensor | number, opts?: BackwardOptions) { backward(this, grad, opts); },
};

// methods (and the T getter) as non-enumerable properties, like those of a class
for (const [name, desc] of Object.entries(Object.getOwnPropertyDescriptors(methods))) {
  Object.defineProperty(Tensor.prototype, name, { ...desc, enumerable: false });
}
