// gradcheck itself: it must pass correct gradients and catch wrong ones and non-finite values.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";

/** An op with a deliberately wrong backward (claims d/dx x³ = 2x). */
function brokenCube(x: gw.Tensor): gw.Tensor {
  const y = gw.noGrad(() => x.mul(x).mul(x));
  const out = new gw.Tensor(y.toFloat32Array(), y.shape);
  out.requiresGrad = true;
  out.gradFn = { name: "brokenCube", inputs: [x], backward: (g) => [g.mul(x).mul(2)] };
  return out;
}

describe("gradcheck", () => {
  it("passes a correct gradient and reports small errors", () => {
    gw.manualSeed(1);
    const r = gw.gradcheck((t) => t.tanh().mul(t).sum(), [gw.randn([4], { requiresGrad: true })]);
    expect(r.passed).toBe(true);
    expect(r.maxAbsError).toBeLessThan(1e-3);
  });

  it("catches a wrong backward, naming the worst element", () => {
    const x = gw.tensor([1.5, -2, 0.7], { requiresGrad: true });
    const r = gw.gradcheck((t) => brokenCube(t).sum(), [x], { raiseException: false });
    expect(r.passed).toBe(false);
    expect(r.worst!.input).toBe(0);
    expect(r.worst!.numeric).toBeCloseTo(3 * 4, 1); // the worst is x = −2: 3x² = 12 vs 2x = −4
    expect(r.worst!.analytic).toBeCloseTo(-4, 4);
    expect(() => gw.gradcheck((t) => brokenCube(t).sum(), [x])).toThrow(/FAILED.*input 0 at \[1\]/);
  });

  it("reports NaN/Infinity in inputs and outputs", () => {
    const bad = gw.tensor([1, NaN, 3], { requiresGrad: true });
    expect(bad.toFloat32Array()[1]).toBeNaN(); // tensor() accepts NaN
    expect(() => gw.gradcheck((t) => t.sum(), [bad])).toThrow(/non-finite value NaN at index \[1\]/);
    const inf = gw.tensor([[1, Infinity]], { requiresGrad: true });
    expect(gw.gradcheck((t) => t.sum(), [inf], { raiseException: false }).passed).toBe(false);
    const x = gw.tensor([0, 1], { requiresGrad: true });
    expect(() => gw.gradcheck((t) => t.log().sum(), [x])).toThrow(/non-finite/);
  });

  it("checks several inputs and skips those without requiresGrad", () => {
    gw.manualSeed(2);
    const a = gw.randn([2, 3], { requiresGrad: true }), b = gw.randn([3]);
    const r = gw.gradcheck((p, q) => p.mul(q).sum(), [a, b]);
    expect(r.passed).toBe(true);
    expect(() => gw.gradcheck((p) => p.sum(), [gw.randn([2])])).toThrow(/requiresGrad/);
  });
});
