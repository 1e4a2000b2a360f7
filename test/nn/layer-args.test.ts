// Layer constructors reject bad arguments with an error naming the layer, the argument and the
// value (issue 18 item 1), and huge layers name the layer, the shape and the limit (item 2).
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";

const nn = gw.nn;

describe("layer constructor arguments", () => {
  it("Conv2d: negative, zero, fractional and mixed kernel sizes are errors (the cases of issue 18)", () => {
    expect(() => new nn.Conv2d(3, 8, -3)).toThrow(/^Conv2d: kernelSize must be a positive integer or a pair of them, got -3$/);
    expect(() => new nn.Conv2d(3, 8, 0)).toThrow(/Conv2d: kernelSize .* got 0$/);
    expect(() => new nn.Conv2d(3, 8, 2.5)).toThrow(/Conv2d: kernelSize .* got 2.5$/);
    expect(() => new nn.Conv2d(3, 8, [3, -1])).toThrow(/Conv2d: kernelSize .* got \[3, -1\]$/);
    expect(() => new nn.Conv2d(3, 8, [3] as unknown as number)).toThrow(/Conv2d: kernelSize .* got \[3\]$/);
    expect(() => new nn.Conv2d(3, 8, NaN)).toThrow(/Conv2d: kernelSize .* got NaN$/);
  });

  it("Conv2d: channels, groups, stride, padding, dilation, bias and unknown options", () => {
    expect(() => new nn.Conv2d(0, 8, 3)).toThrow(/Conv2d: inChannels must be a positive integer, got 0/);
    expect(() => new nn.Conv2d(3, 1.5, 3)).toThrow(/Conv2d: outChannels must be a positive integer, got 1.5/);
    expect(() => new nn.Conv2d(3, 8, 3, { groups: 0 })).toThrow(/Conv2d: groups must be a positive integer, got 0/);
    expect(() => new nn.Conv2d(3, 8, 3, { groups: 2 })).toThrow(/Conv2d: groups=2 must divide both inChannels \(3\) and outChannels \(8\)/);
    expect(() => new nn.Conv2d(3, 8, 3, { stride: 0 })).toThrow(/Conv2d: stride must be a positive integer or a pair of them, got 0/);
    expect(() => new nn.Conv2d(3, 8, 3, { padding: -1 })).toThrow(/Conv2d: padding must be "same", "valid", an integer ≥ 0 or a pair of them, got -1/);
    expect(() => new nn.Conv2d(3, 8, 3, { padding: "full" as "same" })).toThrow(/Conv2d: padding .* got "full"/);
    expect(() => new nn.Conv2d(3, 8, 3, { dilation: [1, 0] })).toThrow(/Conv2d: dilation .* got \[1, 0\]/);
    expect(() => new nn.Conv2d(3, 8, 3, { bias: "no" as unknown as boolean })).toThrow(/Conv2d: bias must be true or false, got "no"/);
    expect(() => new nn.Conv2d(3, 8, 3, { padd: 1 } as object)).toThrow(/Conv2d: unknown option "padd"/);
    // valid arguments still work, and the forward uses them
    const conv = new nn.Conv2d(4, 6, [3, 1], { stride: [2, 1], padding: [1, 0], groups: 2 });
    expect(conv.weight.shape).toEqual([6, 2, 3, 1]);
    expect(conv.forward(gw.randn([1, 4, 8, 5])).shape).toEqual([1, 6, 4, 5]);
  });

  it("Conv1d, Linear, pooling, Dropout, Softmax, Flatten", () => {
    expect(() => new nn.Conv1d(1, 4, 0)).toThrow(/Conv1d: kernelSize must be a positive integer, got 0/);
    expect(() => new nn.Conv1d(1, 4, 3, { stride: -2 })).toThrow(/Conv1d: stride must be a positive integer, got -2/);
    expect(() => new nn.Linear(-1, 2)).toThrow(/Linear: inFeatures must be a positive integer, got -1/);
    expect(() => new nn.Linear(2, Infinity)).toThrow(/Linear: outFeatures must be a positive integer, got Infinity/);
    expect(() => new nn.MaxPool2d(0)).toThrow(/MaxPool2d: kernelSize must be a positive integer or a pair of them, got 0/);
    expect(() => new nn.MaxPool2d(2, { stride: 0 })).toThrow(/MaxPool2d: stride .* got 0/);
    expect(() => new nn.MaxPool2d(2, { padding: 2 })).toThrow(/MaxPool2d: padding must be at most half of kernelSize \(2\), got 2/);
    expect(() => new nn.AvgPool2d([2, 2.5])).toThrow(/AvgPool2d: kernelSize .* got \[2, 2.5\]/);
    expect(() => new nn.AvgPool2d(2, { countIncludePad: 1 as unknown as boolean })).toThrow(/AvgPool2d: countIncludePad must be true or false, got 1/);
    expect(() => new nn.AdaptiveAvgPool2d(0)).toThrow(/AdaptiveAvgPool2d: outputSize .* got 0/);
    expect(() => new nn.Dropout(-0.1)).toThrow(/Dropout: p must be a finite number in \[0, 1\], got -0.1/);
    expect(() => new nn.Dropout(NaN)).toThrow(/Dropout: p .* got NaN/);
    expect(() => new nn.Softmax(0.5)).toThrow(/Softmax: dim must be an integer dimension index, got 0.5/);
    expect(() => new nn.LogSoftmax(undefined as unknown as number)).toThrow(/LogSoftmax: dim .* got undefined/);
    expect(() => new nn.Flatten(1, 1.5)).toThrow(/Flatten: endDim .* got 1.5/);
  });

  it("BatchNorm: numFeatures, eps, momentum, affine, trackRunningStats", () => {
    expect(() => new nn.BatchNorm2d(0)).toThrow(/BatchNorm2d: numFeatures must be a positive integer, got 0/);
    expect(() => new nn.BatchNorm1d(4, { eps: 0 })).toThrow(/BatchNorm1d: eps must be a finite number > 0, got 0/);
    expect(() => new nn.BatchNorm1d(4, { eps: -1e-5 })).toThrow(/BatchNorm1d: eps .* got -0.00001/);
    expect(() => new nn.BatchNorm2d(4, { momentum: 1.5 })).toThrow(/BatchNorm2d: momentum must be a finite number in \[0, 1\], got 1.5/);
    expect(() => new nn.BatchNorm2d(4, { momentum: NaN })).toThrow(/BatchNorm2d: momentum .* got NaN/);
    expect(() => new nn.BatchNorm2d(4, { affine: "yes" as unknown as boolean })).toThrow(/BatchNorm2d: affine must be true or false, got "yes"/);
    expect(() => new nn.BatchNorm2d(4, { trackRunningStat: false } as object)).toThrow(/BatchNorm2d: unknown option "trackRunningStat"/);
    expect(() => gw.F.batchNorm(gw.randn([4, 2]), null, null, null, null, true, 2)).toThrow(/^batchNorm: momentum must be a finite number in \[0, 1\], got 2$/);
    expect(() => gw.F.batchNorm(gw.randn([4, 2]), null, null, null, null, true, 0.1, -1)).toThrow(/^batchNorm: eps must be a finite number > 0, got -1$/);
    expect(() => new nn.Sequential(new nn.ReLU(), gw.nn.ReLU as unknown as gw.nn.Module)).toThrow(/^Sequential: argument 1 must be an nn.Module, got function$/);
    const bn = new nn.BatchNorm2d(4, { eps: 1e-3, momentum: 0 });
    expect([bn.eps, bn.momentum]).toEqual([1e-3, 0]);
  });

  it("layers too large to allocate name the layer, the shape and the limit", () => {
    expect(() => new nn.Linear(1e6, 1e6)).toThrow(/^Linear\(1000000, 1000000\) weight: shape \[1000000, 1000000\] has 1e12 elements, more than the limit of .* elements/);
    expect(() => new nn.Conv2d(100000, 100000, 3)).toThrow(/^Conv2d\(100000, 100000, kernelSize=\[3, 3\]\) weight: shape \[100000, 100000, 3, 3\] has 9e10 elements/);
  });
});

describe("layer settings in printouts (PyTorch's extra_repr)", () => {
  it("every layer shows its settings", () => {
    const cases: [gw.nn.Module, string][] = [
      [new nn.MaxPool2d(2), "MaxPool2d(kernelSize=2, stride=2)"],
      [new nn.MaxPool2d([3, 2], { stride: 1, padding: 1, ceilMode: true }), "MaxPool2d(kernelSize=[3, 2], stride=1, padding=1, ceilMode=true)"],
      [new nn.AvgPool2d(2, { countIncludePad: false }), "AvgPool2d(kernelSize=2, stride=2, countIncludePad=false)"],
      [new nn.AdaptiveAvgPool2d([1, 1]), "AdaptiveAvgPool2d(outputSize=1)"],
      [new nn.BatchNorm2d(16), "BatchNorm2d(16, eps=1e-05, momentum=0.1)"],
      [new nn.BatchNorm1d(8, { eps: 1e-3, affine: false }), "BatchNorm1d(8, eps=0.001, momentum=0.1, affine=false)"],
      [new nn.Dropout(), "Dropout(p=0.5)"],
      [new nn.Conv2d(3, 16, 5, { padding: 2 }), "Conv2d(3, 16, kernelSize=[5, 5], stride=[1, 1], padding=[2, 2])"],
      [new nn.Conv2d(4, 8, 3, { stride: 2, dilation: 2, groups: 2, bias: false, padding: "same" }), 'Conv2d(4, 8, kernelSize=[3, 3], stride=[2, 2], padding="same", dilation=[2, 2], groups=2, bias=false)'],
      [new nn.Conv1d(1, 4, 3), "Conv1d(1, 4, kernelSize=[3], stride=[1])"],
      [new nn.Linear(2, 3, { bias: false }), "Linear(inFeatures=2, outFeatures=3, bias=false)"],
      [new nn.Softmax(1), "Softmax(dim=1)"],
      [new nn.LogSoftmax(-1), "LogSoftmax(dim=-1)"],
      [new nn.Flatten(), "Flatten(startDim=1, endDim=-1)"],
      [new nn.ReLU(), "ReLU()"],
    ];
    for (const [m, s] of cases) expect(String(m)).toBe(s);
  });

  it("a model prints each child with its settings", () => {
    const net = new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.BatchNorm2d(8), new nn.MaxPool2d(2), new nn.Dropout(0.25));
    expect(net.toString()).toBe(
      [
        "Sequential(",
        "  (0): Conv2d(3, 8, kernelSize=[3, 3], stride=[1, 1])",
        "  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1)",
        "  (2): MaxPool2d(kernelSize=2, stride=2)",
        "  (3): Dropout(p=0.25)",
        ")",
      ].join("\n"),
    );
  });
});
