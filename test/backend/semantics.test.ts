// Both backends against the scalar rules of lib/backend/semantics.ts, over the values where rules
// differ: NaN, ties, −0 and +0, infinities, denormals. Every unary and binary op on every pair of
// special values (in small ordinary arrays, and tiled into large shared-memory arrays so that the cpu
// backend's threaded and SIMD paths run), max/argmax/min/argmin on sequences with NaNs and ties, max
// pooling (the 2×2 fast path included) and the average-pool cell count.
import { afterAll, describe, expect, it } from "vitest";
import type { BinaryOp, Kernels, Pool2dParams, ReduceOp, UnaryOp } from "../../lib/backend/backend";
import { BINARY, UNARY, avgPoolCount, beatsMax, beatsMin, where } from "../../lib/backend/semantics";
import { referenceBackend } from "../../lib/backend/reference";
import { cpuBackend, getNumThreads, setNumThreads } from "../../lib/backend/cpu";
import { expectIdentical, view } from "./cpu/helpers";

const initialThreads = getNumThreads();
afterAll(() => setNumThreads(initialThreads));

const SPECIAL = [NaN, -Infinity, -3.5, -1, -1e-45, -0, 0, 1e-45, 0.5, 1, 2, 3.4e38, Infinity];
const PAIRS = SPECIAL.flatMap((a) => SPECIAL.map((b) => [a, b]));
/** Large enough for the cpu backend's threaded paths (and its heap). */
const BIG = 70_000;

const UNARY_OPS = Object.keys(UNARY) as UnaryOp[];
const BINARY_OPS = Object.keys(BINARY) as BinaryOp[];

/** The backends under test: the reference, and the cpu backend at 1–3 threads. */
const BACKENDS: [string, Kernels, number][] = [["reference", referenceBackend, 1], ["cpu 1T", cpuBackend, 1], ["cpu 2T", cpuBackend, 2], ["cpu 3T", cpuBackend, 3]];

/** `n` floats: in the cpu backend's shared memory when `heap`, else an ordinary array. */
function floats(n: number, heap: boolean): Float32Array {
  return heap ? cpuBackend.alloc(n, true) : new Float32Array(n);
}

/** The values of `pick(pair)` over all pairs, repeated to length n. */
function tiled(n: number, heap: boolean, pick: (pair: number[]) => number): Float32Array {
  const a = floats(n, heap);
  for (let i = 0; i < n; i++) a[i] = pick(PAIRS[i % PAIRS.length]);
  return a;
}

describe.each(BACKENDS)("%s follows the scalar rules", (_label, backend, threads) => {
  for (const heap of [false, true]) {
    const n = heap ? BIG : PAIRS.length;
    const where_ = heap ? "large shared-memory arrays" : "small arrays";

    it(`unary ops on special values (${where_})`, () => {
      setNumThreads(threads);
      const x = tiled(n, heap, (p) => p[0]);
      for (const op of UNARY_OPS) {
        const got = floats(n, heap);
        backend.unary(op, view(x, [n], [1]), got);
        expectIdentical(got, x.map((v) => UNARY[op](v)), `${op}`);
      }
    });

    it(`binary ops on every pair of special values, also broadcast (${where_})`, () => {
      setNumThreads(threads);
      const a = tiled(n, heap, (p) => p[0]), b = tiled(n, heap, (p) => p[1]);
      for (const op of BINARY_OPS) {
        const got = floats(n, heap);
        backend.binary(op, view(a, [n], [1]), view(b, [n], [1]), got);
        expectIdentical(got, a.map((v, i) => BINARY[op](v, b[i])), `${op}`);
        for (const s of SPECIAL.map(Math.fround)) {
          // b broadcast (stride 0): the SIMD runs take a scalar operand
          backend.binary(op, view(a, [n], [1]), view(Float32Array.of(s), [n], [0]), got);
          expectIdentical(got, a.map((v) => BINARY[op](v, s)), `${op}(a, ${s})`);
        }
      }
    });

    it(`where on special conditions (${where_})`, () => {
      setNumThreads(threads);
      const c = tiled(n, heap, (p) => p[0]), a = tiled(n, heap, (p) => p[1]), b = tiled(n, heap, (p) => -p[1]);
      const got = floats(n, heap);
      backend.where(view(c, [n], [1]), view(a, [n], [1]), view(b, [n], [1]), got);
      expectIdentical(got, c.map((v, i) => where(v, a[i], b[i])), "where");
    });
  }

  it("max, argmax, min and argmin: NaN wins, the first extreme wins (rows and columns, small and large)", () => {
    setNumThreads(threads);
    const rows = [
      [1, 3, 3, 2], [NaN, 5, 7, 1], [1, NaN, NaN, 9], [-0, 0, 0, -0], [0, -0, -0, 0],
      [-Infinity, -Infinity, -Infinity, -Infinity], [Infinity, 1, Infinity, NaN], [2, 1, 1, 2],
    ];
    const want: Record<ReduceOp, number[]> = {
      max: [3, NaN, NaN, -0, 0, -Infinity, NaN, 2], argmax: [1, 0, 1, 0, 0, 0, 3, 0],
      min: [1, NaN, NaN, -0, 0, -Infinity, NaN, 1], argmin: [0, 0, 1, 0, 0, 0, 3, 1],
      sum: [9, NaN, NaN, 0, 0, -Infinity, NaN, 6],
    };
    for (const rep of [1, 3000]) {
      // rep copies of the rows: [rep*8, 4] reduced along the rows (inner 1), and its transpose [4, rep*8] along the columns
      const outer = rows.length * rep, heap = rep > 1;
      const x = floats(outer * 4, heap), xt = floats(outer * 4, heap);
      for (let o = 0; o < outer; o++) for (let s = 0; s < 4; s++) x[o * 4 + s] = xt[s * outer + o] = rows[o % rows.length][s];
      for (const op of Object.keys(want) as ReduceOp[]) {
        const expected = Float32Array.from({ length: outer }, (_, o) => want[op][o % rows.length]);
        const got = floats(outer, heap), gotT = floats(outer, heap);
        backend.reduce(op, x, outer, 4, 1, got);
        backend.reduce(op, xt, 1, 4, outer, gotT);
        expectIdentical(got, expected, `${op} of rows (×${rep})`);
        expectIdentical(gotT, expected, `${op} of columns (×${rep})`);
      }
    }
  });

  it("max pooling takes the first maximum of the window in row-major order, NaN wins (2×2 fast path and 3×3 padded)", () => {
    setNumThreads(threads);
    const base: Pool2dParams = { n: 1, c: 1, h: 2, w: 2, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, outH: 1, outW: 1, countIncludePad: true };
    const windows: [number[], number, number][] = [
      // window (row-major), expected max, expected index
      [[1, 3, 3, 2], 3, 1], [[2, 1, 1, 2], 2, 0], [[1, NaN, 5, NaN], NaN, 1], [[-0, 0, 0, -0], -0, 0],
      [[-Infinity, -Infinity, -Infinity, -Infinity], -Infinity, 0], [[1, 2, Infinity, Infinity], Infinity, 2], [[Infinity, -Infinity, 0, 0], Infinity, 0],
    ];
    for (const planes of [1, 20_000]) {
      const c = windows.length * planes, heap = planes > 1;
      const p = { ...base, c };
      const x = floats(4 * c, heap), out = floats(c, heap), idx = new Int32Array(c);
      for (let i = 0; i < c; i++) x.set(windows[i % windows.length][0], 4 * i);
      backend.pool2d("max", x, p, out, idx);
      expectIdentical(out, Float32Array.from({ length: c }, (_, i) => windows[i % windows.length][1]), `2×2 max (${planes} planes)`);
      expectIdentical(idx, Int32Array.from({ length: c }, (_, i) => windows[i % windows.length][2]), `2×2 argmax (${planes} planes)`);
    }
    // 3×3 windows, stride 1, padding 1 over a 2×2 plane [[NaN, 1], [1, NaN]]: every window holds the first NaN or the second
    const p3 = { ...base, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, outH: 2, outW: 2 };
    const out = new Float32Array(4), idx = new Int32Array(4);
    backend.pool2d("max", Float32Array.of(NaN, 1, 1, NaN), p3, out, idx);
    expectIdentical(out, Float32Array.of(NaN, NaN, NaN, NaN), "3×3 max");
    expectIdentical(idx, Int32Array.of(0, 0, 0, 0), "3×3 argmax: the first NaN");
  });

  it("average pooling divides by avgPoolCount (padding counted or not, windows past the padded border)", () => {
    setNumThreads(threads);
    for (const countIncludePad of [true, false]) {
      // 3×3 plane of ones, 2×2 windows, stride 2, padding 1, ceil mode: a third window row/column past the border
      const p: Pool2dParams = { n: 1, c: 1, h: 3, w: 3, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 1, padW: 1, outH: 3, outW: 3, countIncludePad };
      const out = new Float32Array(9);
      backend.pool2d("avg", new Float32Array(9).fill(1), p, out, null);
      const expected = Float32Array.from({ length: 9 }, (_, o) => {
        const y0 = Math.floor(o / 3) * 2 - 1, x0 = (o % 3) * 2 - 1;
        const cells = (Math.min(y0 + 2, 3) - Math.max(y0, 0)) * (Math.min(x0 + 2, 3) - Math.max(x0, 0));
        return cells / avgPoolCount(p, y0, x0);
      });
      expectIdentical(out, expected, `avg (countIncludePad ${countIncludePad})`);
    }
  });
});

describe("the rules themselves", () => {
  it("max/min: NaN wins and stays, ties keep the first", () => {
    expect([beatsMax(NaN, 1), beatsMax(1, NaN), beatsMax(NaN, NaN), beatsMax(2, 2), beatsMax(0, -0), beatsMax(3, 2)]).toEqual([true, false, false, false, false, true]);
    expect([beatsMin(NaN, 1), beatsMin(1, NaN), beatsMin(-0, 0), beatsMin(1, 2)]).toEqual([true, false, false, true]);
  });

  it("avgPoolCount: padded cells count with countIncludePad, cells past the padded border never", () => {
    const p: Pool2dParams = { n: 1, c: 1, h: 3, w: 3, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 1, padW: 1, outH: 3, outW: 3, countIncludePad: true };
    expect([avgPoolCount(p, -1, -1), avgPoolCount(p, 1, 1), avgPoolCount(p, 3, 3), avgPoolCount(p, 3, 1)]).toEqual([4, 4, 1, 2]);
    const q = { ...p, countIncludePad: false };
    expect([avgPoolCount(q, -1, -1), avgPoolCount(q, 1, 1), avgPoolCount(q, 3, 3), avgPoolCount(q, -1, 1)]).toEqual([1, 4, 0, 2]);
  });

  it("elementwise: ReLU and sign keep NaN and signed zeros as documented, maximum propagates NaN", () => {
    expect([UNARY.relu(NaN), UNARY.relu(-0), UNARY.sign(-0), UNARY.sign(NaN)]).toEqual([NaN, 0, -0, NaN]);
    expect(Object.is(UNARY.relu(-0), 0)).toBe(true);
    expect([BINARY.maximum(1, NaN), BINARY.maximum(NaN, 1), BINARY.minimum(-0, 0), BINARY.reluBackward(NaN, -1)]).toEqual([NaN, NaN, 0, NaN]);
  });
});
