// Shape arithmetic: sizes, strides, broadcasting, dimension normalisation and size limits.
import { constants as bufferConstants } from "node:buffer";
import { numel } from "../common";

export type Shape = readonly number[];

export { numel };

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** NumPy broadcasting of two shapes; throws naming both shapes when they are incompatible. */
export function broadcastShapes(a: Shape, b: Shape, what = "broadcast"): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${what}: shapes ${fmtShape(a)} and ${fmtShape(b)} are not broadcastable (dimension ${i - n}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalises a possibly negative dimension index for a tensor of `ndim` dimensions. */
export function normDim(dim: number, ndim: number, what = "dim"): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new Error(`${what} ${dim} is out of range for a tensor with ${ndim} dimension(s) (expected -${n}..${n - 1})`);
  }
  return dim < 0 ? dim + n : dim;
}

/** Resolves a single -1 in a requested shape against a total element count. */
export function inferShape(shape: Shape, total: number, from: Shape): number[] {
  const out = [...shape];
  const neg = out.indexOf(-1);
  if (out.some((s, i) => !Number.isInteger(s) || s < -1 || (s === -1 && i !== neg))) {
    throw new Error(`reshape: invalid shape ${fmtShape(shape)} (sizes must be non-negative integers, at most one -1)`);
  }
  if (neg >= 0) {
    const rest = numel(out.filter((_, i) => i !== neg));
    if (rest === 0 || total % rest !== 0) {
      throw new Error(`reshape: cannot reshape tensor of shape ${fmtShape(from)} (${total} elements) into ${fmtShape(shape)}`);
    }
    out[neg] = total / rest;
  }
  if (numel(out) !== total) {
    throw new Error(`reshape: cannot reshape tensor of shape ${fmtShape(from)} (${total} elements) into ${fmtShape(shape)} (${numel(out)} elements)`);
  }
  return out;
}

/**
 * The most elements one tensor may hold: a float32 buffer must fit in one JavaScript
 * ArrayBuffer (Node 20 allows 4 GiB = 2^30 floats; newer engines more) and element indices
 * must fit in a signed 32-bit integer for the kernels (2^31 − 1).
 */
export const MAX_TENSOR_ELEMENTS: number = (() => {
  return Math.min(2 ** 31 - 1, Math.floor(Number(bufferConstants.MAX_LENGTH) / 4));
})();

/**
 * Throws an error naming `what` (the op or layer), the shape and the limit when a tensor of
 * `shape` cannot be allocated; returns its element count otherwise.
 *
 * @example
 * checkTensorSize([1e6, 1e4], "randn"); // throws: randn: shape [1000000, 10000] has 1e10 elements …
 */
export function checkTensorSize(shape: Shape, what: string): number {
  const n = numel(shape);
  if (n > MAX_TENSOR_ELEMENTS) {
    throw new RangeError(
      `${what}: shape ${fmtShape(shape)} has ${fmtCount(n)} elements, more than the limit of ${fmtCount(MAX_TENSOR_ELEMENTS)} elements (${fmtBytes(MAX_TENSOR_ELEMENTS * 4)} of float32) for one tensor`,
    );
  }
  return n;
}

/**
 * Allocates storage for `shape` with `alloc`, turning a failed allocation (out of memory) into
 * an error naming `what`, the shape and its size in bytes.
 *
 * @example
 * const storage = allocChecked([2, 3], "zeros", (n) => new Float32Array(n)); // 6 floats
 */
export function allocChecked(shape: Shape, what: string, alloc: (n: number) => Float32Array): Float32Array {
  const n = checkTensorSize(shape, what);
  try {
    return alloc(n);
  } catch (err) {
    if (err instanceof RangeError) {
      throw new RangeError(`${what}: cannot allocate a tensor of shape ${fmtShape(shape)} (${fmtBytes(n * 4)} of float32): ${err.message}`);
    }
    throw err;
  }
}

function fmtCount(n: number): string {
  return n >= 1e7 ? n.toExponential(3).replace(/\.?0+e/, "e").replace("e+", "e") : n.toLocaleString("en-US");
}

function fmtBytes(b: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return `${i === 0 ? b : b.toFixed(1)} ${units[i]}`;
}
