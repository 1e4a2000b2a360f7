/**
 * Graded tests for exercises/01-chain-rule.ts (tasks 1.1–1.3). Expected values come from the library's
 * scalar autodiff engine (gw.Value) and from central finite differences, computed by the grader.
 */
import * as gw from "gradwork";
import { suite, expectClose, expectTrue, finiteDifference, rng } from "../../lib/grader/harness";
import type * as M from "../../exercises/01-chain-rule";

const { task } = suite<typeof M>("01-chain-rule");

/** Gradients of a two-input node computed by gw.Value. */
function valueGrads(op: (a: gw.Value, b: gw.Value) => gw.Value, x: number, y: number, dout: number): [number, number] {
  const a = new gw.Value(x);
  const b = new gw.Value(y);
  op(a, b).mul(dout).backward();
  return [a.grad, b.grad];
}

const pairs = () => {
  const r = rng(11);
  return Array.from({ length: 5 }, () => [r.uniform(-3, 3), r.uniform(-3, 3), r.uniform(-2, 2)]);
};

task("1.1", "add node: local gradients", 1, {
  inputs: pairs,
  run: (m, ps) => ps.map(([x, y, d]) => m.addBackward(x, y, d)),
  check: (got, ps) => expectClose(got, ps.map(([x, y, d]) => valueGrads((a, b) => a.add(b), x, y, d)), { what: "[dx, dy]" }),
});

task("1.1", "mul node: local gradients", 1, {
  inputs: pairs,
  run: (m, ps) => ps.map(([x, y, d]) => m.mulBackward(x, y, d)),
  check: (got, ps) => expectClose(got, ps.map(([x, y, d]) => valueGrads((a, b) => a.mul(b), x, y, d)), { what: "[dx, dy]" }),
});

task("1.1", "max node: routes the gradient to the larger input", 1, {
  inputs: () => [[4, 1, 2], [-1, 3, 1.5], [0.5, -0.25, -3]],
  run: (m, ps) => ps.map(([x, y, d]) => m.maxBackward(x, y, d)),
  check: (got, ps) => expectClose(got, ps.map(([x, y, d]) => (x > y ? [d, 0] : [0, d])), { what: "[dx, dy]" }),
});

task("1.1", "max node: a tie splits the gradient in half", 1, {
  run: (m) => [m.maxBackward(2, 2, 1), m.maxBackward(-1, -1, 3)],
  check: (got) => expectClose(got, [[0.5, 0.5], [1.5, 1.5]], { what: "[dx, dy] on a tie" }),
});

task("1.2", "numerical gradient of a one-variable function", 1, {
  run: (m) => m.numericalGradient(([x]) => x * x * x - 2 * x, [1.5]),
  check: (got) => expectClose(got, [3 * 1.5 * 1.5 - 2], { atol: 1e-4, what: "df/dx at 1.5" }),
});

task("1.2", "numerical gradient of a three-variable function", 2, {
  inputs: () => rng(5).array(3, -1, 1),
  run: (m, x) => m.numericalGradient(([a, b, c]) => Math.exp(a) * b + Math.sin(c) * a, x),
  check: (got, x) => {
    const f = ([a, b, c]: number[]) => new gw.Value(a).exp().mul(b).add(new gw.Value(c).sin().mul(a));
    const vs = x.map((v) => new gw.Value(v));
    new gw.Value(0).add(vs[0].exp().mul(vs[1])).add(vs[2].sin().mul(vs[0])).backward();
    expectClose(got, vs.map((v) => v.grad), { atol: 1e-4, what: "gradient" });
    expectClose(got, finiteDifference((p) => f(p).data, x), { atol: 1e-4, what: "gradient vs finite differences" });
  },
});

task("1.2", "uses central (not one-sided) differences", 1, {
  // For f(x) = x³ with h = 0.1 at x = 1, a central difference gives 3.01 and a forward one 3.31.
  run: (m) => m.numericalGradient(([x]) => x * x * x, [1], 0.1),
  check: (got) => expectClose(got, [3.01], { atol: 1e-6, what: "central difference with h = 0.1" }),
});

task("1.2", "leaves its input unchanged", 1, {
  run: (m) => {
    const x = [0.3, -0.7];
    m.numericalGradient(([a, b]) => a * b, x);
    return x;
  },
  check: (got) => expectClose(got, [0.3, -0.7], { atol: 0, rtol: 0, what: "x after the call" }),
});

task("1.3", "(x + y)·z by hand at x = -2, y = 5, z = -4", 2, {
  run: (m) => m.backpropAddMul(-2, 5, -4),
  check: (got) => {
    const [x, y, z] = [-2, 5, -4].map((v) => new gw.Value(v));
    const f = x.add(y).mul(z);
    f.backward();
    expectTrue(got !== null && typeof got === "object", "backpropAddMul must return an object { f, dx, dy, dz }");
    expectClose([got.f, got.dx, got.dy, got.dz], [f.data, x.grad, y.grad, z.grad], { what: "[f, dx, dy, dz]" });
  },
});

task("1.3", "x1·x2 + sin(x2): forward value", 1, {
  inputs: () => [[2, 0], [-1.5, 0.8], [0.3, 2.2]],
  run: (m, ps) => ps.map(([a, b]) => m.backpropExample(a, b).f),
  check: (got, ps) => expectClose(got, ps.map(([a, b]) => new gw.Value(a).mul(b).add(new gw.Value(b).sin()).data), { what: "f" }),
});

task("1.3", "x1·x2 + sin(x2): both partial derivatives", 3, {
  inputs: () => {
    const r = rng(3);
    return [[2, 0], ...Array.from({ length: 4 }, () => [r.uniform(-3, 3), r.uniform(-3, 3)])];
  },
  run: (m, ps) => ps.map(([a, b]) => {
    const o = m.backpropExample(a, b);
    return [o.dx1, o.dx2];
  }),
  check: (got, ps) => {
    const expected = ps.map(([a, b]) => {
      const x1 = new gw.Value(a);
      const x2 = new gw.Value(b);
      x1.mul(x2).add(x2.sin()).backward();
      return [x1.grad, x2.grad];
    });
    expectClose(got, expected, { what: "[dx1, dx2]" });
    expectClose(got, ps.map((p) => finiteDifference(([a, b]) => a * b + Math.sin(b), p)), { atol: 1e-5, what: "[dx1, dx2] vs finite differences" });
  },
});
