// Batch norm on the per-channel kernels (training, and eval mode without gradients): against a
// float64 oracle written here (also for |μ| ≫ σ, where a one-pass variance would lose everything
// without its shift), against the former composition of ops (GRADWORK_FUSED_BN=0),
// finite-difference gradients of x, γ and β, and bit-identical results at 1, 2 and 3 threads.
import { afterEach, describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { forEachBackend } from "../helpers/backends";
import { rng } from "../backend/cpu/helpers";

afterEach(() => {
  delete process.env.GRADWORK_FUSED_BN;
});

/** A fresh leaf that requires grad. */
function leaf(t: gw.Tensor): gw.Tensor {
  const u = t.clone().detach();
  u.requiresGrad = true;
  return u;
}

function data(shape: number[], seed: number, scale = 1, offset = 0): gw.Tensor {
  const n = shape.reduce((a, b) => a * b, 1), r = rng(seed);
  return gw.tensor(Array.from({ length: n }, () => offset + scale * r())).reshape(shape).detach();
}

/** Batch norm forward and backward (upstream gradient g) in float64, two-pass statistics. */
function oracle(x: Float32Array, g: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, shape: number[], eps: number) {
  const [n, c] = shape, inner = shape.slice(2).reduce((a, b) => a * b, 1), count = n * inner;
  const idx = (o: number, k: number, i: number) => (o * c + k) * inner + i;
  const y = new Float64Array(x.length), dx = new Float64Array(x.length);
  const mean = new Float64Array(c), variance = new Float64Array(c), dgamma = new Float64Array(c), dbeta = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (let o = 0; o < n; o++) for (let i = 0; i < inner; i++) s += x[idx(o, k, i)];
    const m = s / count;
    let v = 0;
    for (let o = 0; o < n; o++) for (let i = 0; i < inner; i++) v += (x[idx(o, k, i)] - m) ** 2;
    v /= count;
    const inv = 1 / Math.sqrt(v + eps), w = gamma ? gamma[k] : 1, b = beta ? beta[k] : 0;
    let gs = 0, gxs = 0;
    for (let o = 0; o < n; o++) {
      for (let i = 0; i < inner; i++) {
        const p = idx(o, k, i), xh = (x[p] - m) * inv;
        y[p] = w * xh + b;
        gs += g[p];
        gxs += g[p] * xh;
      }
    }
    for (let o = 0; o < n; o++) {
      for (let i = 0; i < inner; i++) {
        const p = idx(o, k, i), xh = (x[p] - m) * inv;
        dx[p] = w * inv * (g[p] - gs / count - (xh * gxs) / count);
      }
    }
    mean[k] = m;
    variance[k] = v;
    dgamma[k] = gxs;
    dbeta[k] = gs;
  }
  return { y, dx, mean, variance, dgamma, dbeta };
}

function expectNear(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= rtol * scale)) expect.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (within ${rtol} × ${scale})`);
  }
}

/** One training-mode forward and backward through nn.BatchNorm (affine or not); the results as arrays. */
function run(x0: gw.Tensor, g: gw.Tensor, affine: boolean, seed = 5, momentum = 0.1) {
  const c = x0.shape[1];
  const bn = x0.ndim === 4 ? new gw.nn.BatchNorm2d(c, { affine, momentum }) : new gw.nn.BatchNorm1d(c, { affine, momentum });
  if (affine) {
    bn.weight!.copy_(data([c], seed, 0.5, 1));
    bn.bias!.copy_(data([c], seed + 1, 0.5));
  }
  const x = leaf(x0);
  const y = bn.forward(x);
  y.mul(g).sum().backward();
  const sd = bn.stateDict();
  return {
    y: y.toFloat32Array(), dx: x.grad!.toFloat32Array(),
    dgamma: bn.weight?.grad?.toFloat32Array() ?? null, dbeta: bn.bias?.grad?.toFloat32Array() ?? null,
    runningMean: sd.running_mean.toFloat32Array(), runningVar: sd.running_var.toFloat32Array(),
    gamma: bn.weight?.toFloat32Array() ?? null, beta: bn.bias?.toFloat32Array() ?? null,
  };
}

const SHAPES = [[6, 3], [4, 3, 5], [3, 2, 3, 3], [8, 16, 17, 17]];

forEachBackend("batch norm on the channel kernels", () => {
  for (const shape of SHAPES) {
    for (const affine of [true, false]) {
      it(`[${shape}] affine=${affine}: output, gradients and running statistics match a float64 oracle`, () => {
        const x = data(shape, 11, 2, 0.3), g = data(shape, 12);
        const r = run(x, g, affine);
        const o = oracle(x.toFloat32Array(), g.toFloat32Array(), r.gamma, r.beta, shape, 1e-5);
        expectNear(r.y, o.y, 1e-6, "y");
        expectNear(r.dx, o.dx, 1e-5, "dx");
        if (affine) {
          expectNear(r.dgamma!, o.dgamma, 1e-6, "dγ");
          expectNear(r.dbeta!, o.dbeta, 1e-6, "dβ");
        } else expect(r.dgamma).toBeNull();
        const count = x.numel / shape[1];
        expectNear(r.runningMean, Array.from(o.mean, (m) => 0.1 * m), 1e-6, "running mean");
        expectNear(r.runningVar, Array.from(o.variance, (v) => 0.9 + (0.1 * v * count) / (count - 1)), 1e-6, "running var (unbiased)");
      });
    }
  }

  it("keeps the statistics and gradients accurate when the mean dwarfs the spread (|μ|/σ ≈ 2·10⁶)", () => {
    const shape = [16, 4, 9, 9];
    const x = data(shape, 21, 0.01, 1e4), g = data(shape, 22);
    const r = run(x, g, true, 5, 1); // momentum 1: the running statistics are the batch's
    const o = oracle(x.toFloat32Array(), g.toFloat32Array(), r.gamma, r.beta, shape, 1e-5);
    const count = x.numel / shape[1];
    expectNear(r.runningMean, o.mean, 1e-7, "mean");
    expectNear(r.runningVar, Array.from(o.variance, (v) => (v * count) / (count - 1)), 1e-5, "unbiased variance");
    expectNear(r.y, o.y, 1e-5, "y");
    expectNear(r.dx, o.dx, 1e-5, "dx");
    expectNear(r.dgamma!, o.dgamma, 1e-5, "dγ");
  });

  it("passes gradcheck for x, γ and β on 3-D and 4-D input", () => {
    for (const shape of [[3, 2, 4], [2, 3, 2, 2]]) {
      const x = leaf(data(shape, 31));
      const w = leaf(data([shape[1]], 32, 0.5, 1)), b = leaf(data([shape[1]], 33));
      const weights = data(shape, 34);
      const report = gw.gradcheck((xx, ww, bb) => gw.F.batchNorm(xx, null, null, ww, bb, true).mul(weights), [x, w, b], { atol: 2e-3, rtol: 1e-2 });
      expect(report.passed, JSON.stringify(report.worst)).toBe(true);
    }
  });

  it("agrees with the former composition of ops (GRADWORK_FUSED_BN=0)", () => {
    const shape = [8, 6, 5, 5];
    const x = data(shape, 41, 3, -1), g = data(shape, 42);
    const fused = run(x, g, true);
    process.env.GRADWORK_FUSED_BN = "0";
    const ops = run(x, g, true);
    for (const k of ["y", "dx", "dgamma", "dbeta", "runningMean", "runningVar"] as const) expectNear(fused[k]!, ops[k]!, 2e-6, k);
  });

  it("takes a non-contiguous input and a non-contiguous upstream gradient as the ops path does", () => {
    const base = data([5, 4, 6], 71, 2, 1); // [C, N, L] permuted to [N, C, L]
    const grads = (fused: boolean) => {
      if (!fused) process.env.GRADWORK_FUSED_BN = "0";
      const leafX = leaf(base), w = leaf(data([5], 72, 0.5, 1)), b = leaf(data([5], 73));
      const y = gw.F.batchNorm(leafX.permute([1, 0, 2]), null, null, w, b, true);
      y.permute([2, 0, 1]).mul(data([6, 4, 5], 74)).sum().backward(); // y's gradient arrives permuted
      const yy = y.toFloat32Array();
      delete process.env.GRADWORK_FUSED_BN;
      return { y: yy, dx: leafX.grad!.toFloat32Array(), dw: w.grad!.toFloat32Array(), db: b.grad!.toFloat32Array() };
    };
    const fused = grads(true), ops = grads(false);
    for (const k of ["y", "dx", "dw", "db"] as const) expectNear(fused[k], ops[k], 2e-6, k);
    expect(Math.max(...Array.from(fused.dx, Math.abs)), "a gradient worth comparing").toBeGreaterThan(0.1);
  });

  for (const shape of [[6, 3], [4, 3, 5], [8, 16, 17, 17]]) {
    for (const affine of [true, false]) {
      it(`[${shape}] affine=${affine}: eval mode inside noGrad (one affine pass) matches float64 and the ops path`, () => {
        const c = shape[1];
        const x = data(shape, 81, 2, 0.3);
        const bn = shape.length === 4 ? new gw.nn.BatchNorm2d(c, { affine }) : new gw.nn.BatchNorm1d(c, { affine });
        const rm = data([c], 82, 0.5), rv = data([c], 83, 0.4, 1);
        bn.loadStateDict({ running_mean: rm, running_var: rv }, { strict: false });
        if (affine) {
          bn.weight!.copy_(data([c], 84, 0.5, 1));
          bn.bias!.copy_(data([c], 85, 0.5));
        }
        bn.eval();
        const y = gw.noGrad(() => bn.forward(x)).toFloat32Array();
        process.env.GRADWORK_FUSED_BN = "0";
        const ops = gw.noGrad(() => bn.forward(x)).toFloat32Array();
        delete process.env.GRADWORK_FUSED_BN;
        const xs = x.toFloat32Array(), m = rm.toFloat32Array(), v = rv.toFloat32Array();
        const w = bn.weight?.toFloat32Array(), b = bn.bias?.toFloat32Array();
        const inner = x.numel / (shape[0] * c);
        const expected = Array.from(xs, (xv, p) => {
          const k = Math.floor(p / inner) % c;
          return ((xv - m[k]) / Math.sqrt(v[k] + 1e-5)) * (w ? w[k] : 1) + (b ? b[k] : 0);
        });
        expectNear(y, expected, 1e-6, "y against float64");
        expectNear(y, ops, 2e-6, "y against the ops path");
        // with gradients wanted, eval mode still differentiates (through the ops)
        const xg = leaf(x);
        bn.forward(xg).sum().backward();
        expect(xg.grad!.shape).toEqual(shape);
      });
    }
  }

  it("propagates a NaN to its own channel only", () => {
    const shape = [4, 3, 2, 2];
    const arr = data(shape, 51).toFloat32Array();
    arr[1 * 4 + 2] = NaN; // sample 0, channel 1
    const r = run(gw.tensor(Array.from(arr)).reshape(shape), data(shape, 52), true);
    for (let p = 0; p < arr.length; p++) expect(Number.isNaN(r.y[p]), `y[${p}]`).toBe(Math.floor(p / 4) % 3 === 1);
  });
});

forEachBackend("batch norm with a fused ReLU", () => {
  const bits = (t: gw.Tensor | null) => (t ? Array.from(t.contiguous().toFloat32Array(), (v) => (Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : v)) : null);
  /** Output, gradients of x, γ, β and the running statistics of a BatchNorm2d step, then eval outputs, with or without the fused ReLU. */
  function step(fused: boolean, x: gw.Tensor, g: gw.Tensor) {
    gw.manualSeed(71);
    const bn = new gw.nn.BatchNorm2d(x.shape[1]);
    gw.noGrad(() => {
      bn.weight!.copy_(data([x.shape[1]], 72, 1, 0.5));
      bn.bias!.copy_(data([x.shape[1]], 73, 0.5));
    });
    const xl = leaf(x);
    const y = fused ? bn.forwardRelu(xl)! : bn.forward(xl).relu();
    y.mul(g).sum().backward();
    bn.eval();
    const evalNoGrad = gw.noGrad(() => (fused ? bn.forwardRelu(x)! : bn.forward(x).relu()));
    const xe = leaf(x);
    const evalGrad = fused ? bn.forwardRelu(xe)! : bn.forward(xe).relu();
    evalGrad.mul(g).sum().backward();
    const sd = bn.stateDict();
    return [y, xl.grad, bn.weight!.grad, bn.bias!.grad, sd.running_mean, sd.running_var, evalNoGrad, evalGrad, xe.grad].map(bits);
  }
  for (const opsPath of [false, true]) {
    it(`is batchNorm(...).relu() bit for bit: train and eval values, gradients, running statistics${opsPath ? " (GRADWORK_FUSED_BN=0)" : ""}`, () => {
      if (opsPath) process.env.GRADWORK_FUSED_BN = "0";
      const shape = [8, 6, 9, 9];
      const x = data(shape, 74, 2, 0.3), g = data(shape, 75);
      const unfused = step(false, x, g), fused = step(true, x, g);
      expect(fused).toEqual(unfused);
      expect(unfused[0]!.filter((v) => v === 0).length).toBeGreaterThan(shape.reduce((a, b) => a * b) / 4);
    });
  }
  it("names the fused op in the graph and rejects a relu that is not a boolean", () => {
    const x = leaf(data([4, 3, 2, 2], 76));
    expect(new gw.nn.BatchNorm2d(3).forwardRelu(x)!.gradFn?.name).toBe("batchNorm+relu");
    expect(() => gw.F.batchNorm(x, null, null, null, null, true, 0.1, 1e-5, "yes" as unknown as boolean)).toThrow(/^batchNorm: relu must be true or false, got "yes"$/);
  });
});

describe("batch norm on the cpu backend", () => {
  it.skipIf(!gw.listBackends().includes("cpu"))("gives bit-identical results at 1, 2 and 3 threads", () => {
    const shape = [32, 16, 16, 16];
    const x = data(shape, 61, 2, 0.5), g = data(shape, 62);
    const previous = gw.getBackend(), threads = gw.getNumThreads();
    gw.setBackend("cpu");
    try {
      const results = [1, 2, 3].map((t) => {
        gw.setNumThreads(t);
        return run(x, g, true);
      });
      for (const r of results.slice(1)) {
        for (const k of ["y", "dx", "dgamma", "dbeta", "runningMean", "runningVar"] as const) expect(Array.from(r[k]!), k).toEqual(Array.from(results[0][k]!));
      }
    } finally {
      gw.setNumThreads(threads);
      gw.setBackend(previous);
    }
  });
});
