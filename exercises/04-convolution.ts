/**
 * Chapter 4 — convolution and pooling, forward and backward, loop by loop (exercises: fill in every TODO).
 *
 * Layouts are PyTorch's: x is N×C×H×W, w is F×C×KH×KW, out is N×F×OH×OW. Read a tensor's numbers
 * with `t.toFloat32Array()` (row-major) and build one with `gw.tensor(data, { shape })`.
 */
import * as gw from "gradwork";
import { NotImplementedError } from "gradwork";

/** Stride and zero padding, the same along height and width. */
export interface ConvOptions {
  stride?: number;
  padding?: number;
}

/**
 * Task 4.4 — the output length of a convolution or pooling window along one axis (n inputs,
 * window k, stride, zero padding on both sides, dilation: the spacing between window taps).
 *
 * @example
 * convOutputSize(32, 5, 1, 2); // 32
 */
export function convOutputSize(n: number, k: number, stride = 1, padding = 0, dilation = 1): number {
  // TODO: Task 4.4
  throw new NotImplementedError("Task 4.4");
}

/**
 * Task 4.1 — 2-D convolution (cross-correlation, as in every deep-learning library) with stride and
 * zero padding, written as plain loops.
 *
 * @example
 * conv2d(gw.ones([1, 1, 3, 3]), gw.ones([1, 1, 2, 2]), null); // 1×1×2×2 of 4s
 */
export function conv2d(x: gw.Tensor, w: gw.Tensor, b: gw.Tensor | null, opts: ConvOptions = {}): gw.Tensor {
  // TODO: Task 4.1
  throw new NotImplementedError("Task 4.1");
}

/**
 * Task 4.2 — backward through conv2d: given the upstream gradient dout (N×F×OH×OW), the gradients
 * with respect to the input (dx), the weights (dw) and the bias (db). Each output element
 * out[n,f,oh,ow] received x[n,c,ih,iw]·w[f,c,i,j]; send dout back along the same products.
 *
 * @example
 * const { dx, dw, db } = conv2dBackward(x, w, gw.onesLike(out), { stride: 1, padding: 1 });
 */
export function conv2dBackward(x: gw.Tensor, w: gw.Tensor, dout: gw.Tensor, opts: ConvOptions = {}): { dx: gw.Tensor; dw: gw.Tensor; db: gw.Tensor } {
  // TODO: Task 4.2
  throw new NotImplementedError("Task 4.2");
}

/**
 * Task 4.3 — max pooling over k×k windows moved by `stride` (no padding).
 *
 * @example
 * maxPool2d(x, 2, 2); // halves height and width
 */
export function maxPool2d(x: gw.Tensor, k: number, stride = k): gw.Tensor {
  // TODO: Task 4.3
  throw new NotImplementedError("Task 4.3");
}

/**
 * Task 4.3 — backward through max pooling: each window's upstream gradient goes to the position of
 * its maximum (the first one on a tie); overlapping windows add up.
 *
 * @example
 * const dx = maxPool2dBackward(x, gw.onesLike(maxPool2d(x, 2)), 2);
 */
export function maxPool2dBackward(x: gw.Tensor, dout: gw.Tensor, k: number, stride = k): gw.Tensor {
  // TODO: Task 4.3
  throw new NotImplementedError("Task 4.3");
}
