// Reductions and softmax: forward values against plain JS, gradients by finite differences.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose, expectGradOk, reduceJs, rnd } from "../helpers/close";

const jsSum = (v: number[]) => v.reduce((a, b) => a + b, 0);
const jsMean = (v: number[]) => jsSum(v) / v.length;
const jsVar = (c: number) => (v: number[]) => {
  const m = jsMean(v);
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - c);
};

/** Distinct values (a shuffled grid plus noise) so max/min have no ties within eps. */
function distinct(shape: number[]): gw.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const g = gw.randomGenerator();
  const vals = Array.from({ length: n }, (_, i) => i * 0.1 - n * 0.05);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  return gw.tensor(Float32Array.from(vals), { shape, requiresGrad: true });
}

const DIMS: (number | number[] | undefined)[] = [undefined, 0, 1, -1, [0, 2], [2, 0, 1]];

describe.each(backendCases())("reductions [$label]", (bc) => {
  useBackendCase(bc);

  const cases: [string, (x: gw.Tensor, d?: number | number[], k?: boolean) => gw.Tensor, (v: number[]) => number][] = [
    ["sum", (x, d, k) => x.sum(d, k), jsSum],
    ["mean", (x, d, k) => x.mean(d, k), jsMean],
    ["max", (x, d, k) => x.max(d, k), (v) => Math.max(...v)],
    ["min", (x, d, k) => x.min(d, k), (v) => Math.min(...v)],
    ["var", (x, d, k) => x.var(d, k), jsVar(1)],
  ];

  describe.each(cases)("%s", (name, op, js) => {
    it.each(DIMS.map((d) => [JSON.stringify(d) ?? "all", d] as const))("over dim %s: forward, keepdim shape, gradcheck", (_, d) => {
      gw.manualSeed(31);
      const shape = [2, 3, 4];
      const x = distinct(shape);
      const dims = d === undefined ? [0, 1, 2] : (Array.isArray(d) ? d : [d]).map((v) => (v + 3) % 3);
      const y = op(x, d);
      expect(y.shape).toEqual(shape.filter((_, i) => !dims.includes(i)));
      expectClose(y.toFloat32Array(), Float32Array.from(reduceJs(x.toFloat32Array(), shape, dims, js)), { rtol: 1e-5, atol: 1e-5 });
      expect(op(x, d, true).shape).toEqual(shape.map((s, i) => (dims.includes(i) ? 1 : s)));
      expectGradOk((t) => op(t, d), [x]);
      expectGradOk((t) => op(t, d, true), [x]);
    });
    it("gradcheck on a transposed and a stepped-slice input", () => {
      gw.manualSeed(32);
      expectGradOk((t) => op(t.transpose(0, 1), 1), [distinct([4, 3])]);
      expectGradOk((t) => op(t.slice(1, 0, 6, 2), 0), [distinct([3, 6])]);
    });
  });

  it("max/min split the gradient evenly between tied elements", () => {
    const x = gw.tensor([[1, 3, 3], [2, 2, 2]], { requiresGrad: true });
    x.max(1).sum().backward();
    expectClose(x.grad!, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]);
    const y = gw.tensor([4, 1, 1, 5], { requiresGrad: true });
    y.min().backward();
    expectClose(y.grad!, [0, 0.5, 0.5, 0]);
  });

  it("var with correction 0 is the biased variance; a single element with correction 1 gives inf or nan", () => {
    gw.manualSeed(33);
    const x = rnd([3, 5]);
    expectClose(x.var(1, false, { correction: 0 }).toFloat32Array(), Float32Array.from(reduceJs(x.toFloat32Array(), [3, 5], [1], jsVar(0))), { rtol: 1e-5 });
    expectGradOk((t) => t.var(1, false, { correction: 0 }), [x]);
    expectClose(gw.tensor([1, 2, 3, 4]).var(), 5 / 3);
    expect(Number.isFinite(gw.tensor([1]).var().item())).toBe(false);
  });

  it("reducing a 0-d tensor gives a new tensor (the input stays a leaf); an empty dim list reduces everything", () => {
    for (const keepdim of [false, true]) {
      const x = gw.tensor(2, { requiresGrad: true });
      const y = x.sum(undefined, keepdim);
      expect(y).not.toBe(x);
      expect(x.isLeaf).toBe(true);
      y.mul(3).backward();
      expectClose(x.grad!, 3);
      const z = gw.tensor(-1, { requiresGrad: true });
      z.max(undefined, keepdim).mul(2).backward();
      expectClose(z.grad!, 2);
    }
    expectClose(gw.tensor([[1, 2], [3, 4]]).sum([]), 10);
    expectClose(gw.tensor([[1, 2], [3, 4]]).mean([]), 2.5);
  });

  it("argmax/argmin: first occurrence, per dim and flattened", () => {
    const x = gw.tensor([[1, 5, 5], [7, 2, 7]]);
    expectClose(x.argmax(1), [1, 0]);
    expectClose(x.argmin(1), [0, 1]);
    expectClose(x.argmax(0), [1, 0, 1]);
    expectClose(x.argmax(), 3);
    expectClose(x.argmin(), 0);
    expect(x.argmax(1, true).shape).toEqual([2, 1]);
  });

  describe.each([["softmax"], ["logSoftmax"]] as const)("%s", (name) => {
    const jsRow = (v: number[]) => {
      const m = Math.max(...v);
      const e = v.map((x) => Math.exp(x - m));
      const s = jsSum(e);
      return name === "softmax" ? e.map((x) => x / s) : v.map((x) => x - m - Math.log(s));
    };
    it.each([0, 1, -1])("along dim %i matches JS and passes gradcheck", (dim) => {
      gw.manualSeed(34);
      const x = rnd([3, 4], { lo: -3, hi: 3 });
      const y = x[name](dim);
      const d = (dim + 2) % 2;
      const X = x.toArray(2);
      const want = d === 1 ? X.map(jsRow) : transpose(transpose(X).map(jsRow));
      expectClose(y, want, { rtol: 1e-5, atol: 1e-6 });
      expectGradOk((t) => t[name](dim), [x]);
      expectGradOk((t) => t.transpose(0, 1)[name](dim), [x]);
    });
    it("3-D input along the middle dim, and large logits stay finite", () => {
      gw.manualSeed(35);
      expectGradOk((t) => t[name](1), [rnd([2, 3, 2])]);
      const big = gw.tensor([[1000, 1001, 999]])[name](1);
      const want = jsRow([1000, 1001, 999]);
      expectClose(big, [want], { rtol: 1e-5, atol: 1e-5 });
    });
  });

  it("softmax sums to one along the dim and is invariant to adding a constant", () => {
    gw.manualSeed(36);
    const z = rnd([4, 5], { lo: -4, hi: 4 });
    expectClose(z.softmax(1).sum(1), [1, 1, 1, 1], { atol: 1e-6 });
    expectClose(z.add(17.5).softmax(1), z.softmax(1), { atol: 1e-6 });
    expectClose(z.logSoftmax(1).exp(), z.softmax(1), { atol: 1e-6 });
  });
});

function transpose(m: number[][]): number[][] {
  return m[0].map((_, j) => m.map((r) => r[j]));
}
