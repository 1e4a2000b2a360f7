// Shape arithmetic: sizes, strides, broadcasting and dimension normalisation.

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

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
