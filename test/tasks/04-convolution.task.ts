/**
 * Graded tests for exercises/04-convolution.ts (tasks 4.1–4.4). Expected values come from the
 * library's F.conv2d / F.maxPool2d and their autodiff gradients, computed by the grader.
 */
import * as gw from "gradwork";
import { suite, expectClose, expectEqual, rng } from "../../lib/grader/harness";
import type * as M from "../../exercises/04-convolution";

const { task } = suite<typeof M>("04-convolution");

interface Case {
  xs: number[];
  ws: number[];
  bs: number[];
  gs: number[];
  x: number[];
  w: number[];
  stride: number;
  padding: number;
}

/** Random x (shape x), w (shape w), bias and an upstream gradient of the output's shape. */
const conv = (seed: number, x: number[], w: number[], stride: number, padding: number) => (): Case => {
  const r = rng(seed);
  const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const oh = Math.floor((x[2] + 2 * padding - w[2]) / stride) + 1;
  const ow = Math.floor((x[3] + 2 * padding - w[3]) / stride) + 1;
  return { xs: r.array(n(x)), ws: r.array(n(w)), bs: r.array(w[0]), gs: r.array(x[0] * w[0] * oh * ow), x, w, stride, padding };
};

const T = (data: number[], shape: number[], requiresGrad = false) => gw.tensor(data, { shape, requiresGrad });

function reference(c: Case) {
  const x = T(c.xs, c.x, true);
  const w = T(c.ws, c.w, true);
  const b = T(c.bs, [c.w[0]], true);
  const out = gw.F.conv2d(x, w, b, { stride: c.stride, padding: c.padding });
  out.mul(T(c.gs, out.shape)).sum().backward();
  return { out, dx: x.grad!, dw: w.grad!, db: b.grad! };
}

const shapeOf = (c: Case) => {
  const oh = Math.floor((c.x[2] + 2 * c.padding - c.w[2]) / c.stride) + 1;
  const ow = Math.floor((c.x[3] + 2 * c.padding - c.w[3]) / c.stride) + 1;
  return [c.x[0], c.w[0], oh, ow];
};

const cases: [string, () => Case][] = [
  ["stride 1, no padding", conv(41, [2, 3, 6, 6], [4, 3, 3, 3], 1, 0)],
  ["stride 2, padding 1", conv(42, [2, 2, 7, 7], [3, 2, 3, 3], 2, 1)],
  ["non-square 2×4 kernel, stride 3, padding 2", conv(43, [1, 3, 8, 9], [2, 3, 2, 4], 3, 2)],
];

for (const [label, inputs] of cases) {
  task("4.1", `conv2d forward, ${label}`, 2, {
    inputs,
    run: (m, c) => m.conv2d(T(c.xs, c.x), T(c.ws, c.w), T(c.bs, [c.w[0]]), { stride: c.stride, padding: c.padding }),
    check: (got, c) => expectClose(got, reference(c).out, { atol: 1e-4, rtol: 1e-4, what: `output (expected shape [${shapeOf(c)}])` }),
  });
}

task("4.1", "conv2d forward without bias", 1, {
  inputs: cases[0][1],
  run: (m, c) => m.conv2d(T(c.xs, c.x), T(c.ws, c.w), null),
  check: (got, c) => expectClose(got, gw.F.conv2d(T(c.xs, c.x), T(c.ws, c.w)), { atol: 1e-4, rtol: 1e-4, what: "output" }),
});

for (const [label, inputs] of cases) {
  const backward = (m: typeof M, c: Case) => m.conv2dBackward(T(c.xs, c.x), T(c.ws, c.w), T(c.gs, shapeOf(c)), { stride: c.stride, padding: c.padding });
  task("4.2", `conv2d backward, weights and bias (${label})`, 2, {
    inputs,
    run: (m, c) => {
      const g = backward(m, c);
      return { dw: g.dw, db: g.db };
    },
    check: (got, c) => {
      const e = reference(c);
      expectClose(got?.dw, e.dw, { atol: 1e-4, rtol: 1e-3, what: "dw" });
      expectClose(got?.db, e.db, { atol: 1e-4, rtol: 1e-3, what: "db" });
    },
  });
  task("4.2", `conv2d backward, input (${label})`, 2, {
    inputs,
    run: (m, c) => backward(m, c).dx,
    check: (got, c) => expectClose(got, reference(c).dx, { atol: 1e-4, rtol: 1e-3, what: "dx" }),
  });
}

const pool = (seed: number, shape: number[], k: number, stride: number) => () => {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  // Distinct values (a shuffled ramp) so that every window has a single maximum.
  const vals = Array.from({ length: n }, (_, i) => i / n - 0.5);
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(0, i + 1);
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  const oh = Math.floor((shape[2] - k) / stride) + 1;
  const ow = Math.floor((shape[3] - k) / stride) + 1;
  return { xs: vals, shape, k, stride, gs: r.array(shape[0] * shape[1] * oh * ow), out: [shape[0], shape[1], oh, ow] };
};

const pools: [string, ReturnType<typeof pool>][] = [
  ["2×2 windows, stride 2", pool(51, [2, 3, 6, 6], 2, 2)],
  ["overlapping 3×3 windows, stride 2", pool(52, [1, 2, 7, 9], 3, 2)],
];

for (const [label, inputs] of pools) {
  task("4.3", `max-pool forward, ${label}`, 1, {
    inputs,
    run: (m, p) => m.maxPool2d(T(p.xs, p.shape), p.k, p.stride),
    check: (got, p) => expectClose(got, gw.F.maxPool2d(T(p.xs, p.shape), p.k, { stride: p.stride }), { atol: 1e-6, what: `output (expected shape [${p.out}])` }),
  });
  task("4.3", `max-pool backward, ${label}`, 2, {
    inputs,
    run: (m, p) => m.maxPool2dBackward(T(p.xs, p.shape), T(p.gs, p.out), p.k, p.stride),
    check: (got, p) => {
      const x = T(p.xs, p.shape, true);
      gw.F.maxPool2d(x, p.k, { stride: p.stride }).mul(T(p.gs, p.out)).sum().backward();
      expectClose(got, x.grad!, { atol: 1e-5, what: "dx" });
    },
  });
}

const sizes = [
  [32, 5, 1, 0, 1], [32, 5, 1, 2, 1], [32, 3, 2, 1, 1], [7, 3, 2, 0, 1], [227, 11, 4, 0, 1],
  [28, 2, 2, 0, 1], [10, 3, 3, 0, 1], [9, 3, 1, 0, 2], [5, 5, 1, 0, 1], [6, 4, 3, 2, 1],
];

task("4.4", "output-size formula (stride, padding)", 2, {
  inputs: () => sizes.filter((s) => s[4] === 1),
  run: (m, ss) => ss.map(([n, k, s, p]) => m.convOutputSize(n, k, s, p)),
  check: (got, ss) => expectEqual(got, ss.map(([n, k, s, p]) => Math.floor((n + 2 * p - k) / s) + 1), "output sizes for [n, k, stride, padding] = " + JSON.stringify(ss.map((s) => s.slice(0, 4)))),
});

task("4.4", "output-size formula with dilation; agrees with the library's conv2d", 1, {
  inputs: () => sizes,
  run: (m, ss) => ss.map(([n, k, s, p, d]) => m.convOutputSize(n, k, s, p, d)),
  check: (got, ss) =>
    expectEqual(got, ss.map(([n, k, s, p, d]) => gw.F.conv2d(gw.zeros([1, 1, n, n]), gw.zeros([1, 1, k, k]), undefined, { stride: s, padding: p, dilation: d }).shape[2]), "output sizes"),
});
