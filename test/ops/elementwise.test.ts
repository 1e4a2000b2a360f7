// Elementwise ops: forward values against plain JS, gradients by finite differences, over random
// and broadcast shapes and non-contiguous inputs (transposed, stepped slices, expanded views).
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { awayFromZero, broadcastJs, expectClose, expectGradOk, randomShape, rint, rnd, type Numeric } from "../helpers/close";

type Unary = (x: gw.Tensor) => gw.Tensor;
const sig = (x: number) => 1 / (1 + Math.exp(-x));
/** name, op, JS oracle, input range (positive-only ops get [0.5, 2]; kinked ops stay away from 0). */
const UNARY: [string, Unary, (x: number) => number, "any" | "pos" | "kink"][] = [
  ["neg", gw.neg, (x) => -x, "any"],
  ["exp", gw.exp, Math.exp, "any"],
  ["log", gw.log, Math.log, "pos"],
  ["sqrt", gw.sqrt, Math.sqrt, "pos"],
  ["abs", gw.abs, Math.abs, "kink"],
  ["tanh", gw.tanh, Math.tanh, "any"],
  ["sigmoid", gw.sigmoid, sig, "any"],
  ["relu", gw.relu, (x) => Math.max(x, 0), "kink"],
  ["sin", gw.sin, Math.sin, "any"],
  ["cos", gw.cos, Math.cos, "any"],
];

function input(kind: "any" | "pos" | "kink", shape: number[]): gw.Tensor {
  if (kind === "pos") return rnd(shape, { lo: 0.5, hi: 2 });
  if (kind === "kink") return awayFromZero(shape);
  return rnd(shape, { lo: -1.5, hi: 1.5 });
}

type Binary = (a: gw.Tensor | number, b: gw.Tensor | number) => gw.Tensor;
const BINARY: [string, Binary, (a: number, b: number) => number][] = [
  ["add", gw.add, (a, b) => a + b],
  ["sub", gw.sub, (a, b) => a - b],
  ["mul", gw.mul, (a, b) => a * b],
  ["div", gw.div, (a, b) => a / b],
  ["pow", gw.pow, (a, b) => a ** b],
  ["maximum", gw.maximum, Math.max],
  ["minimum", gw.minimum, Math.min],
];

const PAIRS: [number[], number[]][] = [
  [[3, 4], [3, 4]],
  [[3, 1], [1, 4]],
  [[2, 3, 4], [4]],
  [[], [2, 3]],
  [[2, 3], []],
  [[4], [2, 1, 4]],
];

/** Operands suited to the op: positive bases for pow/div denominators, well-separated values for max/min. */
function operands(name: string, as: number[], bs: number[]): [gw.Tensor, gw.Tensor] {
  if (name === "pow") return [rnd(as, { lo: 0.5, hi: 2 }), rnd(bs, { lo: -2, hi: 2 })];
  if (name === "div") return [rnd(as), awayFromZero(bs, 0.5)];
  if (name === "maximum" || name === "minimum") {
    // a on a 0.1 grid, b on the grid shifted by 0.05: |a − b| ≥ 0.03, no ties within eps
    const g = gw.randomGenerator();
    const grid = (shape: number[], shift: number) => {
      const n = shape.reduce((x, y) => x * y, 1);
      const d = Float32Array.from({ length: n }, () => 0.1 * g.int(-10, 10) + shift + (g.next() - 0.5) * 0.02);
      return gw.tensor(d, { shape, requiresGrad: true });
    };
    return [grid(as, 0), grid(bs, 0.05)];
  }
  return [rnd(as), rnd(bs)];
}

describe.each(backendCases())("elementwise ops [$label]", (bc) => {
  useBackendCase(bc);

  describe.each(UNARY)("%s", (name, op, js, kind) => {
    it("forward matches Math on random shapes", () => {
      gw.manualSeed(11);
      for (let trial = 0; trial < 3; trial++) {
        const x = input(kind, randomShape(3, 5));
        expectClose(op(x), mapNested(x.toArray(), js) as Numeric, { rtol: 1e-5, atol: 1e-6 });
      }
    });
    it("gradcheck: contiguous, scalar, transposed, stepped slice and expanded inputs", () => {
      gw.manualSeed(12);
      expectGradOk(op, [input(kind, [3, 4])]);
      expectGradOk(op, [input(kind, [])]);
      expectGradOk((x) => op(x.transpose(0, 1)), [input(kind, [3, 4])]);
      expectGradOk((x) => op(x.slice(1, 0, 5, 2)), [input(kind, [2, 5])]);
      expectGradOk((x) => op(x.expand([3, 4])), [input(kind, [3, 1])]);
    });
  });

  describe.each(BINARY)("%s", (name, op, js) => {
    it.each(PAIRS)("forward and gradcheck for shapes %j and %j", (as, bs) => {
      gw.manualSeed(21);
      const [a, b] = operands(name, as, bs);
      const want = broadcastJs(Array.from(a.toFloat32Array()), as, Array.from(b.toFloat32Array()), bs, js);
      const y = op(a, b);
      expect(y.shape).toEqual(want.shape);
      expectClose(y.toFloat32Array(), Float32Array.from(want.data), { rtol: 1e-5, atol: 1e-6 });
      expectGradOk(op, [a, b]);
      // gradients come back in each input's own shape
      op(a, b).sum().backward();
      expect(a.grad!.shape).toEqual(as);
      expect(b.grad!.shape).toEqual(bs);
    });
    it("random broadcast-compatible shape pairs: forward and gradcheck", () => {
      gw.manualSeed(26);
      for (let trial = 0; trial < 4; trial++) {
        const full = randomShape(4, 3);
        // b: a random suffix of full's shape with some sizes replaced by 1; a: full with some sizes set to 1
        const bs = full.slice(rint(0, full.length)).map((d) => (rint(0, 2) === 0 ? 1 : d));
        const as = full.map((d) => (rint(0, 3) === 0 ? 1 : d));
        const [a, b] = operands(name, as, bs);
        const want = broadcastJs(Array.from(a.toFloat32Array()), as, Array.from(b.toFloat32Array()), bs, js);
        const y = op(a, b);
        expect(y.shape, `${JSON.stringify(as)} with ${JSON.stringify(bs)}`).toEqual(want.shape);
        expectClose(y.toFloat32Array(), Float32Array.from(want.data), { rtol: 1e-5, atol: 1e-6 });
        expectGradOk(op, [a, b]);
      }
    });
    it("gradcheck with non-contiguous operands (transposed, stepped slice, expanded)", () => {
      gw.manualSeed(22);
      const [a, b] = operands(name, [4, 3], [3, 8]);
      expectGradOk((x, y) => op(x.transpose(0, 1), y.slice(1, 1, 8, 2)), [a, b]);
      const [c, d] = operands(name, [1, 4], [3, 4]);
      expectGradOk((x, y) => op(x.expand([3, 4]), y.permute([1, 0]).transpose(0, 1)), [c, d]);
    });
    it("accepts a plain number on either side", () => {
      gw.manualSeed(23);
      const [a] = operands(name, [2, 3], [1]);
      const k = name === "pow" ? 1.5 : name === "maximum" || name === "minimum" ? 0.02 : 0.75;
      const xs = Array.from(a.toFloat32Array());
      expectClose(op(a, k).toFloat32Array(), Float32Array.from(xs.map((v) => js(v, k))), { rtol: 1e-5, atol: 1e-6 });
      if (name !== "pow" && name !== "div") expectClose(op(k, a).toFloat32Array(), Float32Array.from(xs.map((v) => js(k, v))), { rtol: 1e-5, atol: 1e-6 });
      expectGradOk((x) => op(x, k), [a]);
    });
  });

  it("pow: gradient with respect to the exponent, and 0^b with b ≥ 0 has a zero exponent-gradient", () => {
    gw.manualSeed(24);
    expectGradOk((b) => gw.pow(2.5, b), [rnd([5])]);
    const base = gw.tensor([0, 0], { requiresGrad: true });
    const e = gw.tensor([2, 3], { requiresGrad: true });
    gw.pow(base, e).sum().backward();
    expectClose(e.grad!, [0, 0]);
    expectClose(base.grad!, [0, 0]);
  });

  it("maximum/minimum split the gradient evenly on ties", () => {
    const a = gw.tensor([1, 2, 3], { requiresGrad: true });
    const b = gw.tensor([1, 5, 0], { requiresGrad: true });
    gw.maximum(a, b).sum().backward();
    expectClose(a.grad!, [0.5, 0, 1]);
    expectClose(b.grad!, [0.5, 1, 0]);
    a.zeroGrad(); b.zeroGrad();
    gw.minimum(a, b).sum().backward();
    expectClose(a.grad!, [0.5, 1, 0]);
    expectClose(b.grad!, [0.5, 0, 1]);
  });

  it("where: forward picks by condition; gradients go to the chosen branch, broadcasting", () => {
    gw.manualSeed(25);
    const cond = gw.tensor([[1], [0], [1]]);
    const a = rnd([3, 4]), b = rnd([4]);
    const y = gw.where(cond, a, b);
    const A = a.toArray(2), B = b.toArray(1);
    expectClose(y, [A[0], B, A[2]]);
    expectGradOk((x, z) => gw.where(cond, x, z), [a, b]);
    gw.where(cond, a, b).sum().backward();
    expectClose(a.grad!, [[1, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 1]]);
    expectClose(b.grad!, [1, 1, 1, 1]);
    expectClose(gw.where(gw.tensor([0, 1]), 5, gw.tensor([7, 8])), [7, 5]);
  });

  it("comparisons give 0/1 masks with broadcasting", () => {
    const a = gw.tensor([[1, 2, 3]]), b = gw.tensor([[2], [3]]);
    expectClose(a.gt(b), [[0, 0, 1], [0, 0, 0]]);
    expectClose(a.lt(b), [[1, 0, 0], [1, 1, 0]]);
    expectClose(a.ge(b), [[0, 1, 1], [0, 0, 1]]);
    expectClose(a.le(b), [[1, 1, 0], [1, 1, 1]]);
    expectClose(a.eq(b), [[0, 1, 0], [0, 0, 1]]);
    expectClose(a.ne(b), [[1, 0, 1], [1, 1, 0]]);
  });

  it("sigmoid is stable for large |x| and has σ' = σ(1 − σ)", () => {
    const x = gw.tensor([-100, -5, 0, 5, 100], { requiresGrad: true });
    const y = x.sigmoid();
    expectClose(y, [0, sig(-5), 0.5, sig(5), 1], { atol: 1e-6 });
    y.sum().backward();
    const s = [0, sig(-5), 0.5, sig(5), 1];
    expectClose(x.grad!, s.map((v) => v * (1 - v)), { atol: 1e-6 });
  });
});

function mapNested(a: unknown, f: (x: number) => number): unknown {
  return Array.isArray(a) ? a.map((v) => mapNested(v, f)) : f(a as number);
}
