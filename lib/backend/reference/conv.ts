// Convolution (cross-correlation) kernels as direct loops: the oracle the fast backend is tested against.
// All three kernels walk the same taps — every (output position, kernel cell) pair that lands inside
// the input — and differ only in what they do at each tap.
import type { Conv2dParams } from "../backend";
import { UNARY } from "../semantics";

/** Calls visit(xIndex, wIndex, yIndex) for every in-bounds tap of the convolution. */
function forEachTap(p: Conv2dParams, visit: (xi: number, wi: number, yi: number) => void): void {
  const { n, c, h, w: W, cOut, kh, kw, groups, outH, outW } = p;
  const cg = c / groups, og = cOut / groups;
  for (let b = 0; b < n; b++)
    for (let co = 0; co < cOut; co++) {
      const g = Math.floor(co / og);
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++) {
          const yi = ((b * cOut + co) * outH + oy) * outW + ox;
          for (let ci = 0; ci < cg; ci++) {
            const xc = (b * c + g * cg + ci) * h * W;
            const wc = (co * cg + ci) * kh * kw;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * p.strideH - p.padH + ky * p.dilH;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * p.strideW - p.padW + kx * p.dilW;
                if (ix >= 0 && ix < W) visit(xc + iy * W + ix, wc + ky * kw + kx, yi);
              }
            }
          }
        }
    }
}

export function conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dParams, out: Float32Array, relu = false): void {
  const acc = new Float64Array(out.length);
  const plane = p.outH * p.outW;
  if (bias) for (let i = 0; i < acc.length; i++) acc[i] = bias[Math.floor(i / plane) % p.cOut];
  forEachTap(p, (xi, wi, yi) => {
    acc[yi] += x[xi] * w[wi];
  });
  out.set(acc);
  if (relu) for (let i = 0; i < out.length; i++) out[i] = UNARY.relu(out[i]);
}

export function conv2dBackwardInput(dy: Float32Array, w: Float32Array, p: Conv2dParams, out: Float32Array): void {
  const acc = new Float64Array(p.n * p.c * p.h * p.w);
  forEachTap(p, (xi, wi, yi) => {
    acc[xi] += dy[yi] * w[wi];
  });
  out.set(acc);
}

export function conv2dBackwardWeight(x: Float32Array, dy: Float32Array, p: Conv2dParams, out: Float32Array): void {
  const acc = new Float64Array(p.cOut * (p.c / p.groups) * p.kh * p.kw);
  forEachTap(p, (xi, wi, yi) => {
    acc[wi] += dy[yi] * x[xi];
  });
  out.set(acc);
}
