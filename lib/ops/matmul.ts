// Matrix multiplication with batched broadcasting, on the backend's GEMM kernel.
import { backend } from "../backend";
import { record } from "../autograd/record";
import { Tensor } from "../tensor/tensor";
import { broadcastShapes, fmtShape, numel } from "../tensor/shape";
import { uninitialized } from "./util";
import { contiguous, expand, squeeze, transpose, unsqueeze } from "./shape";

/**
 * True for a 2-D operand stored column by column (e.g. a Linear layer's `weight.t()`): its gradient
 * is then computed transposed, so that it arrives in the storage's own layout and accumulating
 * it into the leaf needs no transposing copy. Same products, same order: same values.
 */
function columnMajor(t: Tensor): boolean {
  return t.ndim === 2 && t.shape[0] > 1 && t.shape[1] > 1 && t.strides[0] === 1 && t.strides[1] === t.shape[0];
}

/** How a [..., r, c] operand can be handed to GEMM without copying: plain, transposed, or neither. */
function gemmOperand(t: Tensor, batchShape: number[]): { data: Float32Array; offset: number; batchStride: number; trans: boolean } | null {
  const nd = t.ndim;
  const r = t.shape[nd - 2], c = t.shape[nd - 1];
  const sr = t.strides[nd - 2], sc = t.strides[nd - 1];
  let trans: boolean;
  if ((sc === 1 || c === 1) && (sr === c || r === 1)) trans = false;
  else if ((sr === 1 || r === 1) && (sc === r || c === 1)) trans = true;
  else return null;
  // batch dims: a single matrix shared by every batch entry, or densely packed matrices
  const ownBatch = t.shape.slice(0, nd - 2);
  if (numel(ownBatch) <= 1) return { data: t.storage, offset: t.offset, batchStride: 0, trans };
  if (ownBatch.length !== batchShape.length || ownBatch.some((s, i) => s !== batchShape[i])) return null;
  let expected = r * c;
  for (let d = nd - 3; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.strides[d] !== expected) return null;
    expected *= t.shape[d];
  }
  return { data: t.storage, offset: t.offset, batchStride: r * c, trans };
}

function mm(a: Tensor, b: Tensor): Tensor {
  const m = a.shape[a.ndim - 2], k = a.shape[a.ndim - 1], n = b.shape[b.ndim - 1];
  if (b.shape[b.ndim - 2] !== k) {
    throw new Error(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${m}×${k} and ${b.shape[b.ndim - 2]}×${n}: inner sizes ${k} ≠ ${b.shape[b.ndim - 2]})`);
  }
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "matmul (batch dims)");
  const batch = numel(batchShape);
  let A = gemmOperand(a, batchShape);
  if (!A) A = gemmOperand(contiguous(expand(a, [...batchShape, m, k])), batchShape)!;
  let B = gemmOperand(b, batchShape);
  if (!B) B = gemmOperand(contiguous(expand(b, [...batchShape, k, n])), batchShape)!;
  const out = uninitialized([...batchShape, m, n], "matmul");
  backend().matmul({
    batch, m, n, k,
    a: A.data, aOffset: A.offset, aBatchStride: A.batchStride, transA: A.trans,
    b: B.data, bOffset: B.offset, bBatchStride: B.batchStride, transB: B.trans,
    out: out.storage,
  });
  return record(out, "matmul", [a, b], (g) => [
    a.requiresGrad ? (columnMajor(a) ? transpose(mm(b, transpose(g, -1, -2)), -1, -2) : mm(g, transpose(b, -1, -2))) : null,
    b.requiresGrad ? (columnMajor(b) ? transpose(mm(transpose(g, -1, -2), a), -1, -2) : mm(transpose(a, -1, -2), g)) : null,
  ]);
}

/**
 * Matrix product with PyTorch's rules: 1-D·1-D is a dot product, a 1-D operand is treated as a
 * row (left) or column (right) vector, and leading batch dims broadcast.
 *
 * @example
 * gw.matmul(gw.tensor([[1, 2], [3, 4]]), gw.tensor([1, 1])).toArray(); // [3, 7]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new Error("matmul: both operands must be Tensors");
  if (a.ndim === 0 || b.ndim === 0) throw new Error(`matmul: both operands need at least 1 dimension, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const av = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const bv = b.ndim === 1 ? unsqueeze(b, 1) : b;
  if (av.shape[av.ndim - 1] !== bv.shape[bv.ndim - 2]) {
    throw new Error(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (inner sizes ${av.shape[av.ndim - 1]} ≠ ${bv.shape[bv.ndim - 2]})`);
  }
  let y = mm(av, bv);
  if (b.ndim === 1) y = squeeze(y, -1);
  if (a.ndim === 1) y = squeeze(y, a.ndim === 1 && b.ndim === 1 ? -1 : -2);
  return y;
}
