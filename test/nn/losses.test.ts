// Losses: values against plain JS formulas, gradients by finite differences, every reduction.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose, expectGradOk, rnd } from "../helpers/close";

type Red = "mean" | "sum" | "none";
const REDS: Red[] = ["mean", "sum", "none"];
const reduceJs = (v: number[], r: Red) => (r === "none" ? v : r === "sum" ? v.reduce((a, b) => a + b, 0) : v.reduce((a, b) => a + b, 0) / v.length);
const logSoftmaxRow = (z: number[]) => {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
};

describe.each(backendCases())("losses [$label]", (bc) => {
  useBackendCase(bc);

  describe.each(REDS)("reduction %s", (reduction) => {
    it.each([0, 0.1, 0.3])("crossEntropy with labelSmoothing %f: value and gradcheck", (eps) => {
      gw.manualSeed(101);
      const logits = rnd([4, 5], { lo: -3, hi: 3 });
      const targets = [0, 4, 2, 2];
      const rows = logits.toArray(2);
      const per = rows.map((z, i) => {
        const lp = logSoftmaxRow(z);
        return -lp.reduce((a, v, c) => a + v * ((c === targets[i] ? 1 - eps : 0) + eps / 5), 0);
      });
      const got = gw.F.crossEntropy(logits, targets, { reduction, labelSmoothing: eps });
      expectClose(got, reduceJs(per, reduction) as number | number[], { rtol: 1e-5, atol: 1e-6 });
      expectGradOk((z) => gw.F.crossEntropy(z, gw.tensor(targets), { reduction, labelSmoothing: eps }), [logits]);
    });

    it("nllLoss: value and gradcheck", () => {
      gw.manualSeed(102);
      const lp = rnd([3, 4], { lo: -3, hi: 0 });
      const targets = [3, 0, 1];
      const per = lp.toArray(2).map((r, i) => -r[targets[i]]);
      expectClose(gw.F.nllLoss(lp, targets, { reduction }), reduceJs(per, reduction) as number | number[], { rtol: 1e-6 });
      expectGradOk((z) => gw.F.nllLoss(z, targets, { reduction }), [lp]);
    });

    it("mseLoss: value and gradcheck (both arguments, broadcasting-free)", () => {
      gw.manualSeed(103);
      const a = rnd([2, 3]), b = rnd([2, 3]);
      const A = Array.from(a.toFloat32Array()), B = Array.from(b.toFloat32Array());
      const per = A.map((v, i) => (v - B[i]) ** 2);
      const got = gw.F.mseLoss(a, b, { reduction });
      expectClose(reduction === "none" ? got.toFloat32Array() : got, reduction === "none" ? Float32Array.from(per) : (reduceJs(per, reduction) as number), { rtol: 1e-5 });
      expectGradOk((p, q) => gw.F.mseLoss(p, q, { reduction }), [a, b]);
    });

    it("binaryCrossEntropyWithLogits: value, stability at large logits, gradcheck", () => {
      gw.manualSeed(104);
      const x = rnd([5], { lo: -4, hi: 4 }), y = gw.tensor([1, 0, 1, 0, 0.3]);
      const sig = (v: number) => 1 / (1 + Math.exp(-v));
      const per = Array.from(x.toFloat32Array()).map((v, i) => -(y.toArray(1)[i] * Math.log(sig(v)) + (1 - y.toArray(1)[i]) * Math.log(1 - sig(v))));
      expectClose(gw.F.binaryCrossEntropyWithLogits(x, y, { reduction }), reduceJs(per, reduction) as number | number[], { rtol: 1e-5, atol: 1e-6 });
      expectGradOk((z) => gw.F.binaryCrossEntropyWithLogits(z, y, { reduction }), [x]);
      const big = gw.F.binaryCrossEntropyWithLogits(gw.tensor([100, -100]), gw.tensor([0, 1]), { reduction: "none" });
      expectClose(big, [100, 100], { rtol: 1e-6 });
    });
  });

  it("crossEntropy gradient is (softmax − one-hot)/N and stays finite for huge logits", () => {
    const z = gw.tensor([[1000, 0, -1000], [0, 0, 0]], { requiresGrad: true });
    const loss = gw.F.crossEntropy(z, [2, 1]);
    expect(loss.item()).toBeCloseTo((2000 + Math.log(3)) / 2, 2);
    loss.backward();
    expectClose(z.grad!, [[0.5, 0, -0.5], [1 / 6, -1 / 3, 1 / 6]], { atol: 1e-6 });
  });

  it("crossEntropy accepts targets as a tensor or an array, and equals nllLoss(logSoftmax)", () => {
    gw.manualSeed(105);
    const z = rnd([3, 4]);
    const a = gw.F.crossEntropy(z, gw.tensor([1, 2, 3])).item();
    expect(gw.F.crossEntropy(z, [1, 2, 3]).item()).toBe(a);
    expect(gw.F.nllLoss(z.logSoftmax(1), [1, 2, 3]).item()).toBeCloseTo(a, 6);
  });

  it("a single number as targets is a clear error (not '0 targets for a batch of 2')", () => {
    const logits = gw.zeros([2, 3]);
    expect(() => gw.F.crossEntropy(logits, 1 as unknown as number[])).toThrow(
      /^crossEntropy: targets must be a 1-D tensor or an array of 2 class indices \(one per row of the input\), got the number 1 \(for one sample write \[1\]\)$/,
    );
    expect(() => gw.F.nllLoss(logits, "0,1" as unknown as number[])).toThrow(/^nllLoss: targets must be .* got string$/);
    expect(() => gw.F.crossEntropy(logits, [0])).toThrow(/crossEntropy: 1 targets for a batch of 2/);
  });
});
