// Pooling: forward against plain loops (PyTorch's window and divisor rules), gradients by finite
// differences on inputs without ties.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose, expectGradOk, rint } from "../helpers/close";
import { expectIdentical } from "../backend/cpu/helpers";
import { Arena } from "../../lib/backend/cpu/memory/arena";
import { requestCollection } from "../../lib/backend/cpu/memory/liveness";

interface PoolGeo { k: [number, number]; s: [number, number]; p: [number, number]; ceil: boolean; includePad: boolean }

function outSize(n: number, k: number, s: number, p: number, ceil: boolean): number {
  let o = Math.floor((n + 2 * p - k + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

/** Max/avg pooling by loops, with PyTorch's divisor: windows clipped to the padded border, then (without includePad) to the input. */
function poolJs(mode: "max" | "avg", x: gw.Tensor, g: PoolGeo): { data: number[]; shape: number[] } {
  const X = x.toArray(4);
  const [n, c, h, w] = x.shape;
  const oh = outSize(h, g.k[0], g.s[0], g.p[0], g.ceil), ow = outSize(w, g.k[1], g.s[1], g.p[1], g.ceil);
  const data: number[] = [];
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let hs = y * g.s[0] - g.p[0], ws = z * g.s[1] - g.p[1];
          let he = Math.min(hs + g.k[0], h + g.p[0]), we = Math.min(ws + g.k[1], w + g.p[1]);
          const padded = (he - hs) * (we - ws);
          hs = Math.max(hs, 0); ws = Math.max(ws, 0); he = Math.min(he, h); we = Math.min(we, w);
          const vals: number[] = [];
          for (let r = hs; r < he; r++) for (let q = ws; q < we; q++) vals.push(X[i][ch][r][q]);
          if (mode === "max") data.push(Math.max(...vals));
          else data.push(vals.reduce((a, b) => a + b, 0) / (g.includePad ? padded : (he - hs) * (we - ws)));
        }
  return { data, shape: [n, c, oh, ow] };
}

/** A permutation of 0.1·(0..n−1) − offset: no ties, spaced well beyond gradcheck's eps. */
function noTies(shape: number[]): gw.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const g = gw.randomGenerator();
  const v = Array.from({ length: n }, (_, i) => 0.1 * i - 0.05 * n);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    [v[i], v[j]] = [v[j], v[i]];
  }
  return gw.tensor(Float32Array.from(v), { shape, requiresGrad: true });
}

function randomGeo(trial: number): PoolGeo {
  const k: [number, number] = [rint(1, 3), rint(1, 4)];
  return {
    k,
    s: [rint(1, 3), rint(1, 2)],
    p: [rint(0, Math.floor(k[0] / 2)), rint(0, Math.floor(k[1] / 2))],
    ceil: trial % 2 === 1,
    includePad: trial % 4 < 2,
  };
}

describe.each(backendCases())("pooling [$label]", (bc) => {
  useBackendCase(bc);

  it("maxPool2d matches the loop over random geometries (padding, ceilMode) and passes gradcheck", () => {
    gw.manualSeed(71);
    for (let trial = 0; trial < 12; trial++) {
      const g = randomGeo(trial);
      const x = noTies([rint(1, 2), rint(1, 2), rint(g.k[0], 7), rint(g.k[1], 7)]);
      const opts = { stride: g.s, padding: g.p, ceilMode: g.ceil };
      const y = gw.F.maxPool2d(x, g.k, opts);
      const want = poolJs("max", x, g);
      expect(y.shape, JSON.stringify(g)).toEqual(want.shape);
      expectClose(y.toFloat32Array(), Float32Array.from(want.data));
      expectGradOk((t) => gw.F.maxPool2d(t, g.k, opts), [x]);
    }
  });

  it("avgPool2d matches the loop with countIncludePad true and false, ceilMode, and passes gradcheck", () => {
    gw.manualSeed(72);
    for (let trial = 0; trial < 12; trial++) {
      const g = randomGeo(trial);
      const x = noTies([1, rint(1, 2), rint(g.k[0], 7), rint(g.k[1], 7)]);
      const opts = { stride: g.s, padding: g.p, ceilMode: g.ceil, countIncludePad: g.includePad };
      const y = gw.F.avgPool2d(x, g.k, opts);
      const want = poolJs("avg", x, g);
      expect(y.shape, JSON.stringify(g)).toEqual(want.shape);
      expectClose(y.toFloat32Array(), Float32Array.from(want.data), { atol: 1e-5 });
      expectGradOk((t) => gw.F.avgPool2d(t, g.k, opts), [x]);
    }
  });

  it("avgPool2d divisors at a padded corner: 4/9 cells counted differently", () => {
    const x = gw.ones([1, 1, 2, 2]);
    expectClose(gw.F.avgPool2d(x, 3, { stride: 1, padding: 1 }), [[[[4 / 9, 4 / 9], [4 / 9, 4 / 9]]]]);
    expectClose(gw.F.avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false }), [[[[1, 1], [1, 1]]]]);
  });

  it("maxPool2d gives the whole gradient to the first maximum on ties", () => {
    const x = gw.tensor([[[[1, 1], [1, 1]]]], { requiresGrad: true });
    gw.F.maxPool2d(x, 2).sum().backward();
    expectClose(x.grad!, [[[[1, 0], [0, 0]]]]);
  });

  it("maxPool2d and avgPool2d on non-contiguous input", () => {
    gw.manualSeed(73);
    const x = noTies([1, 2, 4, 6]);
    expectGradOk((t) => gw.F.maxPool2d(t.transpose(2, 3), 2), [x]);
    expectGradOk((t) => gw.F.avgPool2d(t.slice(3, 0, 6, 2), [2, 1]), [x]);
    expectClose(gw.F.maxPool2d(x.transpose(2, 3), 2).toFloat32Array(), Float32Array.from(poolJs("max", x.transpose(2, 3).contiguous(), { k: [2, 2], s: [2, 2], p: [0, 0], ceil: false, includePad: true }).data));
  });

  it.each([[1, 1], [2, 3], [3, 2], [4, 4], [5, 7]])("adaptiveAvgPool2d to %i×%i matches PyTorch's start/end rule and passes gradcheck", (oh, ow) => {
    gw.manualSeed(74);
    const x = noTies([2, 2, 5, 7]);
    const X = x.toArray(4);
    const want: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let c = 0; c < 2; c++)
        for (let a = 0; a < oh; a++)
          for (let b = 0; b < ow; b++) {
            const h0 = Math.floor((a * 5) / oh), h1 = Math.ceil(((a + 1) * 5) / oh);
            const w0 = Math.floor((b * 7) / ow), w1 = Math.ceil(((b + 1) * 7) / ow);
            let s = 0;
            for (let r = h0; r < h1; r++) for (let q = w0; q < w1; q++) s += X[i][c][r][q];
            want.push(s / ((h1 - h0) * (w1 - w0)));
          }
    const y = gw.F.adaptiveAvgPool2d(x, [oh, ow]);
    expect(y.shape).toEqual([2, 2, oh, ow]);
    expectClose(y.toFloat32Array(), Float32Array.from(want), { atol: 1e-5 });
    expectGradOk((t) => gw.F.adaptiveAvgPool2d(t, [oh, ow]), [x]);
  });

  it("pooling layers: 6×6 pooled with Δ=2 gives 3×3", () => {
    const x = gw.randn([1, 1, 6, 6]);
    expect(new gw.nn.MaxPool2d(2).forward(x).shape).toEqual([1, 1, 3, 3]);
    expect(new gw.nn.AvgPool2d(2).forward(x).shape).toEqual([1, 1, 3, 3]);
    expect(new gw.nn.AdaptiveAvgPool2d(1).forward(x).shape).toEqual([1, 1, 1, 1]);
  });
});

describe.runIf(gw.listBackends().includes("cpu"))("maxPool2d's arg-max indices on the cpu backend", () => {
  useBackendCase({ label: "cpu (2 threads)", name: "cpu", threads: 2 });

  it("live in the shared memory (no copy in or out of either kernel call) and outlive collections until the backward pass", async () => {
    gw.manualSeed(75);
    const x = gw.randn([4, 16, 64, 64], { requiresGrad: true });
    const g = gw.randn([4, 16, 32, 32]);
    // every array a kernel call had to copy into the shared memory or back out of it
    const copies: string[] = [];
    const A = Arena.prototype as unknown as Record<"input" | "output", (this: Arena, arr: Float32Array | Int32Array, ...rest: number[]) => number>;
    const { input, output } = A;
    A.input = function (arr, ...rest) {
      if (this.heap.addressOf(arr) < 0) copies.push(`input ${arr.constructor.name}[${arr.length}]`);
      return input.call(this, arr, ...rest);
    };
    A.output = function (arr, ...rest) {
      const at = output.call(this, arr, ...rest);
      if (at !== this.heap.addressOf(arr)) copies.push(`output ${arr.constructor.name}[${arr.length}]`);
      return at;
    };
    try {
      const y = gw.F.maxPool2d(x, 2);
      expect(copies, "copies in the forward pass").toEqual([]);
      // let the collector and the heap reclaim whatever the graph does not hold, then reuse those
      // blocks with zeros: indices freed too early would now all read 0 (the window's first cell)
      for (let i = 0; i < 3; i++) {
        requestCollection();
        await new Promise((r) => setTimeout(r, 10));
      }
      const churn = Array.from({ length: 8 }, () => gw.zeros([4, 16, 32, 32]));
      expect(churn.every((t) => t.sum().item() === 0)).toBe(true);
      y.backward(g);
      expect(copies, "copies in the backward pass").toEqual([]);
      const want = gw.withBackend("reference", () => {
        const xr = gw.tensor(x, { requiresGrad: true });
        gw.F.maxPool2d(xr, 2).backward(gw.tensor(g));
        return xr;
      });
      expectIdentical(x.grad!.toFloat32Array(), want.grad!.toFloat32Array(), "the gradient against the reference backend's");
    } finally {
      A.input = input;
      A.output = output;
    }
  });
});
