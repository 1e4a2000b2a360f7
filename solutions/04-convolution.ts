/**
 * Chapter 4 — convolution and pooling, forward and backward, loop by loop (reference solutions).
 *
 * Layouts are PyTorch's: x is N×C×H×W, w is F×C×KH×KW, out is N×F×OH×OW. Read a tensor's numbers
 * with `t.toFloat32Array()` (row-major) and build one with `gw.tensor(data, { shape })`.
 */
import * as gw from "gradwork";

/** Stride and zero padding, the same along height and width. */
export interface ConvOptions {
  stride?: number;
  padding?: number;
}

/**
 * Task 4.4 — the output length of a convolution or pooling window along one axis:
 * floor((n + 2·padding − dilation·(k − 1) − 1) / stride) + 1.
 *
 * @example
 * convOutputSize(32, 5, 1, 2); // 32
 */
export function convOutputSize(n: number, k: number, stride = 1, padding = 0, dilation = 1): number {
  return Math.floor((n + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
}

/**
 * Task 4.1 — 2-D convolution (cross-correlation, as in every deep-learning library) with stride and
 * zero padding, written as plain loops.
 *
 * @example
 * conv2d(gw.ones([1, 1, 3, 3]), gw.ones([1, 1, 2, 2]), null); // 1×1×2×2 of 4s
 */
export function conv2d(x: gw.Tensor, w: gw.Tensor, b: gw.Tensor | null, opts: ConvOptions = {}): gw.Tensor {
  const { stride = 1, padding = 0 } = opts;
  const [N, C, H, W] = x.shape;
  const [F, , KH, KW] = w.shape;
  const OH = convOutputSize(H, KH, stride, padding);
  const OW = convOutputSize(W, KW, stride, padding);
  const xd = x.toFloat32Array();
  const wd = w.toFloat32Array();
  const bd = b ? b.toFloat32Array() : null;
  const out = new Float32Array(N * F * OH * OW);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let acc = bd ? bd[f] : 0;
          for (let c = 0; c < C; c++)
            for (let i = 0; i < KH; i++) {
              const ih = oh * stride - padding + i;
              if (ih < 0 || ih >= H) continue;
              for (let j = 0; j < KW; j++) {
                const iw = ow * stride - padding + j;
                if (iw < 0 || iw >= W) continue;
                acc += xd[((n * C + c) * H + ih) * W + iw] * wd[((f * C + c) * KH + i) * KW + j];
              }
            }
          out[((n * F + f) * OH + oh) * OW + ow] = acc;
        }
  return gw.tensor(out, { shape: [N, F, OH, OW] });
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
  const { stride = 1, padding = 0 } = opts;
  const [N, C, H, W] = x.shape;
  const [F, , KH, KW] = w.shape;
  const [, , OH, OW] = dout.shape;
  const xd = x.toFloat32Array();
  const wd = w.toFloat32Array();
  const gd = dout.toFloat32Array();
  const dx = new Float32Array(xd.length);
  const dw = new Float32Array(wd.length);
  const db = new Float32Array(F);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const g = gd[((n * F + f) * OH + oh) * OW + ow];
          db[f] += g;
          for (let c = 0; c < C; c++)
            for (let i = 0; i < KH; i++) {
              const ih = oh * stride - padding + i;
              if (ih < 0 || ih >= H) continue;
              for (let j = 0; j < KW; j++) {
                const iw = ow * stride - padding + j;
                if (iw < 0 || iw >= W) continue;
                const xi = ((n * C + c) * H + ih) * W + iw;
                const wi = ((f * C + c) * KH + i) * KW + j;
                dx[xi] += g * wd[wi];
                dw[wi] += g * xd[xi];
              }
            }
        }
  return { dx: gw.tensor(dx, { shape: x.shape }), dw: gw.tensor(dw, { shape: w.shape }), db: gw.tensor(db, { shape: [F] }) };
}

/**
 * Task 4.3 — max pooling over k×k windows moved by `stride` (no padding).
 *
 * @example
 * maxPool2d(x, 2, 2); // halves height and width
 */
export function maxPool2d(x: gw.Tensor, k: number, stride = k): gw.Tensor {
  const [N, C, H, W] = x.shape;
  const OH = convOutputSize(H, k, stride);
  const OW = convOutputSize(W, k, stride);
  const xd = x.toFloat32Array();
  const out = new Float32Array(N * C * OH * OW);
  for (let nc = 0; nc < N * C; nc++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let best = -Infinity;
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) best = Math.max(best, xd[(nc * H + oh * stride + i) * W + ow * stride + j]);
        out[(nc * OH + oh) * OW + ow] = best;
      }
  return gw.tensor(out, { shape: [N, C, OH, OW] });
}

/**
 * Task 4.3 — backward through max pooling: each window's upstream gradient goes to the position of
 * its maximum (the first one on a tie); overlapping windows add up.
 *
 * @example
 * const dx = maxPool2dBackward(x, gw.onesLike(maxPool2d(x, 2)), 2);
 */
export function maxPool2dBackward(x: gw.Tensor, dout: gw.Tensor, k: number, stride = k): gw.Tensor {
  const [N, C, H, W] = x.shape;
  const [, , OH, OW] = dout.shape;
  const xd = x.toFloat32Array();
  const gd = dout.toFloat32Array();
  const dx = new Float32Array(xd.length);
  for (let nc = 0; nc < N * C; nc++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let arg = -1;
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++) {
            const idx = (nc * H + oh * stride + i) * W + ow * stride + j;
            if (arg < 0 || xd[idx] > xd[arg]) arg = idx;
          }
        dx[arg] += gd[(nc * OH + oh) * OW + ow];
      }
  return gw.tensor(dx, { shape: x.shape });
}
