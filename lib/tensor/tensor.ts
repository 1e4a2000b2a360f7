// The Tensor class: float32 storage + shape/strides/offset, and its autodiff fields.
// Operations are attached to the prototype by the files in lib/ops/ (each op with its backward).
import { backend } from "../backend";
import type { View } from "../backend";
import { contiguousStrides, fmtShape, numel } from "./shape";
import { formatTensor } from "./format";
import { tensorBundle } from "../notebook/display";

/** A number, or arrays of arrays … of numbers: what `toArray()` returns (depth = the tensor's rank). */
export type NestedNumbers = number | NestedNumbers[];

/** The ranks `toArray(rank)` takes: a tensor with more dimensions is read with `toArray()`. */
export type ArrayRank = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** Numbers nested `R` levels deep: `ArrayOfRank<0>` is `number`, `ArrayOfRank<2>` is `number[][]`. */
export type ArrayOfRank<R extends ArrayRank> = [number, number[], number[][], number[][][], number[][][][], number[][][][][], number[][][][][][]][R];

const MAX_ARRAY_RANK = 6;

/** Throws unless a tensor of `shape` has rank `rank` (the check behind `toArray(rank)`). */
function checkRank(rank: unknown, shape: readonly number[]): void {
  if (typeof rank !== "number" || !Number.isInteger(rank) || rank < 0 || rank > MAX_ARRAY_RANK) {
    throw new Error(`toArray(rank): rank must be an integer from 0 to ${MAX_ARRAY_RANK}, got ${String(rank)}; call toArray() with no argument for any rank`);
  }
  if (rank !== shape.length) {
    throw new Error(
      `toArray(${rank}): expected a ${rank}-D tensor, but this one is ${shape.length}-D (shape ${fmtShape(shape)}); ` +
        `call toArray(${shape.length <= MAX_ARRAY_RANK ? shape.length : ""}) or reshape it first`,
    );
  }
}

/** The record of how a tensor was computed, for the backward pass. */
export interface GradFn {
  /** Op name, shown in errors and `toString()`. */
  readonly name: string;
  /** The op's tensor inputs (gradients flow to those that require grad). */
  readonly inputs: readonly Tensor[];
  /** Gradients for each input given the output gradient; null once the saved values were freed. */
  backward: ((grad: Tensor) => (Tensor | null)[]) | null;
}

export class Tensor {
  /** The underlying float32 storage, shared between views (read it with `toFloat32Array()`, which copies). */
  readonly storage: Float32Array;
  /** Where this tensor's first element sits in `storage` (non-zero for some views). */
  readonly offset: number;
  /**
   * The size of each dimension.
   *
   * @example
   * gw.zeros([2, 3]).shape; // [2, 3]
   */
  readonly shape: number[];
  /**
   * How far apart (in elements of `storage`) consecutive indices of each dimension are.
   *
   * @example
   * gw.zeros([2, 3]).strides; // [3, 1]
   */
  readonly strides: number[];
  /**
   * When true, `backward()` computes a gradient for this tensor (set it on leaves you want to train).
   *
   * @example
   * const w = gw.randn([3]); w.requiresGrad = true;
   */
  requiresGrad: boolean;
  /**
   * The gradient accumulated by `backward()` (leaves that require grad), or null.
   *
   * @example
   * const x = gw.tensor([1, 2], { requiresGrad: true }); x.sum().backward(); x.grad!.toArray(); // [1, 1]
   */
  grad: Tensor | null = null;
  /** How this tensor was computed (the op and its inputs), or null for leaves; `toString()` shows its name. */
  gradFn: GradFn | null = null;

  /** Internal: wrap storage. Use `gw.tensor(...)` to create tensors. */
  constructor(storage: Float32Array, shape: readonly number[], strides?: readonly number[], offset = 0, requiresGrad = false) {
    this.storage = storage;
    this.shape = [...shape];
    this.strides = strides ? [...strides] : contiguousStrides(shape);
    this.offset = offset;
    this.requiresGrad = requiresGrad;
  }

  /**
   * Number of elements.
   *
   * @example
   * gw.zeros([2, 3]).numel; // 6
   */
  get numel(): number {
    return numel(this.shape);
  }

  /**
   * Number of dimensions.
   *
   * @example
   * gw.zeros([2, 3]).ndim; // 2
   */
  get ndim(): number {
    return this.shape.length;
  }

  /**
   * The element type: always "float32".
   *
   * @example
   * gw.zeros([2]).dtype; // "float32"
   */
  get dtype(): "float32" {
    return "float32";
  }

  /**
   * True for tensors created by the user (not by an op): only leaves get `.grad`.
   *
   * @example
   * gw.tensor([1], { requiresGrad: true }).mul(2).isLeaf; // false
   */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /**
   * Internal: this tensor as a kernel's strided input (storage, offset, shape, strides).
   *
   * @example
   * backend().unary("exp", x.kernelView(), out.storage);
   */
  kernelView(): View {
    return { data: this.storage, offset: this.offset, shape: this.shape, strides: this.strides };
  }

  /**
   * True when the elements are laid out densely in row-major order from `offset`.
   *
   * @example
   * gw.zeros([2, 3]).T.isContiguous(); // false
   */
  isContiguous(): boolean {
    let expected = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.strides[d] !== expected) return false;
      expected *= this.shape[d];
    }
    return true;
  }

  /**
   * The elements as a new contiguous Float32Array in row-major order (a copy).
   *
   * @example
   * gw.tensor([[1, 2], [3, 4]]).transpose(0, 1).toFloat32Array(); // Float32Array [1, 3, 2, 4]
   */
  toFloat32Array(): Float32Array {
    const n = this.numel;
    if (this.isContiguous()) return this.storage.slice(this.offset, this.offset + n);
    const out = new Float32Array(n);
    backend().unary("copy", this.kernelView(), out);
    return out;
  }

  /**
   * Internal: the elements in row-major order, for reading only — the storage itself (or a
   * subarray of it) when the tensor is contiguous, else a copy. Never write into it.
   *
   * @example
   * backend().reduce("sum", x.readData(), 1, x.numel, 1, out.storage);
   */
  readData(): Float32Array {
    if (this.isContiguous()) {
      const n = this.numel;
      return this.offset === 0 && this.storage.length === n ? this.storage : this.storage.subarray(this.offset, this.offset + n);
    }
    return this.toFloat32Array();
  }

  /**
   * The value of a one-element tensor as a number.
   *
   * @example
   * gw.tensor([[3]]).item(); // 3
   */
  item(): number {
    if (this.numel !== 1) {
      throw new Error(`item(): only one-element tensors can be converted to a number, got shape ${fmtShape(this.shape)} (${this.numel} elements)`);
    }
    return this.storage[this.offset];
  }

  /**
   * The elements as nested arrays of numbers, one level per dimension (a number for a 0-d tensor) —
   * a copy, like PyTorch's `tolist()`. Typed `NestedNumbers`, as the rank of a tensor is only known
   * when the code runs: give the rank you expect, `toArray(2)`, to get `number[][]` (checked then).
   *
   * @example
   * gw.tensor([[1, 2], [3, 4]]).toArray(); // [[1, 2], [3, 4]] (typed NestedNumbers: print it, compare it)
   */
  toArray(): NestedNumbers;
  /**
   * The elements as nested arrays `rank` levels deep, typed to match: `toArray(1)` is `number[]`,
   * `toArray(2)` is `number[][]`, `toArray(0)` is `number`. Throws when the tensor has another
   * rank (reshape it first, or call `toArray()` for any rank).
   *
   * @example
   * const rows = gw.tensor([[1, 2], [3, 4]]).toArray(2); // number[][]: rows[0][1] === 2
   * const xs = gw.linspace(0, 1, 3).toArray(1); // number[]: [0, 0.5, 1]
   */
  toArray<R extends ArrayRank>(rank: R): ArrayOfRank<R>;
  toArray(rank?: ArrayRank): NestedNumbers {
    if (rank !== undefined) checkRank(rank, this.shape);
    const data = this.toFloat32Array();
    if (this.shape.length === 0) return data[0];
    let pos = 0;
    const build = (d: number): NestedNumbers[] => {
      const out: NestedNumbers[] = [];
      for (let i = 0; i < this.shape[d]; i++) out.push(d === this.shape.length - 1 ? data[pos++] : build(d + 1));
      return out;
    };
    return build(0);
  }

  /**
   * A readable print like PyTorch's (values, shape, and the op that made it).
   *
   * @example
   * console.log(gw.tensor([1, 2]).toString()); // tensor([1., 2.])
   */
  toString(): string {
    return formatTensor(this);
  }

  /** What `console.log(t)` and a notebook cell print: `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** A notebook shows a cell's tensor value with this (HTML table, summary or image; see lib/notebook/display.ts). */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return tensorBundle(this);
  }

  /**
   * A tensor sharing this one's data but cut from the graph (no gradient flows through it).
   *
   * @example
   * const y = x.mul(2).detach(); // y.requiresGrad === false
   */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset, false);
  }

  /**
   * Forget the accumulated gradient (sets `grad` to null).
   *
   * @example
   * w.zeroGrad(); // before the next backward(), unless you want gradients to add up
   */
  zeroGrad(): void {
    this.grad = null;
  }

  /** Internal: overwrite this tensor's elements with `src`'s (same shape), outside autograd. */
  copy_(src: Tensor): this {
    if (src.numel !== this.numel) {
      throw new Error(`copy_: shape ${fmtShape(src.shape)} does not match ${fmtShape(this.shape)}`);
    }
    if (!this.isContiguous()) throw new Error("copy_: destination must be contiguous");
    this.storage.set(src.readData(), this.offset);
    return this;
  }
}
