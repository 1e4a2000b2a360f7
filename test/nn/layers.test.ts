// Layers: Linear/Conv forward against plain JS, default initialisation bounds, batch norm
// (train/eval, running statistics, gradcheck) and dropout (scaling, eval identity, seeding).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose, expectGradOk, rnd } from "../helpers/close";

const DIST = resolve(__dirname, "..", "..", "dist", "index.js");

describe.runIf(existsSync(DIST))("nn.Sequential's ReLU fusion switch", () => {
  it("GRADWORK_FUSE_RELU=0 runs every layer as written", () => {
    const probe = `const gw = require(${JSON.stringify(DIST)});
      const net = new gw.nn.Sequential(new gw.nn.Conv2d(1, 2, 3), new gw.nn.ReLU(), new gw.nn.BatchNorm2d(2), new gw.nn.ReLU());
      const x = gw.randn([2, 1, 5, 5]); x.requiresGrad = true;
      const names = [];
      for (let t = net.forward(x); t && t.gradFn; t = t.gradFn.inputs[0]) names.push(t.gradFn.name);
      console.log(JSON.stringify(names));`;
    const run = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, ["-e", probe], { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split("\n").pop()!);
    };
    expect(run({ GRADWORK_FUSE_RELU: "0" })).toEqual(["relu", "batchNorm", "relu", "conv2d"]);
    expect(run({ GRADWORK_FUSE_RELU: "" })).toEqual(["batchNorm+relu", "conv2d+relu"]);
  });
});

describe.each(backendCases())("nn layers [$label]", (bc) => {
  useBackendCase(bc);

  it("Linear computes x·Wᵀ + b over the last dim (also for 3-D input) and passes gradcheck", () => {
    gw.manualSeed(111);
    const lin = new gw.nn.Linear(3, 2);
    const x = rnd([2, 4, 3], { requiresGrad: false });
    const W = lin.weight.toArray(2), b = lin.bias!.toArray(1);
    const want = x.toArray(3).map((m) => m.map((r) => W.map((w, o) => w.reduce((s, v, i) => s + v * r[i], b[o]))));
    expectClose(lin.forward(x), want, { atol: 1e-6 });
    expectGradOk((xx, w, bb) => gw.F.linear(xx, w, bb), [rnd([4, 3]), rnd([2, 3]), rnd([2])]);
    expect(new gw.nn.Linear(3, 2, { bias: false }).bias).toBeNull();
  });

  it("Sequential, activations, Softmax/LogSoftmax, Flatten, Identity", () => {
    gw.manualSeed(112);
    const x = rnd([2, 3], { requiresGrad: false });
    const X = Array.from(x.toFloat32Array());
    expectClose(new gw.nn.ReLU().forward(x).toFloat32Array(), Float32Array.from(X.map((v) => Math.max(v, 0))));
    expectClose(new gw.nn.Tanh().forward(x).toFloat32Array(), Float32Array.from(X.map(Math.tanh)), { atol: 1e-6 });
    expectClose(new gw.nn.Sigmoid().forward(x).toFloat32Array(), Float32Array.from(X.map((v) => 1 / (1 + Math.exp(-v)))), { atol: 1e-6 });
    expectClose(new gw.nn.Softmax(1).forward(x).sum(1), [1, 1], { atol: 1e-6 });
    expectClose(new gw.nn.LogSoftmax(1).forward(x).exp(), x.softmax(1), { atol: 1e-6 });
    expect(new gw.nn.Flatten().forward(gw.zeros([2, 3, 4, 5])).shape).toEqual([2, 60]);
    expect(new gw.nn.Flatten(0, 1).forward(gw.zeros([2, 3, 4])).shape).toEqual([6, 4]);
    expect(new gw.nn.Identity().forward(x)).toBe(x);
    const seq = new gw.nn.Sequential(new gw.nn.Linear(3, 4), new gw.nn.ReLU(), new gw.nn.Linear(4, 1));
    expect(seq.length).toBe(3);
    const manual = (seq[2] as gw.nn.Linear).forward((seq[0] as gw.nn.Linear).forward(x).relu());
    expectClose(seq.forward(x), manual);
  });

  it("Sequential runs Conv2d + ReLU as one fused convolution, with the same numbers and gradients", () => {
    gw.manualSeed(112);
    const net = new gw.nn.Sequential(new gw.nn.Conv2d(2, 4, 3, { padding: 1 }), new gw.nn.ReLU(), new gw.nn.MaxPool2d(2), new gw.nn.Conv2d(4, 3, 3), new gw.nn.ReLU());
    const x = rnd([2, 2, 8, 8]);
    const y = net.forward(x);
    expect(y.gradFn?.name).toBe("conv2d+relu");
    expect(y.gradFn?.inputs[0].gradFn?.name).toBe("maxPool2d");
    // layer by layer, as written
    let z: gw.Tensor = x;
    for (let i = 0; i < net.length; i++) z = net[i].forward(z);
    expect(z.gradFn?.name).toBe("relu");
    expect(y.toArray()).toEqual(z.toArray());
    const grads = (out: gw.Tensor) => {
      net.zeroGrad();
      out.sum().backward();
      return net.parameters().map((p) => p.grad!.toArray());
    };
    expect(grads(y)).toEqual(grads(z));
    // a replaced forward runs as written: a ReLU subclass, and nn.summary's wrappers
    class LeakyAt0 extends gw.nn.ReLU {
      forward(t: gw.Tensor): gw.Tensor { return t.relu().add(1); }
    }
    const custom = new gw.nn.Sequential(net[0], new LeakyAt0());
    expect(custom.forward(x).gradFn?.name).toBe("add");
    class Doubled extends gw.nn.Conv2d {
      forward(t: gw.Tensor): gw.Tensor { return super.forward(t).mul(2); }
    }
    const doubled = new gw.nn.Sequential(new Doubled(2, 4, 3), new gw.nn.ReLU());
    expect(doubled.forward(x).gradFn?.name).toBe("relu");
    expect(new Doubled(2, 4, 3).forwardRelu(x)).toBeNull();
    // a batch norm followed by a ReLU too, also after a Conv2d (Conv2d + BatchNorm2d + ReLU: the last two fuse)
    const bnNet = new gw.nn.Sequential(new gw.nn.Conv2d(2, 4, 3), new gw.nn.BatchNorm2d(4), new gw.nn.ReLU());
    const yb = bnNet.forward(x);
    expect(yb.gradFn?.name).toBe("batchNorm+relu");
    expect(yb.gradFn?.inputs[0].gradFn?.name).toBe("conv2d");
    const zb = bnNet[2].forward(bnNet[1].forward(bnNet[0].forward(x)));
    expect(yb.toArray()).toEqual(zb.toArray());
    const rows = gw.nn.summary(net, [1, 2, 8, 8]).rows.slice(1);
    expect(rows.map((r) => [r.type, r.outputShape])).toEqual([["Conv2d", [1, 4, 8, 8]], ["ReLU", [1, 4, 8, 8]], ["MaxPool2d", [1, 4, 4, 4]], ["Conv2d", [1, 3, 2, 2]], ["ReLU", [1, 3, 2, 2]]]);
  });

  it("PyTorch default init: Linear/Conv weights and biases ~ U(−1/√fanIn, 1/√fanIn)", () => {
    gw.manualSeed(113);
    const check = (t: gw.Tensor, fanIn: number) => {
      const d = Array.from(t.toFloat32Array());
      const bound = 1 / Math.sqrt(fanIn);
      expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(bound);
      // uniform on [−b, b]: max near b, mean ≈ 0, variance b²/3
      expect(Math.max(...d)).toBeGreaterThan(0.95 * bound);
      expect(Math.min(...d)).toBeLessThan(-0.95 * bound);
      const m = d.reduce((a, b) => a + b, 0) / d.length;
      const v = d.reduce((a, b) => a + (b - m) ** 2, 0) / d.length;
      expect(Math.abs(m)).toBeLessThan(0.1 * bound);
      expect(v / (bound * bound / 3)).toBeGreaterThan(0.9);
      expect(v / (bound * bound / 3)).toBeLessThan(1.1);
    };
    const lin = new gw.nn.Linear(50, 200);
    check(lin.weight, 50);
    check(new gw.nn.Linear(100, 2000).bias!, 100);
    const conv = new gw.nn.Conv2d(6, 40, 5);
    check(conv.weight, 6 * 25);
    check(new gw.nn.Conv2d(8, 1000, 3, { groups: 2 }).bias!, 4 * 9);
    check(new gw.nn.Conv1d(4, 100, 3).weight, 12);
    expect(lin.weight.requiresGrad).toBe(true);
    expect(lin.weight).toBeInstanceOf(gw.nn.Parameter);
  });

  describe("BatchNorm", () => {
    it("training: normalises with the batch statistics (biased variance) and updates running stats with the unbiased one", () => {
      gw.manualSeed(114);
      const bn = new gw.nn.BatchNorm1d(3, { momentum: 0.1 });
      const x = rnd([5, 3], { lo: -2, hi: 4, requiresGrad: false });
      const cols = x.T.toArray(2);
      const mean = cols.map((c) => c.reduce((a, b) => a + b, 0) / c.length);
      const vb = cols.map((c, j) => c.reduce((a, b) => a + (b - mean[j]) ** 2, 0) / c.length);
      const vu = vb.map((v) => (v * 5) / 4);
      const y = bn.forward(x);
      const want = x.toArray(2).map((r) => r.map((v, j) => (v - mean[j]) / Math.sqrt(vb[j] + 1e-5)));
      expectClose(y, want, { atol: 1e-5 });
      const sd = bn.stateDict();
      expectClose(sd.running_mean, mean.map((m) => 0.1 * m), { atol: 1e-6 });
      expectClose(sd.running_var, vu.map((v) => 0.9 + 0.1 * v), { atol: 1e-6 });
      expect(sd.num_batches_tracked.item()).toBe(1);
      bn.forward(x);
      expectClose(sd.running_mean, mean.map((m) => 0.9 * 0.1 * m + 0.1 * m), { atol: 1e-6 });
      expect(sd.num_batches_tracked.item()).toBe(2);
    });

    it("eval: uses the running statistics and leaves them alone", () => {
      const bn = new gw.nn.BatchNorm2d(2);
      bn.stateDict().running_mean.copy_(gw.tensor([1, -1]));
      bn.stateDict().running_var.copy_(gw.tensor([4, 0.25]));
      bn.weight!.copy_(gw.tensor([2, 1]));
      bn.bias!.copy_(gw.tensor([0.5, 0]));
      bn.eval();
      const x = gw.tensor([[[[3]], [[0]]]]);
      const s = (v: number) => Math.sqrt(v + 1e-5);
      expectClose(bn.forward(x), [[[[2 * (3 - 1) / s(4) + 0.5]], [[(0 + 1) / s(0.25)]]]], { atol: 1e-5 });
      expectClose(bn.stateDict().running_mean, [1, -1]);
      expect(bn.stateDict().num_batches_tracked.item()).toBe(0);
      // a single sample is fine in eval mode
      expect(bn.forward(gw.zeros([1, 2, 1, 1])).shape).toEqual([1, 2, 1, 1]);
    });

    it("BatchNorm2d statistics are per channel over N, H, W", () => {
      gw.manualSeed(115);
      const x = rnd([3, 2, 4, 5], { lo: -3, hi: 5, requiresGrad: false });
      const y = new gw.nn.BatchNorm2d(2).forward(x);
      expectClose(y.mean([0, 2, 3]), [0, 0], { atol: 1e-5 });
      expectClose(y.var([0, 2, 3], false, { correction: 0 }), [1, 1], { atol: 1e-3 });
    });

    it("train-mode batch norm passes gradcheck for input, weight and bias", () => {
      gw.manualSeed(116);
      const x = rnd([4, 3], { lo: -2, hi: 2 }), w = rnd([3], { lo: 0.5, hi: 1.5 }), b = rnd([3]);
      expectGradOk((xx, ww, bb) => gw.F.batchNorm(xx, null, null, ww, bb, true).mul(gw.arange(12).reshape([4, 3])), [x, w, b], { atol: 2e-3 });
      const x4 = rnd([2, 2, 3, 2], { lo: -2, hi: 2 });
      expectGradOk((xx) => gw.F.batchNorm(xx, null, null, null, null, true).mul(gw.arange(24).reshape([2, 2, 3, 2])), [x4], { atol: 2e-3 });
    });

    it("affine: false has no parameters", () => {
      expect(new gw.nn.BatchNorm1d(4, { affine: false }).parameters()).toEqual([]);
    });
  });

  describe("Dropout", () => {
    it("training: zeros about p of the elements and scales the rest by 1/(1−p)", () => {
      gw.manualSeed(117);
      const drop = new gw.nn.Dropout(0.3);
      const y = drop.forward(gw.ones([20000])).toFloat32Array();
      const kept = y.filter((v) => v !== 0);
      expect(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
      expect(Math.abs(kept.length / 20000 - 0.7)).toBeLessThan(0.015);
    });

    it("the gradient is the same mask and scale", () => {
      gw.manualSeed(118);
      const x = gw.ones([1000], { requiresGrad: true });
      const y = gw.F.dropout(x, 0.5, true);
      y.sum().backward();
      expect(Array.from(x.grad!.toFloat32Array())).toEqual(Array.from(y.toFloat32Array()));
    });

    it("eval (and p = 0) is the identity; p = 1 zeros everything", () => {
      const x = gw.randn([10]);
      const drop = new gw.nn.Dropout(0.9);
      drop.eval();
      expect(drop.forward(x)).toBe(x);
      expect(gw.F.dropout(x, 0, true)).toBe(x);
      expect(Array.from(gw.F.dropout(x, 1, true).toFloat32Array()).every((v) => v === 0)).toBe(true);
    });

    it("is reproducible under manualSeed", () => {
      gw.manualSeed(7);
      const a = gw.F.dropout(gw.ones([50]), 0.5).toArray();
      gw.manualSeed(7);
      const b = gw.F.dropout(gw.ones([50]), 0.5).toArray();
      expect(b).toEqual(a);
      expect(gw.F.dropout(gw.ones([50]), 0.5).toArray()).not.toEqual(a);
    });
  });
});
