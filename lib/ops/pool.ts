// Pooling: max (the gradient is routed to the arg-max), average, and adaptive average.
// Tie rule for max pooling: the first maximum in row-major window order takes the whole gradient
// (as PyTorch's CPU kernel does); a NaN in the window wins.
import { intPair } from "../common";
import { backend } from "../backend";
import type { Pool2dParams, PoolMode } from "../backend";
import { record } from "../autograd/record";
import { Tensor } from "../tensor/tensor";
import { fmtShape } from "../tensor/shape";
import { matmul } from "./matmul";
import { contiguous, transpose } from "./shape";
import { uninitialized } from "./util";

type Pair = number | readonly [number, number];

export interface PoolOptions {
  /** Defaults to the kernel size. */
  stride?: Pair | null;
  padding?: Pair;
  /** Round the output size up instead of down. */
  ceilMode?: boolean;
}

export interface AvgPoolOptions extends PoolOptions {
  /** Count zero padding in the average (PyTorch's default: true). */
  countIncludePad?: boolean;
}

const pair = (v: Pair, what: string, min: number, op: string) => intPair(v, min, (rule) => `${op}: ${what} must be ${rule}, got ${JSON.stringify(v)}`);

/** Pooled size of one dim, with PyTorch's ceil-mode rule (the last window must start inside the input or left padding). */
export function poolOutputSize(n: number, k: number, stride: number, padding: number, ceilMode: boolean): number {
  const span = n + 2 * padding - k;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= n + padding) out--;
  return out;
}

function params(op: string, x: Tensor, kernelSize: Pair, opts: AvgPoolOptions): Pool2dParams {
  if (!(x instanceof Tensor) || x.ndim !== 4) throw new Error(`${op}: input must be a 4-D tensor [N, C, H, W], got ${x instanceof Tensor ? `shape ${fmtShape(x.shape)}` : typeof x}`);
  const [kh, kw] = pair(kernelSize, "kernelSize", 1, op);
  const [sh, sw] = pair(opts.stride ?? [kh, kw], "stride", 1, op);
  const [ph, pw] = pair(opts.padding ?? 0, "padding", 0, op);
  if (ph > kh / 2 || pw > kw / 2) throw new Error(`${op}: padding ${ph}×${pw} must be at most half the kernel size ${kh}×${kw}`);
  const [n, c, h, w] = x.shape;
  const ceil = !!opts.ceilMode;
  const outH = poolOutputSize(h, kh, sh, ph, ceil), outW = poolOutputSize(w, kw, sw, pw, ceil);
  if (outH < 1 || outW < 1) throw new Error(`${op}: kernel ${kh}×${kw} is larger than the padded input ${h + 2 * ph}×${w + 2 * pw} (input shape ${fmtShape(x.shape)})`);
  return { n, c, h, w, kh, kw, strideH: sh, strideW: sw, padH: ph, padW: pw, outH, outW, countIncludePad: opts.countIncludePad ?? true };
}

/**
 * Room for max pooling's arg-max indices (every one is written by the kernel). It is taken from the
 * backend's tensor memory, where the cpu kernels use it in place on every thread instead of copying
 * it in and out (3 MB each way per VGG step at batch 64): an Int32Array view of `owner`, whose
 * storage lives exactly as long as `owner`, so a holder keeps both together.
 */
function indexStorage(n: number): { owner: Float32Array; indices: Int32Array } {
  const owner = backend().alloc(n, true);
  return { owner, indices: new Int32Array(owner.buffer, owner.byteOffset, n) };
}

function pool(mode: PoolMode, x: Tensor, p: Pool2dParams): Tensor {
  const xd = contiguous(x).readData();
  const out = uninitialized([p.n, p.c, p.outH, p.outW], `${mode}Pool2d`);
  const saved = mode === "max" ? indexStorage(out.numel) : null;
  backend().pool2d(mode, xd, p, out.storage, saved && saved.indices);
  return record(out, mode === "max" ? "maxPool2d" : "avgPool2d", [x], (g) => {
    const dx = uninitialized(x.shape);
    backend().pool2dBackward(mode, contiguous(g).readData(), saved && saved.indices, p, dx.storage);
    return [dx];
  });
}

/**
 * 2-D max pooling over NCHW input (stride defaults to the kernel size).
 *
 * @example
 * gw.F.maxPool2d(gw.arange(16).reshape([1, 1, 4, 4]), 2).toArray(); // [[[[5, 7], [13, 15]]]]
 */
export function maxPool2d(x: Tensor, kernelSize: Pair, opts: PoolOptions = {}): Tensor {
  return pool("max", x, params("maxPool2d", x, kernelSize, opts));
}

/**
 * 2-D average pooling over NCHW input (stride defaults to the kernel size).
 *
 * @example
 * gw.F.avgPool2d(gw.ones([1, 1, 4, 4]), 2).shape; // [1, 1, 2, 2]
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, opts: AvgPoolOptions = {}): Tensor {
  return pool("avg", x, params("avgPool2d", x, kernelSize, opts));
}

/** The averaging matrix [inSize, outSize] of adaptive pooling along one dim (PyTorch's start/end rule). */
function adaptiveMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(inSize * outSize);
  for (let o = 0; o < outSize; o++) {
    const start = Math.floor((o * inSize) / outSize), end = Math.ceil(((o + 1) * inSize) / outSize);
    for (let i = start; i < end; i++) m[i * outSize + o] = 1 / (end - start);
  }
  return m;
}

/**
 * Average pooling to a fixed output size (e.g. 1 for global average pooling), computed as
 * products with constant averaging matrices.
 *
 * @example
 * gw.F.adaptiveAvgPool2d(gw.randn([2, 8, 5, 7]), 1).shape; // [2, 8, 1, 1]
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  if (!(x instanceof Tensor) || x.ndim !== 4) throw new Error(`adaptiveAvgPool2d: input must be a 4-D tensor [N, C, H, W], got ${x instanceof Tensor ? `shape ${fmtShape(x.shape)}` : typeof x}`);
  const [oh, ow] = pair(outputSize, "outputSize", 1, "adaptiveAvgPool2d");
  const [, , h, w] = x.shape;
  const Mh = new Tensor(adaptiveMatrix(h, oh), [h, oh]);
  const Mw = new Tensor(adaptiveMatrix(w, ow), [w, ow]);
  // rows: [N,C,H,W] @ Mw -> [N,C,H,ow]; columns: transpose, @ Mh -> [N,C,ow,oh] -> transpose back
  return transpose(matmul(transpose(matmul(x, Mw), 2, 3), Mh), 2, 3);
}
