/**
 * Graded tests for exercises/02-sigmoid.ts (tasks 2.1–2.4). Expected values come from gw.Value, gw
 * tensor autodiff and central finite differences, computed by the grader.
 */
import * as gw from "gradwork";
import { suite, expectClose, expectTrue, finiteDifference, rng } from "../../lib/grader/harness";
import type * as M from "../../exercises/02-sigmoid";

const { task } = suite<typeof M>("02-sigmoid");

const sig = (x: number) => new gw.Value(x).sigmoid().data;

task("2.1", "sigmoid: values", 1, {
  inputs: () => [-4, -1, -0.25, 0, 0.5, 2, 6],
  run: (m, xs) => xs.map((x) => m.sigmoid(x)),
  check: (got, xs) => expectClose(got, xs.map(sig), { atol: 1e-7, what: "sigmoid(x)" }),
});

task("2.1", "sigmoid: stays finite for large |x|", 1, {
  inputs: () => [-1000, -50, 50, 1000],
  run: (m, xs) => xs.map((x) => m.sigmoid(x)),
  check: (got) => expectClose(got, [0, 1.9287498479639178e-22, 1, 1], { atol: 1e-12, rtol: 1e-6, what: "sigmoid(x) for x in [-1000, -50, 50, 1000]" }),
});

task("2.1", "sigmoid backward", 2, {
  inputs: () => {
    const r = rng(21);
    return Array.from({ length: 6 }, () => [r.uniform(-5, 5), r.uniform(-2, 2)]);
  },
  run: (m, ps) => ps.map(([x, d]) => m.sigmoidBackward(x, d)),
  check: (got, ps) => {
    const expected = ps.map(([x, d]) => {
      const v = new gw.Value(x);
      v.sigmoid().mul(d).backward();
      return v.grad;
    });
    expectClose(got, expected, { atol: 1e-9, what: "dL/dx" });
    expectClose(got, ps.map(([x, d]) => d * finiteDifference(([t]) => 1 / (1 + Math.exp(-t)), [x])[0]), { atol: 1e-6, what: "dL/dx vs finite differences" });
  },
});

function neuronExpected(w: number[], x: number[]) {
  const wv = w.map((v) => new gw.Value(v));
  const xv = x.map((v) => new gw.Value(v));
  let z = wv[x.length];
  for (let i = 0; i < x.length; i++) z = z.add(wv[i].mul(xv[i]));
  const out = z.sigmoid();
  out.backward();
  return { out: out.data, dw: wv.map((v) => v.grad), dx: xv.map((v) => v.grad) };
}

task("2.2", "sigmoid neuron: the worked example w = [2, -3, -3], x = [-1, -2]", 2, {
  run: (m) => m.neuron([2, -3, -3], [-1, -2]),
  check: (got) => {
    const e = neuronExpected([2, -3, -3], [-1, -2]);
    expectTrue(got !== null && typeof got === "object", "neuron must return { out, dw, dx }");
    expectClose(got.out, e.out, { what: "out" });
    expectClose(got.dw, e.dw, { what: "dw" });
    expectClose(got.dx, e.dx, { what: "dx" });
  },
});

task("2.2", "sigmoid neuron: random weights, 4 inputs", 2, {
  inputs: () => {
    const r = rng(22);
    return { w: r.array(5, -2, 2), x: r.array(4, -2, 2) };
  },
  run: (m, { w, x }) => m.neuron(w, x),
  check: (got, { w, x }) => {
    const e = neuronExpected(w, x);
    expectClose([got.out], [e.out], { what: "out" });
    expectClose(got.dw, e.dw, { what: "dw" });
    expectClose(got.dx, e.dx, { what: "dx" });
  },
});

const lrInputs = (seed: number, big = 1) => () => {
  const r = rng(seed);
  const X = Array.from({ length: 6 }, () => r.array(3, -2 * big, 2 * big));
  return { w: r.array(3, -1, 1), b: r.uniform(-0.5, 0.5), X, y: X.map(() => (r.next() < 0.5 ? 0 : 1)) };
};

function lrExpected({ w, b, X, y }: { w: number[]; b: number; X: number[][]; y: number[] }) {
  const wt = gw.tensor(w, { requiresGrad: true });
  const bt = gw.tensor([b], { requiresGrad: true });
  const logits = gw.tensor(X).matmul(wt.reshape([3, 1])).reshape([X.length]).add(bt);
  const loss = gw.F.binaryCrossEntropyWithLogits(logits, gw.tensor(y));
  loss.backward();
  return { loss: loss.item(), dw: Array.from(wt.grad!.toFloat32Array()), db: bt.grad!.item() };
}

task("2.3", "logistic regression: loss", 1, {
  inputs: lrInputs(31),
  run: (m, { w, b, X, y }) => m.logisticRegression(w, b, X, y).loss,
  check: (got, inp) => expectClose(got, lrExpected(inp).loss, { atol: 1e-5, rtol: 1e-4, what: "loss" }),
});

task("2.3", "logistic regression: gradients dw and db", 3, {
  inputs: lrInputs(32),
  run: (m, { w, b, X, y }) => {
    const o = m.logisticRegression(w, b, X, y);
    return { dw: o.dw, db: o.db };
  },
  check: (got, inp) => {
    const e = lrExpected(inp);
    expectClose(got.dw, e.dw, { atol: 1e-5, rtol: 1e-4, what: "dw" });
    expectClose(got.db, e.db, { atol: 1e-5, rtol: 1e-4, what: "db" });
    const loss = (p: number[]) =>
      inp.X.reduce((acc, row, k) => {
        const z = p[3] + row[0] * p[0] + row[1] * p[1] + row[2] * p[2];
        const pk = 1 / (1 + Math.exp(-z));
        return acc - (inp.y[k] * Math.log(pk) + (1 - inp.y[k]) * Math.log(1 - pk)) / inp.X.length;
      }, 0);
    expectClose([...got.dw, got.db], finiteDifference(loss, [...inp.w, inp.b]), { atol: 1e-5, rtol: 1e-4, what: "[dw, db] vs finite differences" });
  },
});

task("2.3", "logistic regression: finite loss for confident predictions", 1, {
  inputs: lrInputs(33, 100),
  run: (m, { w, b, X, y }) => m.logisticRegression(w, b, X, y).loss,
  check: (got, inp) => {
    expectTrue(typeof got === "number" && Number.isFinite(got), `the loss must stay finite when |w·x| is large, got ${got}`);
    expectClose(got, lrExpected(inp).loss, { atol: 1e-3, rtol: 1e-4, what: "loss" });
  },
});

const nsInputs = (seed: number, m: number, n: number) => () => {
  const r = rng(seed);
  return { W: Array.from({ length: m }, () => r.array(n, -1, 1)), x: r.array(n, -1, 1) };
};

function nsExpected({ W, x }: { W: number[][]; x: number[] }) {
  const Wt = gw.tensor(W, { requiresGrad: true });
  const xt = gw.tensor(x, { requiresGrad: true });
  const f = Wt.matmul(xt.reshape([x.length, 1])).pow(2).sum();
  f.backward();
  return { f: f.item(), dW: Wt.grad!.toArray(), dx: Array.from(xt.grad!.toFloat32Array()) };
}

task("2.4", "‖Wx‖²: the worked example W = [[0.1, 0.5], [-0.3, 0.8]], x = [0.2, 0.4]", 2, {
  inputs: () => ({ W: [[0.1, 0.5], [-0.3, 0.8]], x: [0.2, 0.4] }),
  run: (m, { W, x }) => m.normSquared(W, x),
  check: (got, inp) => {
    const e = nsExpected(inp);
    expectClose(got.f, e.f, { atol: 1e-5, what: "f" });
    expectClose(got.dW, e.dW, { atol: 1e-5, what: "dW" });
    expectClose(got.dx, e.dx, { atol: 1e-5, what: "dx" });
  },
});

task("2.4", "‖Wx‖²: a 3×4 matrix (dW and dx)", 3, {
  inputs: nsInputs(41, 3, 4),
  run: (m, { W, x }) => m.normSquared(W, x),
  check: (got, inp) => {
    const e = nsExpected(inp);
    expectClose(got.f, e.f, { atol: 1e-5, rtol: 1e-4, what: "f" });
    expectClose(got.dW, e.dW, { atol: 1e-5, rtol: 1e-4, what: "dW (shape 3×4)" });
    expectClose(got.dx, e.dx, { atol: 1e-5, rtol: 1e-4, what: "dx" });
  },
});
