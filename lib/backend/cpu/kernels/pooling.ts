// Max and average pooling, forward and backward, split over (image, channel) planes. The rules are
// semantics.ts's, as in the reference (window order, NaN and tie rules, float64 sums, cell count).
// The common 2×2 stride-2 unpadded pooling runs in WebAssembly SIMD (wasm/pooling.ts), on the
// threads when large enough; GRADWORK_WASM_POOL=0 sends it to the JavaScript loops below instead.
import type { Pool2dParams, PoolMode } from "../../backend";
import { avgPoolCount, beatsMax } from "../../semantics";
import { defineJob } from "../threads/job";
import type { ThreadPool } from "../threads/thread-pool";

declare module "../wasm-loader" {
  interface WasmExports {
    /** 2×2 stride-2 max pooling of `planes` planes (idx 0: no indices). */
    maxPool2x2(x: number, planes: number, h: number, w: number, oh: number, ow: number, out: number, idx: number): void;
    /** Its backward: dx planes from dy and the indices. */
    maxPool2x2Backward(dy: number, idx: number, planes: number, h: number, w: number, oh: number, ow: number, dx: number): void;
    /** 2×2 stride-2 average pooling. */
    avgPool2x2(x: number, planes: number, h: number, w: number, oh: number, ow: number, out: number): void;
    /** Its backward. */
    avgPool2x2Backward(dy: number, planes: number, h: number, w: number, oh: number, ow: number, dx: number): void;
  }
}

const WASM_POOL = process.env.GRADWORK_WASM_POOL !== "0";
/** Below this many input elements a 2×2 pooling runs on the calling thread only. */
const INLINE_2X2 = 1 << 16;

/** Whether the geometry is the unpadded 2×2 stride-2 pooling the wasm kernels handle. */
function is2x2(p: Pool2dParams): boolean {
  return p.kh === 2 && p.kw === 2 && p.strideH === 2 && p.strideW === 2 && p.padH === 0 && p.padW === 0 && 2 * p.outH <= p.h && 2 * p.outW <= p.w;
}

const POOL2X2_FIELDS = {
  h: "int", w: "int", outH: "int", outW: "int", planes: "int", planesPerTask: "int", max: "bool", backward: "bool",
  /** Byte addresses: the input (x forward, dy backward), the output, the max indices (0: none). */
  input: "int", output: "int", indices: "int",
} as const;

const pool2x2Job = defineJob({
  name: "pool2d: 2x2 stride 2 (wasm)",
  fields: POOL2X2_FIELDS,
  run(f, t, ctx) {
    const p0 = t * f.planesPerTask, n = Math.min(f.planes, p0 + f.planesPerTask) - p0;
    const inPlane = 4 * f.h * f.w, outPlane = 4 * f.outH * f.outW, wasm = ctx.wasm;
    if (!f.backward) {
      const x = f.input + p0 * inPlane, out = f.output + p0 * outPlane;
      if (f.max) wasm.maxPool2x2(x, n, f.h, f.w, f.outH, f.outW, out, f.indices ? f.indices + p0 * outPlane : 0);
      else wasm.avgPool2x2(x, n, f.h, f.w, f.outH, f.outW, out);
    } else {
      const dy = f.input + p0 * outPlane, dx = f.output + p0 * inPlane;
      if (f.max) wasm.maxPool2x2Backward(dy, f.indices + p0 * outPlane, n, f.h, f.w, f.outH, f.outW, dx);
      else wasm.avgPool2x2Backward(dy, n, f.h, f.w, f.outH, f.outW, dx);
    }
  },
});

/** Run a 2×2 pooling (forward or backward) in WebAssembly, split over planes. */
function run2x2(pool: ThreadPool, max: boolean, backward: boolean, input: Float32Array, indices: Int32Array | null, p: Pool2dParams, output: Float32Array, indicesOut: boolean): void {
  const planes = p.n * p.c, inSize = planes * p.h * p.w, outSize = planes * p.outH * p.outW;
  const arena = pool.begin();
  const inPtr = arena.input(input, 0, backward ? outSize : inSize);
  let idxPtr = 0;
  if (indices) idxPtr = indicesOut ? arena.output(indices, outSize) : arena.input(indices, 0, outSize);
  const outPtr = arena.output(output, backward ? inSize : outSize);
  const threads = inSize < INLINE_2X2 ? 1 : pool.getThreads();
  const tasks = threads === 1 ? 1 : Math.min(planes, 4 * threads);
  const ppt = Math.ceil(planes / tasks);
  pool.run(pool2x2Job, { h: p.h, w: p.w, outH: p.outH, outW: p.outW, planes, planesPerTask: ppt, max, backward, input: inPtr, output: outPtr, indices: idxPtr }, { tasks: Math.ceil(planes / ppt), threads });
  arena.finish();
}

const INLINE_ELEMENTS = 1 << 15;
/** Planes per task. */
const planesPerTask = (p: Pool2dParams) => Math.max(1, Math.floor((1 << 15) / Math.max(1, p.h * p.w)));

/** The common 2×2, stride-2, unpadded max pooling, unrolled (same window order, tie and NaN rules). */
function max2x2Planes(x: Float32Array, xo: number, p: Pool2dParams, out: Float32Array, oo: number, idx: Int32Array | null, io: number, pl0: number, pl1: number): void {
  const { h, w, outH, outW } = p;
  for (let plane = pl0; plane < pl1; plane++) {
    const xb = xo + plane * h * w;
    let o = plane * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const r0 = 2 * oy * w, r1 = r0 + w;
      for (let ox = 0; ox < outW; ox++, o++) {
        const c = 2 * ox, p0 = xb + r0 + c, p1 = xb + r1 + c;
        const a = x[p0], b = x[p0 + 1], cc = x[p1], d = x[p1 + 1];
        let at: number;
        if (a + b + cc + d === a + b + cc + d) {
          // no NaN: a branch-free tournament (random signs make compare-and-branch mispredict);
          // strict comparisons keep the earlier cell on ties, so the first maximum wins
          const i = +(b > a), j = +(d > cc);
          const k = +(x[p1 + j] > x[p0 + i]);
          at = r0 + c + i + k * (w + j - i);
        } else {
          // a NaN (or +Inf and -Inf together): the careful scan, the first NaN wins
          let best = a;
          at = r0 + c;
          if (beatsMax(b, best)) { best = b; at = r0 + c + 1; }
          if (beatsMax(cc, best)) { best = cc; at = r1 + c; }
          if (beatsMax(d, best)) at = r1 + c + 1;
        }
        out[oo + o] = x[xb + at];
        if (idx) idx[io + o] = at;
      }
    }
  }
}

function forwardPlanes(max: boolean, x: Float32Array, xo: number, p: Pool2dParams, out: Float32Array, oo: number, idx: Int32Array | null, io: number, pl0: number, pl1: number): void {
  const { h, w, kh, kw, outH, outW } = p;
  if (max && kh === 2 && kw === 2 && p.strideH === 2 && p.strideW === 2 && p.padH === 0 && p.padW === 0 && 2 * outH <= h && 2 * outW <= w) {
    return max2x2Planes(x, xo, p, out, oo, idx, io, pl0, pl1);
  }
  for (let plane = pl0; plane < pl1; plane++) {
    const xb = xo + plane * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * p.strideH - p.padH;
      const ky0 = Math.max(0, -y0), ky1 = Math.min(kh, h - y0);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * p.strideW - p.padW;
        const kx0 = Math.max(0, -x0), kx1 = Math.min(kw, w - x0);
        const o = (plane * outH + oy) * outW + ox;
        if (max) {
          let best = -Infinity, at = -1;
          for (let ky = ky0; ky < ky1; ky++) {
            const row = (y0 + ky) * w;
            for (let kx = kx0; kx < kx1; kx++) {
              const v = x[xb + row + x0 + kx];
              if (at < 0 || beatsMax(v, best)) {
                best = v;
                at = row + x0 + kx;
              }
            }
          }
          out[oo + o] = best;
          if (idx) idx[io + o] = at;
        } else {
          let sum = 0;
          for (let ky = ky0; ky < ky1; ky++) {
            const row = xb + (y0 + ky) * w + x0;
            for (let kx = kx0; kx < kx1; kx++) sum += x[row + kx];
          }
          out[oo + o] = sum / avgPoolCount(p, y0, x0);
        }
      }
    }
  }
}

function backwardPlanes(max: boolean, dy: Float32Array, dyo: number, idx: Int32Array | null, io: number, p: Pool2dParams, out: Float32Array, oo: number, pl0: number, pl1: number): void {
  const { h, w, kh, kw, outH, outW } = p;
  out.fill(0, oo + pl0 * h * w, oo + pl1 * h * w);
  for (let plane = pl0; plane < pl1; plane++) {
    const xb = oo + plane * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * p.strideH - p.padH;
      const ky0 = Math.max(0, -y0), ky1 = Math.min(kh, h - y0);
      for (let ox = 0; ox < outW; ox++) {
        const o = (plane * outH + oy) * outW + ox;
        const d = dy[dyo + o];
        if (max) {
          const at = idx![io + o];
          if (at >= 0) out[xb + at] += d;
          continue;
        }
        const x0 = ox * p.strideW - p.padW;
        const kx0 = Math.max(0, -x0), kx1 = Math.min(kw, w - x0);
        const share = d / avgPoolCount(p, y0, x0);
        for (let ky = ky0; ky < ky1; ky++) {
          const row = xb + (y0 + ky) * w + x0;
          for (let kx = kx0; kx < kx1; kx++) out[row + kx] += share;
        }
      }
    }
  }
}

/** The pooling geometry as job fields (named as in Pool2dParams), the mode, and the planes per task. */
const POOLING_FIELDS = {
  n: "int", c: "int", h: "int", w: "int", kh: "int", kw: "int",
  strideH: "int", strideW: "int", padH: "int", padW: "int", outH: "int", outW: "int", countIncludePad: "bool",
  max: "bool", planesPerTask: "int",
  /** Byte addresses: the input (x forward, dy backward), the output, the max indices (0: none). */
  input: "int", output: "int", indices: "int",
} as const;

const poolingForward = defineJob({
  name: "pool2d: forward",
  fields: POOLING_FIELDS,
  run(f, t, ctx) {
    const planes = f.n * f.c, ppt = f.planesPerTask;
    forwardPlanes(f.max, ctx.f32, f.input >> 2, f, ctx.f32, f.output >> 2, f.indices ? ctx.i32 : null, f.indices >> 2, t * ppt, Math.min(planes, (t + 1) * ppt));
  },
});

const poolingBackward = defineJob({
  name: "pool2d: backward",
  fields: POOLING_FIELDS,
  run(f, t, ctx) {
    const planes = f.n * f.c, ppt = f.planesPerTask;
    backwardPlanes(f.max, ctx.f32, f.input >> 2, f.indices ? ctx.i32 : null, f.indices >> 2, f, ctx.f32, f.output >> 2, t * ppt, Math.min(planes, (t + 1) * ppt));
  },
});

export function pool2dCpu(pool: ThreadPool, mode: PoolMode, x: Float32Array, p: Pool2dParams, out: Float32Array, indices: Int32Array | null): void {
  const planes = p.n * p.c, inSize = planes * p.h * p.w, outSize = planes * p.outH * p.outW;
  const max = mode === "max";
  if (mode !== "max" && mode !== "avg") throw new Error(`pool2d: unknown mode "${mode}"`);
  if (outSize === 0) return;
  if (WASM_POOL && is2x2(p)) return run2x2(pool, max, false, x, indices, p, out, true);
  if (inSize < INLINE_ELEMENTS || pool.getThreads() === 1) {
    forwardPlanes(max, x, 0, p, out, 0, indices, 0, 0, planes);
    return;
  }
  const arena = pool.begin();
  const xPtr = arena.input(x, 0, inSize), oPtr = arena.output(out, outSize), iPtr = indices ? arena.output(indices, outSize) : 0;
  const ppt = planesPerTask(p);
  pool.run(poolingForward, { ...p, max, planesPerTask: ppt, input: xPtr, output: oPtr, indices: iPtr }, { tasks: Math.ceil(planes / ppt) });
  arena.finish();
}

export function pool2dBackwardCpu(pool: ThreadPool, mode: PoolMode, dy: Float32Array, indices: Int32Array | null, p: Pool2dParams, out: Float32Array): void {
  const planes = p.n * p.c, inSize = planes * p.h * p.w, outSize = planes * p.outH * p.outW;
  const max = mode === "max";
  if (mode !== "max" && mode !== "avg") throw new Error(`pool2dBackward: unknown mode "${mode}"`);
  if (max && !indices) throw new Error("pool2dBackward: max pooling needs the indices saved by the forward pass");
  if (inSize === 0) return;
  if (WASM_POOL && is2x2(p) && outSize > 0) return run2x2(pool, max, true, dy, indices, p, out, false);
  if (inSize < INLINE_ELEMENTS || pool.getThreads() === 1) {
    backwardPlanes(max, dy, 0, indices, 0, p, out, 0, 0, planes);
    return;
  }
  const arena = pool.begin();
  const dyPtr = arena.input(dy, 0, outSize), iPtr = max ? arena.input(indices!, 0, outSize) : 0, oPtr = arena.output(out, inSize);
  const ppt = planesPerTask(p);
  pool.run(poolingBackward, { ...p, max, planesPerTask: ppt, input: dyPtr, output: oPtr, indices: iPtr }, { tasks: Math.ceil(planes / ppt) });
  arena.finish();
}
