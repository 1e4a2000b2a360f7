// Convolution (cross-correlation, as in PyTorch) in 1-D and 2-D, with both backward passes:
//   ∂L/∂W = x ⋆ ∂L/∂Y (summed over the batch)
//   ∂L/∂X = (zero-padded ∂L/∂Y) ⋆ rot180(W)      — the "full" correlation with the flipped kernel
// The kernels live in the backend (conv2d, conv2dBackwardInput, conv2dBackwardWeight).
import { intPair } from "../common";
import { backend } from "../backend";
import type { Conv2dParams } from "../backend";
import { record } from "../autograd/record";
import { Tensor } from "../tensor/tensor";
import { fmtShape } from "../tensor/shape";
import { contiguous, pad, squeeze, unsqueeze } from "./shape";
import { reluGrad } from "./elementwise";
import { uninitialized } from "./util";

export type Pair = number | readonly [number, number];
export type Padding = Pair | "same" | "valid";

export interface ConvOptions {
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
  /**
   * Apply ReLU to the output in the same pass (not a PyTorch option): the result and its gradients
   * are exactly those of `conv2d(...).relu()`, without the extra pass over the output and the
   * intermediate tensor. nn.Sequential uses it for a Conv2d followed by a ReLU.
   */
  relu?: boolean;
}

const pair = (v: Pair, what: string, min: number) => intPair(v, min, (rule) => `conv: ${what} must be ${rule}, got ${JSON.stringify(v)}`);

/** Output size of one spatial dim: ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1. */
export function convOutputSize(n: number, k: number, stride = 1, padding = 0, dilation = 1): number {
  return Math.floor((n + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
}

/**
 * 2-D cross-correlation over NCHW input `x` with weight [cOut, cIn/groups, kh, kw] and optional bias [cOut].
 * Like PyTorch (and every DL library) this is cross-correlation: true convolution flips the kernel,
 * `conv(x, w) = conv2d(x, flip(w))`.
 *
 * @example
 * const y = gw.F.conv2d(gw.randn([1, 3, 32, 32]), gw.randn([10, 3, 5, 5]), null, { padding: 2 });
 * y.shape; // [1, 10, 32, 32]
 * gw.F.conv2d(gw.randn([1, 3, 8, 8]), gw.randn([4, 3, 3, 3]), null, { relu: true }).min().item() >= 0; // true
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  if (!(x instanceof Tensor) || x.ndim !== 4) throw new Error(`conv2d: input must be a 4-D tensor [N, C, H, W], got ${x instanceof Tensor ? `shape ${fmtShape(x.shape)}` : typeof x}`);
  if (!(weight instanceof Tensor) || weight.ndim !== 4) throw new Error(`conv2d: weight must be a 4-D tensor [cOut, cIn/groups, kh, kw], got ${weight instanceof Tensor ? `shape ${fmtShape(weight.shape)}` : typeof weight}`);
  const groups = opts.groups ?? 1;
  const relu = opts.relu ?? false;
  if (typeof relu !== "boolean") throw new Error(`conv2d: relu must be true or false, got ${JSON.stringify(relu)}`);
  const [n, c, h, w] = x.shape;
  const [cOut, cg, kh, kw] = weight.shape;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`conv2d: groups must be a positive integer, got ${groups}`);
  if (c % groups !== 0 || cOut % groups !== 0) throw new Error(`conv2d: groups=${groups} must divide both input channels (${c}) and output channels (${cOut})`);
  if (cg * groups !== c) {
    throw new Error(`conv2d: weight of shape ${fmtShape(weight.shape)} expects ${cg * groups} input channels (${cg} per group × ${groups} groups), but input of shape ${fmtShape(x.shape)} has ${c}`);
  }
  if (bias && (!(bias instanceof Tensor) || bias.ndim !== 1 || bias.shape[0] !== cOut)) {
    throw new Error(`conv2d: bias must have shape [${cOut}], got ${bias instanceof Tensor ? fmtShape(bias.shape) : typeof bias}`);
  }
  const [sh, sw] = pair(opts.stride ?? 1, "stride", 1);
  const [dh, dw] = pair(opts.dilation ?? 1, "dilation", 1);
  let padding = opts.padding ?? 0;
  if (padding === "valid") padding = 0;
  if (padding === "same") {
    if (sh !== 1 || sw !== 1) throw new Error(`conv2d: padding "same" needs stride 1, got stride ${JSON.stringify(opts.stride)}`);
    const th = dh * (kh - 1), tw = dw * (kw - 1);
    if (th % 2 === 0 && tw % 2 === 0) padding = [th / 2, tw / 2];
    else {
      // asymmetric: PyTorch pads the extra row/column at the end
      const xp = pad(x, [Math.floor(tw / 2), tw - Math.floor(tw / 2), Math.floor(th / 2), th - Math.floor(th / 2)]);
      return conv2d(xp, weight, bias, { stride: 1, padding: 0, dilation: [dh, dw], groups, relu });
    }
  }
  if (typeof padding === "string") throw new Error(`conv2d: padding must be a number, a pair, "same" or "valid", got "${padding}"`);
  const [ph, pw] = pair(padding, "padding", 0);
  const outH = convOutputSize(h, kh, sh, ph, dh), outW = convOutputSize(w, kw, sw, pw, dw);
  if (outH < 1 || outW < 1) {
    throw new Error(`conv2d: kernel ${kh}×${kw} (dilation ${dh}×${dw}) is larger than the padded input ${h + 2 * ph}×${w + 2 * pw} (input ${fmtShape(x.shape)}, padding ${ph}×${pw})`);
  }
  const p: Conv2dParams = { n, c, h, w, cOut, kh, kw, groups, strideH: sh, strideW: sw, padH: ph, padW: pw, dilH: dh, dilW: dw, outH, outW };
  const xd = contiguous(x).readData(), wd = contiguous(weight).readData();
  const out = uninitialized([n, cOut, outH, outW], "conv2d");
  backend().conv2d(xd, wd, bias ? contiguous(bias).readData() : null, p, out.storage, relu);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, relu ? "conv2d+relu" : "conv2d", inputs, (g) => {
    // ReLU's backward first: out > 0 exactly where the convolution's result was > 0
    const gd = (relu ? reluGrad(g, out) : contiguous(g)).readData();
    let dx: Tensor | null = null, dW: Tensor | null = null, db: Tensor | null = null;
    if (x.requiresGrad) {
      dx = uninitialized(x.shape);
      backend().conv2dBackwardInput(gd, wd, p, dx.storage);
    }
    if (weight.requiresGrad) {
      dW = uninitialized(weight.shape);
      backend().conv2dBackwardWeight(xd, gd, p, dW.storage);
    }
    if (bias && bias.requiresGrad) db = biasGrad(gd, p);
    return [dx, dW, db];
  });
}

/**
 * The bias gradient Σ g over the batch and the output positions, per output channel: one pass of the
 * channelSums kernel (float64, rounded once; it also forms Σ g², unused here) instead of a sum over
 * three axes.
 */
function biasGrad(gd: Float32Array, p: Conv2dParams): Tensor {
  const sums = new Float64Array(2 * p.cOut);
  backend().channelSums(gd, null, null, p.n, p.cOut, p.outH * p.outW, sums);
  return new Tensor(Float32Array.from(sums.subarray(0, p.cOut)), [p.cOut]);
}

/**
 * 1-D cross-correlation over [N, C, L] input with weight [cOut, cIn/groups, k] (computed as a 2-D one with height 1).
 *
 * @example
 * gw.F.conv1d(gw.tensor([[[2, 1, 1, 7, -1, 2, 3, 1]]]), gw.tensor([[[3, 2, -1]]])).toArray(); // [[[7, -2, 18, 17, -2, 11]]]
 */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: { stride?: number; padding?: number | "same" | "valid"; dilation?: number; groups?: number } = {}): Tensor {
  if (!(x instanceof Tensor) || x.ndim !== 3) throw new Error(`conv1d: input must be a 3-D tensor [N, C, L], got ${x instanceof Tensor ? `shape ${fmtShape(x.shape)}` : typeof x}`);
  if (!(weight instanceof Tensor) || weight.ndim !== 3) throw new Error(`conv1d: weight must be a 3-D tensor [cOut, cIn/groups, k], got ${weight instanceof Tensor ? `shape ${fmtShape(weight.shape)}` : typeof weight}`);
  const pad1 = opts.padding ?? 0;
  const padding: Padding = typeof pad1 === "string" ? pad1 : [0, pad1];
  const y = conv2d(unsqueeze(x, 2), unsqueeze(weight, 2), bias, {
    stride: [1, opts.stride ?? 1],
    padding,
    dilation: [1, opts.dilation ?? 1],
    groups: opts.groups,
  });
  return squeeze(y, 2);
}

/**
 * A deliberately plain, loop-by-loop 2-D cross-correlation (single image or batch, no autograd):
 * the teaching version of conv2d and a test oracle.
 *
 * @example
 * gw.conv2dNaive(gw.ones([1, 1, 3, 3]), gw.ones([1, 1, 2, 2])).toArray(); // [[[[4, 4], [4, 4]]]]
 */
export function conv2dNaive(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: { stride?: number; padding?: number } = {}): Tensor {
  const [n, c, h, w] = x.shape;
  const [cOut, cIn, kh, kw] = weight.shape;
  if (x.ndim !== 4 || weight.ndim !== 4 || cIn !== c) throw new Error(`conv2dNaive: need x [N,C,H,W] and weight [cOut,C,kh,kw] with matching C, got ${fmtShape(x.shape)} and ${fmtShape(weight.shape)}`);
  const s = opts.stride ?? 1, p = opts.padding ?? 0;
  const outH = Math.floor((h + 2 * p - kh) / s) + 1, outW = Math.floor((w + 2 * p - kw) / s) + 1;
  const X = x.toArray(4), W = weight.toArray(4), B = bias ? bias.toArray(1) : null;
  const at = (img: number, ch: number, i: number, j: number) => (i < 0 || j < 0 || i >= h || j >= w ? 0 : X[img][ch][i][j]);
  const out: number[][][][] = [];
  for (let img = 0; img < n; img++) {
    const maps: number[][][] = [];
    for (let o = 0; o < cOut; o++) {
      const rows: number[][] = [];
      for (let i = 0; i < outH; i++) {
        const row: number[] = [];
        for (let j = 0; j < outW; j++) {
          let acc = B ? B[o] : 0;
          for (let ch = 0; ch < c; ch++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) acc += at(img, ch, i * s - p + u, j * s - p + v) * W[o][ch][u][v];
          row.push(acc);
        }
        rows.push(row);
      }
      maps.push(rows);
    }
    out.push(maps);
  }
  return new Tensor(Float32Array.from(out.flat(3)), [n, cOut, outH, outW]);
}
