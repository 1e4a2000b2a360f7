// Convolution (cross-correlation) kernels as direct loops: the oracle the fast backend is tested against.
import type { Conv2dParams } from "../backend";

export function conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dParams, out: Float32Array): void {
  const { n, c, h, w: W, cOut, kh, kw, groups, outH, outW } = p;
  const cg = c / groups, og = cOut / groups;
  for (let b = 0; b < n; b++)
    for (let co = 0; co < cOut; co++) {
      const g = Math.floor(co / og);
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++) {
          let acc = bias ? bias[co] : 0;
          for (let ci = 0; ci < cg; ci++) {
            const xc = ((b * c + g * cg + ci) * h) * W;
            const wc = (co * cg + ci) * kh * kw;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * p.strideH - p.padH + ky * p.dilH;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * p.strideW - p.padW + kx * p.dilW;
                if (ix < 0 || ix >= W) continue;
                acc += x[xc + iy * W + ix] * w[wc + ky * kw + kx];
              }
            }
          }
          out[((b * cOut + co) * outH + oy) * outW + ox] = acc;
        }
    }
}

export function conv2dBackwardInput(dy: Float32Array, w: Float32Array, p: Conv2dParams, out: Float32Array): void {
  const { n, c, h, w: W, cOut, kh, kw, groups, outH, outW } = p;
  const cg = c / groups, og = cOut / groups;
  const acc = new Float64Array(n * c * h * W);
  for (let b = 0; b < n; b++)
    for (let co = 0; co < cOut; co++) {
      const g = Math.floor(co / og);
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++) {
          const d = dy[((b * cOut + co) * outH + oy) * outW + ox];
          for (let ci = 0; ci < cg; ci++) {
            const xc = ((b * c + g * cg + ci) * h) * W;
            const wc = (co * cg + ci) * kh * kw;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * p.strideH - p.padH + ky * p.dilH;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * p.strideW - p.padW + kx * p.dilW;
                if (ix < 0 || ix >= W) continue;
                acc[xc + iy * W + ix] += d * w[wc + ky * kw + kx];
              }
            }
          }
        }
    }
  out.set(acc);
}

export function conv2dBackwardWeight(x: Float32Array, dy: Float32Array, p: Conv2dParams, out: Float32Array): void {
  const { n, c, h, w: W, cOut, kh, kw, groups, outH, outW } = p;
  const cg = c / groups, og = cOut / groups;
  const acc = new Float64Array(cOut * cg * kh * kw);
  for (let b = 0; b < n; b++)
    for (let co = 0; co < cOut; co++) {
      const g = Math.floor(co / og);
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++) {
          const d = dy[((b * cOut + co) * outH + oy) * outW + ox];
          for (let ci = 0; ci < cg; ci++) {
            const xc = ((b * c + g * cg + ci) * h) * W;
            const wc = (co * cg + ci) * kh * kw;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * p.strideH - p.padH + ky * p.dilH;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * p.strideW - p.padW + kx * p.dilW;
                if (ix < 0 || ix >= W) continue;
                acc[wc + ky * kw + kx] += d * x[xc + iy * W + ix];
              }
            }
          }
        }
    }
  out.set(acc);
}
