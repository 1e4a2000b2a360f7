// conv1d / conv2d: forward against plain loops (gw.conv2dNaive and an independent loop here that
// also does dilation, groups and asymmetric "same" padding), gradients by finite differences.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose, expectGradOk, rint, rnd } from "../helpers/close";

interface Geo { stride: [number, number]; pad: [number, number, number, number]; dil: [number, number]; groups: number }

/** Cross-correlation by nested loops; pad = [top, bottom, left, right]. */
function convJs(x: gw.Tensor, w: gw.Tensor, b: gw.Tensor | null, g: Geo): { data: number[]; shape: number[] } {
  const X = x.toArray(4), W = w.toArray(4), B = b ? b.toArray(1) : null;
  const [n, , h, wd] = x.shape, [co, cg, kh, kw] = w.shape;
  const [sh, sw] = g.stride, [pt, pb, pl, pr] = g.pad, [dh, dw] = g.dil;
  const oh = Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  const og = co / g.groups;
  const data: number[] = [];
  for (let i = 0; i < n; i++)
    for (let o = 0; o < co; o++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let acc = B ? B[o] : 0;
          const grp = Math.floor(o / og);
          for (let ci = 0; ci < cg; ci++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const r = y * sh - pt + u * dh, s = z * sw - pl + v * dw;
                if (r >= 0 && r < h && s >= 0 && s < wd) acc += X[i][grp * cg + ci][r][s] * W[o][ci][u][v];
              }
          data.push(acc);
        }
  return { data, shape: [n, co, oh, ow] };
}

describe.each(backendCases())("convolution [$label]", (bc) => {
  useBackendCase(bc);

  it("conv2d matches gw.conv2dNaive over random shapes, strides and paddings", () => {
    gw.manualSeed(61);
    for (let trial = 0; trial < 8; trial++) {
      const n = rint(1, 2), c = rint(1, 3), co = rint(1, 4), kh = rint(1, 4), kw = kh;
      const stride = rint(1, 3), padding = rint(0, 2);
      const h = rint(Math.max(kh - 2 * padding, 1), 7), w = rint(Math.max(kw - 2 * padding, 1), 7);
      const x = rnd([n, c, h, w]), wt = rnd([co, c, kh, kw]), b = trial % 2 ? rnd([co]) : null;
      const y = gw.F.conv2d(x, wt, b, { stride, padding });
      expectClose(y, gw.conv2dNaive(x, wt, b, { stride, padding }), { atol: 1e-5 });
    }
  });

  it("conv2d matches the loop oracle with dilation, groups, rectangular kernels and pair options", () => {
    gw.manualSeed(62);
    for (let trial = 0; trial < 10; trial++) {
      const groups = [1, 2, 3][trial % 3];
      const cg = rint(1, 2), og = rint(1, 2);
      const kh = rint(1, 3), kw = rint(1, 3);
      const stride: [number, number] = [rint(1, 2), rint(1, 3)], dil: [number, number] = [rint(1, 2), rint(1, 2)], pad: [number, number] = [rint(0, 2), rint(0, 1)];
      const h = dil[0] * (kh - 1) + rint(1, 4), w = dil[1] * (kw - 1) + rint(1, 4);
      const x = rnd([rint(1, 2), cg * groups, h, w]), wt = rnd([og * groups, cg, kh, kw]), b = trial % 2 ? rnd([og * groups]) : null;
      const y = gw.F.conv2d(x, wt, b, { stride, padding: pad, dilation: dil, groups });
      const want = convJs(x, wt, b, { stride, pad: [pad[0], pad[0], pad[1], pad[1]], dil, groups });
      expect(y.shape).toEqual(want.shape);
      expectClose(y.toFloat32Array(), Float32Array.from(want.data), { atol: 1e-5 });
    }
  });

  it.each([[2, 1], [4, 1], [3, 1], [2, 2], [4, 3]])('padding "same" keeps the size for kernel %i, dilation %i (even kernels pad the extra at the end)', (k, d) => {
    gw.manualSeed(63);
    const x = rnd([1, 2, 5, 6]), wt = rnd([3, 2, k, k]), b = rnd([3]);
    const y = gw.F.conv2d(x, wt, b, { padding: "same", dilation: d });
    expect(y.shape).toEqual([1, 3, 5, 6]);
    const total = d * (k - 1), lo = Math.floor(total / 2), hi = total - lo;
    const want = convJs(x, wt, b, { stride: [1, 1], pad: [lo, hi, lo, hi], dil: [d, d], groups: 1 });
    expectClose(y.toFloat32Array(), Float32Array.from(want.data), { atol: 1e-5 });
    expectGradOk((p, q, r) => gw.F.conv2d(p, q, r, { padding: "same", dilation: d }), [rnd([1, 1, 4, 5]), rnd([2, 1, k, k]), rnd([2])]);
    expect(gw.F.conv2d(x, wt, b, { padding: "valid" }).shape).toEqual([1, 3, 6 - k, 7 - k]);
  });

  it("conv2d gradcheck over random geometries, with and without bias", () => {
    gw.manualSeed(64);
    for (let trial = 0; trial < 8; trial++) {
      const groups = [1, 2][trial % 2];
      const cg = rint(1, 2), og = rint(1, 2), kh = rint(1, 3), kw = rint(1, 3);
      const stride: [number, number] = [rint(1, 2), rint(1, 2)], dil: [number, number] = [rint(1, 2), rint(1, 2)], padding: [number, number] = [rint(0, 1), rint(0, 2)];
      const h = dil[0] * (kh - 1) + rint(1, 3), w = dil[1] * (kw - 1) + rint(1, 3);
      const inputs = [rnd([rint(1, 2), cg * groups, h, w]), rnd([og * groups, cg, kh, kw])];
      if (trial % 3 !== 0) inputs.push(rnd([og * groups]));
      expectGradOk((x, wt, b) => gw.F.conv2d(x, wt, b ?? null, { stride, padding, dilation: dil, groups }), inputs);
    }
  });

  it("conv2d with relu: the values and gradients of conv2d(...).relu(), bit for bit", () => {
    gw.manualSeed(67);
    const bits = (t: gw.Tensor) => Array.from(t.contiguous().readData(), (v) => (Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : v));
    const geos: gw.ConvOptions[] = [{ padding: 1 }, { stride: 2, padding: [2, 1] }, { padding: "same" }, { groups: 2, dilation: 2 }];
    const shapes: [number[], number[]][] = [[[2, 4, 9, 9], [6, 4, 3, 3]], [[2, 4, 9, 9], [6, 4, 4, 2]], [[1, 4, 8, 7], [6, 4, 2, 4]], [[2, 4, 9, 9], [6, 2, 3, 3]]];
    geos.forEach((opts, i) => {
      const [xs, ws] = shapes[i];
      const x = rnd(xs), w = rnd(ws), b = rnd([ws[0]]);
      const g = gw.randn([...gw.F.conv2d(x, w, b, opts).shape]);
      const run = (fused: boolean) => {
        for (const t of [x, w, b]) t.grad = null;
        const y = fused ? gw.F.conv2d(x, w, b, { ...opts, relu: true }) : gw.F.conv2d(x, w, b, opts).relu();
        y.mul(g).sum().backward();
        return [y, x.grad!, w.grad!, b.grad!].map(bits);
      };
      const unfused = run(false), fused = run(true);
      expect(fused, JSON.stringify(opts)).toEqual(unfused);
      expect(unfused[0].some((v) => v === 0) && unfused[0].some((v) => typeof v === "number" && v > 0)).toBe(true);
    });
    expect(gw.F.conv2d(rnd([1, 1, 3, 3]), rnd([1, 1, 2, 2]), null, { relu: true }).gradFn?.name).toBe("conv2d+relu");
  });

  it("conv2d with relu passes gradcheck, and rejects a relu that is not a boolean", () => {
    gw.manualSeed(68);
    // inputs away from the kink: values well inside (−1, 1) with a bias shift keep results off 0
    expectGradOk((x, wt, b) => gw.F.conv2d(x, wt, b, { padding: 1, relu: true }), [rnd([1, 2, 4, 4]), rnd([3, 2, 3, 3]), rnd([3])]);
    expect(() => gw.F.conv2d(rnd([1, 1, 3, 3]), rnd([1, 1, 2, 2]), null, { relu: 1 as unknown as boolean })).toThrow(/^conv2d: relu must be true or false, got 1$/);
  });

  it("conv2d gradcheck through non-contiguous input and weight", () => {
    gw.manualSeed(65);
    expectGradOk((x, wt) => gw.F.conv2d(x.transpose(2, 3), wt.permute([1, 0, 2, 3]), null, { padding: 1 }), [rnd([1, 2, 5, 4]), rnd([2, 3, 3, 3])]);
    expectGradOk((x, wt) => gw.F.conv2d(x.slice(3, 0, 8, 2), wt.expand([2, 1, 2, 2]), null), [rnd([1, 1, 3, 8]), rnd([1, 1, 2, 2])]);
  });

  it("conv1d matches a loop and passes gradcheck (stride, padding, dilation, groups, same)", () => {
    gw.manualSeed(66);
    const conv1Js = (x: gw.Tensor, w: gw.Tensor, b: gw.Tensor | null, s: number, p: number, d: number, groups: number) =>
      convJs(x.unsqueeze(2), w.unsqueeze(2), b, { stride: [1, s], pad: [0, 0, p, p], dil: [1, d], groups });
    for (const [s, p, d, groups] of [[1, 0, 1, 1], [2, 1, 1, 1], [1, 2, 2, 2], [3, 0, 1, 2]]) {
      const x = rnd([2, 2, 9]), w = rnd([4, 2 / groups, 3]), b = rnd([4]);
      const y = gw.F.conv1d(x, w, b, { stride: s, padding: p, dilation: d, groups });
      const want = conv1Js(x, w, b, s, p, d, groups);
      expect(y.shape).toEqual([2, 4, want.shape[3]]);
      expectClose(y.toFloat32Array(), Float32Array.from(want.data), { atol: 1e-5 });
      expectGradOk((a, c, e) => gw.F.conv1d(a, c, e, { stride: s, padding: p, dilation: d, groups }), [rnd([1, 2, 7]), rnd([4, 2 / groups, 3]), rnd([4])]);
    }
    const same = gw.F.conv1d(rnd([1, 1, 6]), rnd([1, 1, 4]), null, { padding: "same" });
    expect(same.shape).toEqual([1, 1, 6]);
    expectGradOk((a, c) => gw.F.conv1d(a, c, null, { padding: "same" }), [rnd([1, 1, 5]), rnd([2, 1, 4])]);
  });

  it("convOutputSize follows ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1", () => {
    expect(gw.convOutputSize(32, 5)).toBe(28);
    expect(gw.convOutputSize(32, 5, 1, 2)).toBe(32);
    expect(gw.convOutputSize(7, 3, 2, 1)).toBe(4);
    expect(gw.convOutputSize(10, 3, 1, 0, 2)).toBe(6);
  });
});
