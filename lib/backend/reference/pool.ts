// Max and average pooling, forward and backward, as direct loops.
import type { Pool2dParams, PoolMode } from "../backend";

export function pool2d(mode: PoolMode, x: Float32Array, p: Pool2dParams, out: Float32Array, indices: Int32Array | null): void {
  const { n, c, h, w, kh, kw, outH, outW } = p;
  for (let plane = 0; plane < n * c; plane++) {
    const xo = plane * h * w;
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++) {
        const y0 = oy * p.strideH - p.padH, x0 = ox * p.strideW - p.padW;
        const o = (plane * outH + oy) * outW + ox;
        if (mode === "max") {
          let best = -Infinity, at = -1;
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx;
              if (ix < 0 || ix >= w) continue;
              const v = x[xo + iy * w + ix];
              if (at < 0 || v > best || (v !== v && best === best)) {
                best = v;
                at = iy * w + ix;
              }
            }
          }
          out[o] = best;
          if (indices) indices[o] = at;
        } else {
          let sum = 0, count = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx;
              // PyTorch counts padded cells but never cells past the padded border (ceil mode)
              if (iy >= -p.padH && iy < h + p.padH && ix >= -p.padW && ix < w + p.padW) count++;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              sum += x[xo + iy * w + ix];
            }
          }
          if (!p.countIncludePad) {
            count = 0;
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = y0 + ky, ix = x0 + kx;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w) count++;
              }
          }
          out[o] = sum / count;
        }
      }
  }
}

export function pool2dBackward(mode: PoolMode, dy: Float32Array, indices: Int32Array | null, p: Pool2dParams, out: Float32Array): void {
  const { n, c, h, w, kh, kw, outH, outW } = p;
  out.fill(0);
  for (let plane = 0; plane < n * c; plane++) {
    const xo = plane * h * w;
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++) {
        const o = (plane * outH + oy) * outW + ox;
        const d = dy[o];
        if (mode === "max") {
          const at = indices![o];
          if (at >= 0) out[xo + at] += d;
          continue;
        }
        const y0 = oy * p.strideH - p.padH, x0 = ox * p.strideW - p.padW;
        let count = 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = y0 + ky, ix = x0 + kx;
            if (p.countIncludePad ? iy >= -p.padH && iy < h + p.padH && ix >= -p.padW && ix < w + p.padW : iy >= 0 && iy < h && ix >= 0 && ix < w) count++;
          }
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = x0 + kx;
            if (ix < 0 || ix >= w) continue;
            out[xo + iy * w + ix] += d / count;
          }
        }
      }
  }
}
