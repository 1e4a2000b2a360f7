// Shape and indexing ops: views that share storage (reshape, transpose, permute, expand, select,
// slice, …) and copies (contiguous, cat, stack, gather, indexSelect), each with its backward.
import { backend } from "../backend";
import { record } from "../autograd/record";
import { Tensor } from "../tensor/tensor";
import { contiguousStrides, fmtShape, inferShape, normDim, numel } from "../tensor/shape";
import { empty, uninitialized } from "./util";

/** Internal: a view of `x`'s storage with new geometry. */
function viewOf(x: Tensor, shape: number[], strides: number[], offset = x.offset): Tensor {
  return new Tensor(x.storage, shape, strides, offset);
}

/**
 * A contiguous copy when the tensor is not already contiguous (else the tensor itself).
 *
 * @example
 * const t = gw.tensor([[1, 2], [3, 4]]).transpose(0, 1).contiguous();
 */
export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous()) return x;
  const out = uninitialized(x.shape, "contiguous");
  backend().unary("copy", x.kernelView(), out.storage);
  return record(out, "contiguous", [x], (g) => [g]);
}

/** A copy with its own storage (gradient flows back to `x`). */
export function clone(x: Tensor): Tensor {
  const out = uninitialized(x.shape);
  backend().unary("copy", x.kernelView(), out.storage);
  return record(out, "clone", [x], (g) => [g]);
}

/**
 * Same elements in a new shape (one size may be −1). A view when the tensor is contiguous.
 *
 * @example
 * gw.arange(6).reshape([2, 3]).shape; // [2, 3]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(shape, x.numel, x.shape);
  const src = x.isContiguous() ? x : contiguous(x);
  const y = viewOf(src, target, contiguousStrides(target), src.offset);
  return record(y, "reshape", [src], (g) => [reshape(g, src.shape)]);
}

/**
 * Swap two dimensions (a view).
 *
 * @example
 * gw.zeros([2, 3]).transpose(0, 1).shape; // [3, 2]
 */
export function transpose(x: Tensor, d0: number, d1: number): Tensor {
  const perm = x.shape.map((_, i) => i);
  const a = normDim(d0, x.ndim, "transpose: dim0"), b = normDim(d1, x.ndim, "transpose: dim1");
  if (x.ndim === 0) return x;
  [perm[a], perm[b]] = [perm[b], perm[a]];
  return permute(x, perm);
}

/**
 * Reorder dimensions (a view).
 *
 * @example
 * gw.zeros([2, 3, 4]).permute([2, 0, 1]).shape; // [4, 2, 3]
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) throw new Error(`permute: got ${dims.length} dims ${JSON.stringify(dims)} for a tensor of shape ${fmtShape(x.shape)}`);
  const p = dims.map((d) => normDim(d, x.ndim, "permute: dim"));
  if (new Set(p).size !== p.length) throw new Error(`permute: dims ${JSON.stringify(dims)} repeat a dimension`);
  const y = viewOf(x, p.map((d) => x.shape[d]), p.map((d) => x.strides[d]));
  const inverse = new Array<number>(p.length);
  p.forEach((d, i) => (inverse[d] = i));
  return record(y, "permute", [x], (g) => [permute(g, inverse)]);
}

/** Remove dimension `dim` of size 1 (all size-1 dims when omitted). A view. */
export function squeeze(x: Tensor, dim?: number): Tensor {
  let keep: number[];
  if (dim === undefined) keep = x.shape.map((_, i) => i).filter((i) => x.shape[i] !== 1);
  else {
    const d = normDim(dim, x.ndim, "squeeze: dim");
    keep = x.shape.map((_, i) => i).filter((i) => i !== d || x.shape[i] !== 1);
  }
  const y = viewOf(x, keep.map((d) => x.shape[d]), keep.map((d) => x.strides[d]));
  return record(y, "squeeze", [x], (g) => [reshape(g, x.shape)]);
}

/** Insert a dimension of size 1 at `dim`. A view. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim + 1, "unsqueeze: dim");
  const shape = [...x.shape], strides = [...x.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  const y = viewOf(x, shape, strides);
  return record(y, "unsqueeze", [x], (g) => [reshape(g, x.shape)]);
}

/**
 * Broadcast to a larger shape without copying (size-1 dims repeat; −1 keeps a size).
 *
 * @example
 * gw.tensor([[1], [2]]).expand([2, 3]).toArray(); // [[1, 1, 1], [2, 2, 2]]
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new Error(`expand: cannot expand shape ${fmtShape(x.shape)} to fewer dimensions ${fmtShape(shape)}`);
  const target = shape.map((s, d) => (s === -1 && d >= lead ? x.shape[d - lead] : s));
  target.forEach((s, d) => {
    if (!Number.isInteger(s) || s < 0) throw new Error(`expand: invalid size ${shape[d]} at dimension ${d} of ${fmtShape(shape)} (sizes must be non-negative integers; -1 keeps an existing dimension)`);
  });
  const strides = target.map((s, d) => {
    if (d < lead) return 0;
    const own = x.shape[d - lead];
    if (own === s) return x.strides[d - lead];
    if (own === 1) return 0;
    throw new Error(`expand: cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(shape)} (dimension ${d}: ${own} vs ${s})`);
  });
  const y = viewOf(x, target, strides);
  return record(y, "expand", [x], (g) => [g]); // the engine sums back to x's shape
}

/** Flatten dims start..end into one (a view when possible). */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim(start, x.ndim, "flatten: startDim"), e = normDim(end, x.ndim, "flatten: endDim");
  if (s > e) throw new Error(`flatten: startDim ${start} comes after endDim ${end}`);
  const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Element offsets (into a contiguous layout of `shape`) of a strided sub-view, in row-major order. */
function viewIndices(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  const n = numel(shape);
  const out = new Int32Array(n);
  if (n === 0) return out;
  const idx = new Array<number>(shape.length).fill(0);
  let o = offset;
  for (let i = 0; i < n; i++) {
    out[i] = o;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      o += strides[d];
      if (idx[d] < shape[d]) break;
      o -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Backward of a sub-view: scatter g into zeros shaped like x at the view's positions. */
function scatterBack(g: Tensor, x: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  const out = empty(x.shape);
  backend().scatterAdd(g.readData(), viewIndices(shape, strides, offset), out.storage);
  return out;
}

/**
 * The slice at `index` along `dim`, removing that dim (a view), like `x[:, i]`.
 *
 * @example
 * gw.tensor([[1, 2], [3, 4]]).select(1, 0).toArray(); // [1, 3]
 */
export function select(x: Tensor, dim: number, index: number): Tensor {
  if (x.ndim === 0) throw new Error("select: cannot select from a 0-d tensor (it has no dimensions)");
  const d = normDim(dim, x.ndim, "select: dim");
  const n = x.shape[d];
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new Error(`select: index ${index} is out of range for dimension ${d} of size ${n} (shape ${fmtShape(x.shape)})`);
  }
  const i = index < 0 ? index + n : index;
  const shape = x.shape.filter((_, k) => k !== d), strides = x.strides.filter((_, k) => k !== d);
  const y = viewOf(x, shape, strides, x.offset + i * x.strides[d]);
  const cs = contiguousStrides(x.shape);
  return record(y, "select", [x], (g) => [scatterBack(g, x, shape, cs.filter((_, k) => k !== d), i * cs[d])]);
}

/**
 * Elements start, start+step, … (< end) along `dim` (a view), like `x[start:end:step]`.
 * Negative start/end count from the end; out-of-range bounds are clamped as in Python.
 *
 * @example
 * gw.arange(10).slice(0, 2, 8, 3).toArray(); // [2, 5]
 */
export function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  const d = normDim(dim, x.ndim, "slice: dim");
  const n = x.shape[d];
  if (!Number.isInteger(step) || step <= 0) throw new Error(`slice: step must be a positive integer, got ${step}`);
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = clamp(start), e = Math.max(clamp(end ?? n), s);
  const len = Math.ceil((e - s) / step);
  const shape = [...x.shape], strides = [...x.strides];
  shape[d] = len;
  strides[d] = x.strides[d] * step;
  const y = viewOf(x, shape, strides, x.offset + s * x.strides[d]);
  const cs = contiguousStrides(x.shape);
  const vs = [...cs];
  vs[d] = cs[d] * step;
  return record(y, "slice", [x], (g) => [scatterBack(g, x, shape, vs, s * cs[d])]);
}

/** Internal: copy via flat source indices (into contiguous x), with a scatter-add backward. */
function takeOp(x: Tensor, index: Int32Array, shape: number[], name: string): Tensor {
  const src = x.isContiguous() ? x : contiguous(x);
  const out = uninitialized(shape, name);
  backend().take(src.readData(), index, out.storage);
  return record(out, name, [src], (g) => { // records: gather, indexSelect
    const dx = empty(src.shape);
    backend().scatterAdd(g.readData(), index, dx.storage);
    return [dx];
  });
}

function toIndexArray(index: Tensor | readonly number[], what: string): { data: Float32Array; shape: number[] } {
  if (index instanceof Tensor) return { data: index.toFloat32Array(), shape: index.shape };
  if (Array.isArray(index)) return { data: Float32Array.from(index), shape: [index.length] };
  throw new Error(`${what}: index must be a Tensor or an array of integers`);
}

/**
 * Picks `x[i][index[i][j]]` along `dim` (like torch.gather): the output has index's shape.
 *
 * @example
 * gw.tensor([[1, 2], [3, 4]]).gather(1, gw.tensor([[1], [0]])).toArray(); // [[2], [3]]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim(dim, x.ndim, "gather: dim");
  const { data, shape } = toIndexArray(index, "gather");
  if (shape.length !== x.ndim) throw new Error(`gather: index has shape ${fmtShape(shape)} but input has shape ${fmtShape(x.shape)} (same number of dims needed)`);
  shape.forEach((s, k) => {
    if (k !== d && s > x.shape[k]) throw new Error(`gather: index shape ${fmtShape(shape)} is larger than input shape ${fmtShape(x.shape)} in dim ${k}`);
  });
  const cs = contiguousStrides(x.shape), is = contiguousStrides(shape);
  const flat = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isInteger(v) || v < 0 || v >= x.shape[d]) throw new Error(`gather: index ${v} is out of range for dim ${d} of size ${x.shape[d]}`);
    let rem = i, off = 0;
    for (let k = 0; k < shape.length; k++) {
      const c = Math.floor(rem / is[k]);
      rem -= c * is[k];
      off += (k === d ? v : c) * cs[k];
    }
    flat[i] = off;
  }
  return takeOp(x, flat, shape, "gather");
}

/**
 * The entries `index` along `dim` (like torch.index_select).
 *
 * @example
 * gw.tensor([[1, 2], [3, 4], [5, 6]]).indexSelect(0, [2, 0]).toArray(); // [[5, 6], [1, 2]]
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor | readonly number[]): Tensor {
  const d = normDim(dim, x.ndim, "indexSelect: dim");
  const { data, shape: ishape } = toIndexArray(index, "indexSelect");
  if (ishape.length > 1) throw new Error(`indexSelect: index must be 1-D, got shape ${fmtShape(ishape)}`);
  const outer = numel(x.shape.slice(0, d)), inner = numel(x.shape.slice(d + 1)), n = x.shape[d];
  const k = data.length;
  const flat = new Int32Array(outer * k * inner);
  let p = 0;
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < k; j++) {
      const v = data[j];
      if (!Number.isInteger(v) || v < -n || v >= n) throw new Error(`indexSelect: index ${v} is out of range for dim ${d} of size ${n}`);
      const base = (o * n + (v < 0 ? v + n : v)) * inner;
      for (let i = 0; i < inner; i++) flat[p++] = base + i;
    }
  const shape = [...x.shape];
  shape[d] = k;
  return takeOp(x, flat, shape, "indexSelect");
}

/**
 * Join tensors along an existing dimension.
 *
 * @example
 * gw.cat([gw.zeros([1, 2]), gw.ones([2, 2])], 0).shape; // [3, 2]
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error("cat: expected a non-empty array of tensors");
  const first = tensors[0];
  if (first instanceof Tensor && first.ndim === 0) throw new Error("cat: zero-dimensional tensors cannot be concatenated (unsqueeze them first, or use stack)");
  const d = normDim(dim, first.ndim, "cat: dim");
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`cat: element ${i} is not a Tensor`);
    if (t.ndim !== first.ndim || t.shape.some((s, k) => k !== d && s !== first.shape[k])) {
      throw new Error(`cat: tensor ${i} has shape ${fmtShape(t.shape)}, incompatible with ${fmtShape(first.shape)} for concatenation along dim ${d}`);
    }
  });
  const shape = [...first.shape];
  shape[d] = tensors.reduce((s, t) => s + t.shape[d], 0);
  const out = empty(shape, "cat");
  const outer = numel(shape.slice(0, d)), inner = numel(shape.slice(d + 1));
  const rowLen = shape[d] * inner;
  let at = 0;
  for (const t of tensors) {
    const src = t.toFloat32Array();
    const len = t.shape[d] * inner;
    for (let o = 0; o < outer; o++) out.storage.set(src.subarray(o * len, (o + 1) * len), o * rowLen + at);
    at += len;
  }
  const starts: number[] = [];
  let s = 0;
  for (const t of tensors) {
    starts.push(s);
    s += t.shape[d];
  }
  return record(out, "cat", tensors, (g) => tensors.map((t, i) => (t.requiresGrad ? slice(g, d, starts[i], starts[i] + t.shape[d]) : null)));
}

/**
 * Join tensors of equal shape along a new dimension.
 *
 * @example
 * gw.stack([gw.zeros([2]), gw.ones([2])]).shape; // [2, 2]
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error("stack: expected a non-empty array of tensors");
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor) || t.ndim !== first.ndim || t.shape.some((v, k) => v !== first.shape[k])) {
      throw new Error(`stack: tensor ${i} has shape ${t instanceof Tensor ? fmtShape(t.shape) : "?"}, expected ${fmtShape(first.shape)} (all equal)`);
    }
  });
  const d = normDim(dim, first.ndim + 1, "stack: dim");
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/** Zero-pad the last dims: `pads` = [left, right] for the last dim, then [top, bottom] for the one before, … */
export function pad(x: Tensor, pads: readonly number[]): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) throw new Error(`pad: pads ${JSON.stringify(pads)} must be pairs for at most ${x.ndim} dims`);
  const shape = [...x.shape];
  const before = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i;
    if (pads[2 * i] < 0 || pads[2 * i + 1] < 0) throw new Error(`pad: negative padding ${JSON.stringify(pads)}`);
    before[d] = pads[2 * i];
    shape[d] += pads[2 * i] + pads[2 * i + 1];
  }
  const cs = contiguousStrides(shape);
  const offset = before.reduce((o, b, d) => o + b * cs[d], 0);
  const index = viewIndices(x.shape, cs, offset);
  const out = empty(shape, "pad");
  backend().scatterAdd(x.readData(), index, out.storage);
  return record(out, "pad", [x], (g) => {
    const gx = empty(x.shape);
    backend().take(g.readData(), index, gx.storage);
    return [gx];
  });
}

/**
 * Reverse the order of elements along `dims` (a copy). `flip(w, [2, 3])` rotates a conv kernel by 180°.
 *
 * @example
 * gw.flip(gw.tensor([[1, 2], [3, 4]]), [0, 1]).toArray(); // [[4, 3], [2, 1]]
 */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const list = (typeof dims === "number" ? [dims] : [...dims]).map((d) => normDim(d, x.ndim, "flip: dim"));
  let y = x;
  for (const d of list) {
    const n = x.shape[d];
    y = indexSelect(y, d, Array.from({ length: n }, (_, i) => n - 1 - i));
  }
  return y === x ? clone(x) : y;
}
