// Bad input gets a thrown error whose message names the shapes or values involved.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";

describe("clear errors for bad input", () => {
  it("non-broadcastable shapes name both shapes", () => {
    expect(() => gw.add(gw.zeros([2, 3]), gw.zeros([4]))).toThrow(/\[2, 3\] and \[4\].*not broadcastable/);
    expect(() => gw.zeros([2, 3]).mul(gw.zeros([3, 2]))).toThrow(/\[2, 3\] and \[3, 2\]/);
    expect(() => gw.where(gw.ones([2]), gw.zeros([3]), 0)).toThrow(/\[2\] and \[3\]/);
  });

  it("matmul with mismatched inner sizes names the shapes", () => {
    expect(() => gw.zeros([2, 3]).matmul(gw.zeros([4, 5]))).toThrow(/\[2, 3\] and \[4, 5\].*3 ≠ 4/);
    expect(() => gw.zeros([3]).matmul(gw.zeros([4]))).toThrow(/\[3\] and \[4\]/);
    expect(() => gw.zeros([2, 2, 3]).matmul(gw.zeros([3, 3, 1]))).toThrow(/batch dims.*\[2\] and \[3\]/);
    expect(() => gw.matmul(gw.tensor(2), gw.zeros([2]))).toThrow(/at least 1 dimension/);
  });

  it("wrong element count for a shape", () => {
    expect(() => gw.tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/3 data elements do not fit shape \[2, 2\]/);
    expect(() => gw.arange(6).reshape([4, 2])).toThrow(/\[6\].*\[4, 2\]/);
    expect(() => gw.arange(6).reshape([4, -1])).toThrow(/\[6\].*\[4, -1\]/);
    expect(() => gw.tensor([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => gw.zeros([2, -1])).toThrow(/invalid shape \[2, -1\]/);
  });

  it("NaN and Infinity are allowed in tensor() but reported by gradcheck", () => {
    const t = gw.tensor([NaN, Infinity, -Infinity]);
    expect(Array.from(t.toFloat32Array())).toEqual([NaN, Infinity, -Infinity]);
    expect(() => gw.gradcheck((x) => x.sum(), [gw.tensor([1, Infinity], { requiresGrad: true })])).toThrow(/non-finite value Infinity at index \[1\]/);
  });

  it("crossEntropy / nllLoss: out-of-range or fractional class index, wrong target count, wrong logits rank", () => {
    const logits = gw.zeros([2, 3]);
    expect(() => gw.F.crossEntropy(logits, [0, 3])).toThrow(/target 3 at position 1.*\[0, 2\]/);
    expect(() => gw.F.crossEntropy(logits, [-1, 0])).toThrow(/target -1 at position 0/);
    expect(() => gw.F.crossEntropy(logits, [0.5, 1])).toThrow(/target 0.5/);
    expect(() => gw.F.crossEntropy(logits, [0])).toThrow(/1 targets for a batch of 2/);
    expect(() => gw.F.crossEntropy(gw.zeros([3]), [0])).toThrow(/\[batch, classes\].*\[3\]/);
    expect(() => gw.F.nllLoss(logits, gw.tensor([0, 7]))).toThrow(/target 7/);
    expect(() => gw.F.crossEntropy(logits, [0, 1], { reduction: "avg" as "mean" })).toThrow(/reduction/);
  });

  it("conv2d: wrong input channels, kernel larger than the padded input, non-4-D input, groups, stride 0", () => {
    const w = gw.zeros([4, 3, 3, 3]);
    expect(() => gw.F.conv2d(gw.zeros([1, 2, 8, 8]), w)).toThrow(/\[4, 3, 3, 3\] expects 3 input channels.*\[1, 2, 8, 8\] has 2/);
    expect(() => gw.F.conv2d(gw.zeros([1, 3, 2, 2]), w)).toThrow(/kernel 3×3.*larger than the padded input 2×2/);
    expect(() => gw.F.conv2d(gw.zeros([1, 3, 2, 2]), gw.zeros([1, 3, 5, 5]), null, { padding: 1 })).toThrow(/padded input 4×4/);
    expect(() => gw.F.conv2d(gw.zeros([3, 8, 8]), w)).toThrow(/4-D.*\[3, 8, 8\]/);
    expect(() => gw.F.conv2d(gw.zeros([1, 4, 8, 8]), gw.zeros([4, 2, 3, 3]), null, { groups: 3 })).toThrow(/groups=3 must divide.*4/);
    expect(() => gw.F.conv2d(gw.zeros([1, 3, 8, 8]), w, null, { stride: 0 })).toThrow(/stride.*≥ 1.*0/);
    expect(() => gw.F.conv2d(gw.zeros([1, 3, 8, 8]), w, gw.zeros([3]))).toThrow(/bias must have shape \[4\].*\[3\]/);
    expect(() => new gw.nn.Conv2d(4, 6, 3, { groups: 4 })).toThrow(/groups=4.*6/);
    expect(() => new gw.nn.Conv2d(3, 4, 3).forward(gw.zeros([1, 1, 5, 5]))).toThrow(/3 input channels.*has 1/);
    expect(() => gw.F.conv1d(gw.zeros([1, 8]), gw.zeros([1, 1, 3]))).toThrow(/3-D.*\[1, 8\]/);
  });

  it("pooling: non-4-D input, kernel larger than input, too much padding", () => {
    expect(() => gw.F.maxPool2d(gw.zeros([4, 4]), 2)).toThrow(/4-D.*\[4, 4\]/);
    expect(() => gw.F.maxPool2d(gw.zeros([1, 1, 2, 2]), 3)).toThrow(/larger than the padded input/);
    expect(() => gw.F.avgPool2d(gw.zeros([1, 1, 6, 6]), 2, { padding: 2 })).toThrow(/padding 2×2.*half the kernel/);
    expect(() => gw.F.maxPool2d(gw.zeros([1, 1, 4, 4]), 2, { stride: 0 })).toThrow(/stride/);
  });

  it("shape ops name dims and sizes", () => {
    const x = gw.zeros([2, 3]);
    expect(() => x.sum(2)).toThrow(/dim 2 is out of range.*2 dimension/);
    expect(() => x.transpose(0, 5)).toThrow(/5 is out of range/);
    expect(() => x.permute([0, 0])).toThrow(/repeat/);
    expect(() => x.expand([4, 3])).toThrow(/\[2, 3\] to \[4, 3\]/);
    expect(() => x.select(1, 3)).toThrow(/index 3 is out of range for dimension 1 of size 3/);
    expect(() => x.gather(1, gw.tensor([[0, 5]]))).toThrow(/index 5 is out of range/);
    expect(() => x.indexSelect(0, [2])).toThrow(/index 2 is out of range for dim 0 of size 2/);
    expect(() => gw.cat([x, gw.zeros([2, 4])], 0)).toThrow(/tensor 1 has shape \[2, 4\].*\[2, 3\]/);
    expect(() => gw.stack([x, gw.zeros([3, 2])])).toThrow(/tensor 1 has shape \[3, 2\]/);
    expect(() => x.slice(0, 0, 2, 0)).toThrow(/step/);
    expect(() => gw.tensor(1).select(0, 0)).toThrow(/0-d tensor/);
    expect(() => gw.F.linear(gw.zeros([2, 5]), gw.zeros([3, 4]))).toThrow(/\[2, 5\] has 5 features.*\[3, 4\] expects 4/);
    expect(() => gw.add(gw.zeros([1]), [1, 2] as unknown as number)).toThrow(/gw.tensor/);
  });

  it("module and optimizer misuse", () => {
    expect(() => new gw.optim.SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    expect(() => new gw.optim.SGD([gw.zeros([1], { requiresGrad: true })], { lr: -1 })).toThrow(/learning rate -1/);
    expect(() => new gw.optim.SGD([gw.zeros([1], { requiresGrad: true })], { lr: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new gw.optim.Adam([gw.zeros([1], { requiresGrad: true })], { betas: [0.9, 1] })).toThrow(/betas/);
    expect(() => new gw.nn.BatchNorm1d(3).forward(gw.zeros([4, 5]))).toThrow(/BatchNorm1d\(3\).*\[4, 5\]/);
    expect(() => new gw.nn.BatchNorm1d(3).forward(gw.zeros([1, 3]))).toThrow(/more than 1 value per channel/);
    expect(() => new gw.nn.Dropout(1.5)).toThrow(/Dropout: p must be a finite number in \[0, 1\], got 1.5/);
  });
});
