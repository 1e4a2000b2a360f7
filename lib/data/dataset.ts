// Datasets: anything with a length and an indexed `get`, like torch.utils.data.Dataset.
import { Tensor } from "../tensor/tensor";
import { fmtShape } from "../tensor/shape";

/**
 * A collection of samples. Subclass it and implement `length` and `get(i)`; a `DataLoader`
 * turns it into shuffled mini-batches.
 *
 * @example
 * class Squares extends gw.data.Dataset<[number, number]> {
 *   get length() { return 100; }
 *   get(i: number): [number, number] { return [i, i * i]; }
 * }
 */
export abstract class Dataset<T = unknown> {
  abstract get length(): number;
  abstract get(i: number): T;

  /** Internal: throws a clear error for an index outside [0, length). */
  protected checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`${this.constructor.name}.get(${i}): index out of range for a dataset of length ${this.length}`);
    }
  }
}

/**
 * Samples are rows of the given tensors (all with the same first dimension), like PyTorch's
 * TensorDataset: `get(i)` returns `[x[i], y[i], …]`.
 *
 * @example
 * const ds = new gw.data.TensorDataset(gw.randn([100, 2]), gw.randint(0, 2, [100]));
 * const [x0, y0] = ds.get(0); // x0 shape [2], y0 shape []
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  private flat: (Float32Array | undefined)[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new Error("TensorDataset: give at least one tensor");
    const n = tensors[0].shape[0];
    for (const t of tensors) {
      if (!(t instanceof Tensor)) throw new TypeError("TensorDataset: every argument must be a Tensor");
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new Error(`TensorDataset: all tensors need the same first dimension; got shapes ${tensors.map((x) => fmtShape(x.shape)).join(", ")}`);
      }
    }
    this.tensors = tensors;
    this.flat = tensors.map(() => undefined);
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(i: number): Tensor[] {
    this.checkIndex(i);
    return this.gather([i]).map((t) => new Tensor(t.storage, t.shape.slice(1)));
  }

  /** Rows `indices` of every tensor, as new contiguous tensors [indices.length, ...]. */
  gather(indices: ArrayLike<number>): Tensor[] {
    return this.tensors.map((t, k) => {
      const data = (this.flat[k] ??= t.toFloat32Array());
      const row = t.numel / t.shape[0];
      const out = new Float32Array(indices.length * row);
      for (let b = 0; b < indices.length; b++) out.set(data.subarray(indices[b] * row, (indices[b] + 1) * row), b * row);
      return new Tensor(out, [indices.length, ...t.shape.slice(1)]);
    });
  }
}

/**
 * The samples of `dataset` at `indices` (e.g. a validation split).
 *
 * @example
 * const val = new gw.data.Subset(train, Array.from({ length: 5000 }, (_, i) => 45000 + i));
 */
export class Subset<T> extends Dataset<T> {
  constructor(
    readonly dataset: Dataset<T>,
    readonly indices: number[],
  ) {
    super();
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= dataset.length) {
        throw new RangeError(`Subset: index ${i} is out of range for a dataset of length ${dataset.length}`);
      }
    }
  }

  get length(): number {
    return this.indices.length;
  }

  get(i: number): T {
    this.checkIndex(i);
    return this.dataset.get(this.indices[i]);
  }
}
