/**
 * Numeric assertions for tests: compare tensors / nested arrays / numbers elementwise with
 * |a − e| ≤ atol + rtol·|e|, failing with the first offending index and both values.
 *
 * @example
 * expectClose(gw.tensor([1, 2]).mul(2), [2, 4]);
 */
import { expect } from "vitest";
import * as gw from "gradwork";

export type Numeric = gw.Tensor | number | readonly Numeric[] | Float32Array | Float64Array;

function flat(x: Numeric): { data: number[]; shape: number[] } {
  if (x instanceof gw.Tensor) return { data: Array.from(x.toFloat32Array()), shape: [...x.shape] };
  if (typeof x === "number") return { data: [x], shape: [] };
  if (x instanceof Float32Array || x instanceof Float64Array) return { data: Array.from(x), shape: [x.length] };
  const shape: number[] = [];
  let cur: Numeric = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return { data: (x as unknown[]).flat(Infinity) as number[], shape };
}

export interface CloseOptions {
  atol?: number;
  rtol?: number;
  /** Also require equal shapes (default true). */
  checkShape?: boolean;
}

/** Elementwise closeness with a readable failure. */
export function expectClose(actual: Numeric, expected: Numeric, opts: CloseOptions = {}): void {
  const atol = opts.atol ?? 1e-5, rtol = opts.rtol ?? 1e-4;
  const a = flat(actual), e = flat(expected);
  if (opts.checkShape ?? true) expect(a.shape, "shape").toEqual(e.shape);
  expect(a.data.length, "element count").toBe(e.data.length);
  for (let i = 0; i < e.data.length; i++) {
    const ok = Number.isNaN(e.data[i]) ? Number.isNaN(a.data[i]) : Math.abs(a.data[i] - e.data[i]) <= atol + rtol * Math.abs(e.data[i]);
    if (!ok) {
      expect.fail(`element ${i}: got ${a.data[i]}, expected ${e.data[i]} (atol ${atol}, rtol ${rtol})\n actual:   ${a.data.slice(0, 24).join(", ")}\n expected: ${e.data.slice(0, 24).join(", ")}`);
    }
  }
}

/** A random tensor (seeded by the caller via gw.manualSeed) that requires grad. */
export function rnd(shape: number[], opts: { requiresGrad?: boolean; lo?: number; hi?: number } = {}): gw.Tensor {
  const lo = opts.lo ?? -1, hi = opts.hi ?? 1;
  const t = gw.rand(shape).mul(hi - lo).add(lo).detach();
  t.requiresGrad = opts.requiresGrad ?? true;
  return t;
}

/** Random integer in [lo, hi] from the seeded generator. */
export function rint(lo: number, hi: number): number {
  return gw.randomGenerator().int(lo, hi + 1);
}

/** Values with |x| in [margin, 1] and random sign (keeps inputs away from kinks at 0). */
export function awayFromZero(shape: number[], margin = 0.1): gw.Tensor {
  const g = gw.randomGenerator();
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, () => (g.next() < 0.5 ? -1 : 1) * (margin + (1 - margin) * g.next()));
  return gw.tensor(data, { shape, requiresGrad: true });
}

/** A random shape with 1..maxDims dims of sizes 1..maxSize. */
export function randomShape(maxDims = 3, maxSize = 4, minDims = 1): number[] {
  const nd = rint(minDims, maxDims);
  return Array.from({ length: nd }, () => rint(1, maxSize));
}

/** Plain-JS NumPy broadcasting of f over two flat row-major arrays: the oracle for binary ops. */
export function broadcastJs(a: number[], as: number[], b: number[], bs: number[], f: (x: number, y: number) => number): { data: number[]; shape: number[] } {
  const nd = Math.max(as.length, bs.length);
  const pa = [...Array(nd - as.length).fill(1), ...as], pb = [...Array(nd - bs.length).fill(1), ...bs];
  const shape = pa.map((s, i) => Math.max(s, pb[i]));
  const n = shape.reduce((x, y) => x * y, 1);
  const data: number[] = [];
  for (let i = 0; i < n; i++) {
    let rem = i, ia = 0, ib = 0, sa = 1, sb = 1;
    for (let d = nd - 1; d >= 0; d--) {
      const c = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      ia += (pa[d] === 1 ? 0 : c) * sa;
      ib += (pb[d] === 1 ? 0 : c) * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    data.push(f(a[ia], b[ib]));
  }
  return { data, shape };
}

/** Run gw.gradcheck and assert it passed, with its message on failure. */
export function expectGradOk(fn: (...xs: gw.Tensor[]) => gw.Tensor, inputs: gw.Tensor[], opts: gw.GradcheckOptions = {}): gw.GradcheckReport {
  const r = gw.gradcheck(fn, inputs, { ...opts, raiseException: false });
  expect(r.passed, r.message).toBe(true);
  return r;
}

/** Plain-JS reduction of a flat row-major array over `dims` with `f` (the oracle for sum/mean/max/...). */
export function reduceJs(data: ArrayLike<number>, shape: number[], dims: number[], f: (vals: number[]) => number): number[] {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const groups = new Map<string, number[]>();
  for (let i = 0; i < data.length; i++) {
    const key = shape.map((_, d) => (dims.includes(d) ? 0 : Math.floor(i / strides[d]) % shape[d])).join(",");
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(data[i]);
  }
  return [...groups.values()].map(f);
}
