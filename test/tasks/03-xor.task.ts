/**
 * Graded tests for exercises/03-xor.ts (tasks 3.1–3.4). Expected values come from gw autodiff on the
 * same network, computed by the grader; the trained network is evaluated by the grader too.
 */
import * as gw from "gradwork";
import { suite, expectClose, expectTrue, fail, rng, asNumbers } from "../../lib/grader/harness";
import type * as M from "../../exercises/03-xor";

const { task } = suite<typeof M>("03-xor");

const XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]];
const XOR_Y = [0, 1, 1, 0];

task("3.1", "XOR by hand: the truth table comes out right", 3, {
  run: (m) => m.xorWeights(),
  check: (got) => {
    expectTrue(got !== null && typeof got === "object", "xorWeights must return { W1, b1, W2, b2 }");
    const W1 = gw.tensor(asNumbers(got.W1, 4, "W1"), { shape: [2, 2] });
    const b1 = gw.tensor(asNumbers(got.b1, 2, "b1"));
    const W2 = gw.tensor(asNumbers(got.W2, 2, "W2"), { shape: [2, 1] });
    const b2 = asNumbers(got.b2, 1, "b2")[0];
    const out = Array.from(gw.tensor(XOR_X).matmul(W1).add(b1).relu().matmul(W2).add(b2).toFloat32Array());
    XOR_X.forEach((x, i) => {
      if (out[i] > 0.5 !== (XOR_Y[i] === 1)) fail(`for x = [${x}] the network outputs ${out[i].toFixed(3)}, which means ${out[i] > 0.5 ? 1 : 0}; XOR is ${XOR_Y[i]}`);
    });
  },
});

type P = { W1: number[]; b1: number[]; W2: number[]; b2: number[]; H: number };

const params = (seed: number, H: number) => (): P => {
  const r = rng(seed);
  return { W1: r.array(2 * H, -1, 1), b1: r.array(H, -0.5, 0.5), W2: r.array(H, -1, 1), b2: r.array(1, -0.5, 0.5), H };
};

function toTensors(p: P, requiresGrad = false) {
  return {
    W1: gw.tensor(p.W1, { shape: [2, p.H], requiresGrad }),
    b1: gw.tensor(p.b1, { requiresGrad }),
    W2: gw.tensor(p.W2, { shape: [p.H, 1], requiresGrad }),
    b2: gw.tensor(p.b2, { requiresGrad }),
  };
}

const batch = (seed: number, n: number) => {
  const r = rng(seed);
  return { X: r.array(n * 2, -2, 2), y: Array.from({ length: n }, () => (r.next() < 0.5 ? 0 : 1)), n };
};

/** The reference network and loss, differentiated by gw autodiff. */
function reference(p: P, X: number[], y: number[], n: number) {
  const t = toTensors(p, true);
  const Xt = gw.tensor(X, { shape: [n, 2] });
  const z1 = Xt.matmul(t.W1).add(t.b1);
  const h = z1.tanh();
  const z2 = h.matmul(t.W2).add(t.b2);
  const out = z2.sigmoid();
  gw.F.binaryCrossEntropyWithLogits(z2, gw.tensor(y, { shape: [n, 1] })).backward();
  return { z1, h, z2, out, grads: { dW1: t.W1.grad!, db1: t.b1.grad!, dW2: t.W2.grad!, db2: t.b2.grad! } };
}

task("3.2", "MLP forward: z1, h, z2 and out", 3, {
  inputs: () => ({ p: params(7, 3)(), ...batch(8, 5) }),
  run: (m, { p, X, n }) => m.mlpForward(toTensors(p), gw.tensor(X, { shape: [n, 2] })),
  check: (got, { p, X, y, n }) => {
    const e = reference(p, X, y, n);
    for (const k of ["z1", "h", "z2", "out"] as const) expectClose(got?.[k], e[k], { atol: 1e-5, rtol: 1e-4, what: k });
  },
});

for (const [seed, H, n, points] of [[11, 3, 4, 3], [12, 5, 8, 3]] as const) {
  task("3.3", `MLP backward by hand: all four gradients (hidden ${H}, batch ${n})`, points, {
    inputs: () => ({ p: params(seed, H)(), ...batch(seed + 100, n) }),
    run: (m, { p, X, y }) =>
      gw.noGrad(() => {
        const t = toTensors(p);
        const Xt = gw.tensor(X, { shape: [n, 2] });
        return m.mlpBackward(t, Xt, gw.tensor(y, { shape: [n, 1] }), m.mlpForward(t, Xt));
      }),
    check: (got, { p, X, y }) => {
      const e = reference(p, X, y, n).grads;
      for (const k of ["dW1", "db1", "dW2", "db2"] as const) expectClose(got?.[k], e[k], { atol: 1e-5, rtol: 1e-3, what: k });
    },
  });
}

for (const seed of [1, 2]) {
  task("3.4", `training fits XOR from a random initialisation (seed ${seed})`, 2, {
    inputs: params(seed, 4),
    run: (m, p) => {
      const r = m.trainXor(toTensors(p), { lr: 1, epochs: 1500 });
      return { params: r.params, losses: r.losses };
    },
    check: (got, p) => {
      const losses = asNumbers(got?.losses, 1500, "losses (one per epoch)");
      const q = {
        W1: asNumbers(got.params?.W1, 8, "params.W1"),
        b1: asNumbers(got.params?.b1, 4, "params.b1"),
        W2: asNumbers(got.params?.W2, 4, "params.W2"),
        b2: asNumbers(got.params?.b2, 1, "params.b2"),
        H: 4,
      };
      if (q.W1.every((v, i) => v === p.W1[i])) fail("W1 did not change: the parameters were not updated");
      const out = Array.from(reference(q, XOR_X.flat(), XOR_Y, 4).out.toFloat32Array());
      XOR_X.forEach((x, i) => {
        if (out[i] > 0.5 !== (XOR_Y[i] === 1)) fail(`after training, x = [${x}] gives out = ${out[i].toFixed(3)}; XOR is ${XOR_Y[i]}`);
      });
      const first = reference(p, XOR_X.flat(), XOR_Y, 4);
      expectClose(losses[0], -XOR_Y.reduce((a, yy, i) => a + (yy ? Math.log(first.out.toFloat32Array()[i]) : Math.log(1 - first.out.toFloat32Array()[i])), 0) / 4, { atol: 1e-4, what: "loss of the first epoch" });
      expectTrue(losses[1499] < 0.1, `the final loss is ${losses[1499]}, expected below 0.1`);
    },
  });
}
