// toString() prints like PyTorch.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";

describe("printing tensors", () => {
  it("integer-valued floats print with a trailing point, aligned like PyTorch", () => {
    expect(gw.tensor([[1, 2], [3, 4]]).toString()).toBe("tensor([[1., 2.],\n        [3., 4.]])");
    expect(gw.tensor([1, -20, 3]).toString()).toBe("tensor([  1., -20.,   3.])");
    expect(gw.tensor(5).toString()).toBe("tensor(5.)");
  });

  it("fractions print with 4 decimals", () => {
    expect(gw.tensor([0.5, 1.25]).toString()).toBe("tensor([0.5000, 1.2500])");
    expect(gw.tensor([[-0.1, 2.5]]).toString()).toBe("tensor([[-0.1000,  2.5000]])");
  });

  it("3-D tensors separate matrices by a blank line", () => {
    expect(gw.arange(8).reshape([2, 2, 2]).toString()).toBe("tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])");
  });

  it("shows requiresGrad and gradFn, nan and inf, and empty tensors", () => {
    expect(gw.tensor([1, 2], { requiresGrad: true }).toString()).toBe("tensor([1., 2.], requiresGrad=true)");
    expect(gw.tensor([1, 2], { requiresGrad: true }).mul(2).toString()).toBe("tensor([2., 4.], gradFn=<mul>)");
    expect(gw.tensor([1, NaN, Infinity]).toString()).toBe("tensor([1., nan, inf])");
    expect(gw.tensor([0.5, NaN]).toString()).toBe("tensor([0.5000,    nan])");
    expect(gw.zeros([0, 3]).toString()).toBe("tensor([], size=[0, 3])");
  });

  it("summarises tensors with more than 1000 elements", () => {
    const s = gw.arange(2000).toString();
    expect(s).toBe("tensor([   0.,    1.,    2.,  ..., 1997., 1998., 1999.])");
  });

  it("prints views in logical order", () => {
    expect(gw.tensor([[1, 2], [3, 4]]).T.toString()).toBe("tensor([[1., 3.],\n        [2., 4.]])");
  });
});

describe("printing tensors in scientific notation", () => {
  it("uses PyTorch's e-05 style with two exponent digits", () => {
    expect(gw.tensor([1e-5, 1]).toString()).toBe("tensor([1.0000e-05, 1.0000e+00])");
    expect(gw.tensor([1e9, 2.5]).toString()).toBe("tensor([1.0000e+09, 2.5000e+00])");
  });
});

describe("printing like PyTorch: summarised and mixed-magnitude tensors", () => {
  it("summarised 2-D tensors elide rows with '...' and columns with ' ...'", () => {
    const s = gw.arange(1600).reshape([40, 40]).toString().split("\n");
    expect(s[0]).toBe("tensor([[   0.,    1.,    2.,  ...,   37.,   38.,   39.],");
    expect(s[3]).toBe("        ...,");
    expect(s[6]).toBe("        [1560., 1561., 1562.,  ..., 1597., 1598., 1599.]])");
  });

  it("the number style comes from the shown elements only", () => {
    const x = gw.arange(2000);
    x.storage[1000] = 0.5; // hidden by the summary: still printed as integers
    expect(x.toString()).toBe("tensor([   0.,    1.,    2.,  ..., 1997., 1998., 1999.])");
  });

  it("switches to scientific notation when max/min > 1000", () => {
    expect(gw.tensor([0.5, 1000.5]).toString()).toBe("tensor([5.0000e-01, 1.0005e+03])");
    expect(gw.tensor([0.5, 100.5]).toString()).toBe("tensor([  0.5000, 100.5000])");
  });
});
