import { describe, expect, it } from "vitest";
import { Value, topoSort, valueTable } from "../../lib/scalar";

/** Central finite difference of a scalar function of several inputs, with respect to input i. */
function numericPartial(f: (xs: number[]) => number, xs: number[], i: number, h = 1e-6): number {
  const plus = xs.slice();
  const minus = xs.slice();
  plus[i] += h;
  minus[i] -= h;
  return (f(plus) - f(minus)) / (2 * h);
}

/** Builds the graph for `build` at `xs`, backpropagates, and returns [value, gradients]. */
function analytic(build: (vs: Value[]) => Value, xs: number[]): [number, number[]] {
  const vs = xs.map((x, i) => new Value(x, `x${i}`));
  const out = build(vs);
  out.backward();
  return [out.data, vs.map((v) => v.grad)];
}

function expectClose(actual: number, expected: number, tol = 1e-6): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

interface OpCase {
  name: string;
  build: (vs: Value[]) => Value;
  plain: (xs: number[]) => number;
  points: number[][];
}

const sig = (z: number) => 1 / (1 + Math.exp(-z));

const cases: OpCase[] = [
  { name: "add", build: ([a, b]) => a.add(b), plain: ([a, b]) => a + b, points: [[1, 2], [-3.5, 0.25]] },
  { name: "mul", build: ([a, b]) => a.mul(b), plain: ([a, b]) => a * b, points: [[1.5, -2], [0.3, 4]] },
  { name: "sub", build: ([a, b]) => a.sub(b), plain: ([a, b]) => a - b, points: [[1, 2], [-0.7, -3]] },
  { name: "div", build: ([a, b]) => a.div(b), plain: ([a, b]) => a / b, points: [[1, 2], [-3, 0.5], [2.5, -1.5]] },
  { name: "pow(Value)", build: ([a, b]) => a.pow(b), plain: ([a, b]) => a ** b, points: [[2, 3], [0.5, -1.5], [1.7, 0.3]] },
  { name: "pow(2)", build: ([a]) => a.pow(2), plain: ([a]) => a ** 2, points: [[3], [-1.2], [0.1]] },
  { name: "pow(-1)", build: ([a]) => a.pow(-1), plain: ([a]) => 1 / a, points: [[3], [-1.2], [0.5]] },
  { name: "pow(0.5)", build: ([a]) => a.pow(0.5), plain: ([a]) => Math.sqrt(a), points: [[4], [0.3]] },
  { name: "neg", build: ([a]) => a.neg(), plain: ([a]) => -a, points: [[2], [-0.5]] },
  { name: "exp", build: ([a]) => a.exp(), plain: ([a]) => Math.exp(a), points: [[0], [1.3], [-2]] },
  { name: "log", build: ([a]) => a.log(), plain: ([a]) => Math.log(a), points: [[0.2], [1], [7.5]] },
  { name: "sin", build: ([a]) => a.sin(), plain: ([a]) => Math.sin(a), points: [[0], [1], [-2.4]] },
  { name: "cos", build: ([a]) => a.cos(), plain: ([a]) => Math.cos(a), points: [[0.3], [2], [-1.1]] },
  { name: "tanh", build: ([a]) => a.tanh(), plain: ([a]) => Math.tanh(a), points: [[0], [0.8], [-1.9]] },
  { name: "sigmoid", build: ([a]) => a.sigmoid(), plain: ([a]) => sig(a), points: [[0], [2], [-3.3]] },
  { name: "relu", build: ([a]) => a.relu(), plain: ([a]) => Math.max(0, a), points: [[1.5], [-0.5]] },
  { name: "with constants", build: ([a]) => a.mul(3).add(2).sub(1).div(4), plain: ([a]) => (a * 3 + 2 - 1) / 4, points: [[0.7]] },
];

describe("every op: value and gradient against central finite differences", () => {
  for (const c of cases) {
    it.each(c.points)(`${c.name} at %s`, (...xs: number[]) => {
      const [value, grads] = analytic(c.build, xs);
      expectClose(value, c.plain(xs), 1e-12);
      grads.forEach((g, i) => expectClose(g, numericPartial(c.plain, xs, i), 1e-6));
    });
  }

  it("uses op symbols and records inputs in argument order", () => {
    const a = new Value(1, "a");
    const b = new Value(2, "b");
    expect([a.add(b), a.mul(b), a.sub(b), a.div(b), a.pow(b)].map((v) => v.op)).toEqual(["+", "*", "-", "/", "^"]);
    expect([a.neg(), a.exp(), a.log(), a.sin(), a.cos(), a.tanh(), a.sigmoid(), a.relu()].map((v) => v.op)).toEqual([
      "neg", "exp", "log", "sin", "cos", "tanh", "σ", "ReLU",
    ]);
    expect(a.pow(2).op).toBe("^2");
    expect(a.pow(-1).op).toBe("^-1");
    expect(a.sub(b).children).toEqual([a, b]);
    expect(a.op).toBe("");
    expect(a.children).toEqual([]);
  });

  it("turns numbers into labelled constant leaves", () => {
    const y = new Value(2, "x").mul(3.5);
    expect(y.children[1].data).toBe(3.5);
    expect(y.children[1].label).toBe("3.5");
    expect(y.children[1].children).toEqual([]);
  });
});

describe("course examples", () => {
  it("f(x, y, z) = (x + y)·z at x = −2, y = 5, z = −4", () => {
    const x = new Value(-2, "x");
    const y = new Value(5, "y");
    const z = new Value(-4, "z");
    const q = x.add(y);
    const f = q.mul(z);
    f.backward();
    expect(q.data).toBe(3);
    expect(f.data).toBe(-12);
    expect([x.grad, y.grad, z.grad, q.grad, f.grad]).toEqual([-4, -4, 3, -4, 1]);
  });

  // f(w, x) = σ(w0·x + w1) at w0 = 2, x = −1, w1 = 3: the linear part is 1, σ(1) = 0.7311, σ'(1) = 0.1966.
  const sigmoidCase = (fused: boolean) => {
    const w0 = new Value(2, "w0");
    const x = new Value(-1, "x");
    const w1 = new Value(3, "w1");
    const z = w0.mul(x).add(w1);
    const f = fused ? z.sigmoid() : z.neg().exp().add(1).pow(-1);
    f.backward();
    return { f, w0, x, w1, z };
  };

  it.each([["fused σ node", true], ["graph of primitives (neg, exp, +1, ^-1)", false]])(
    "f(w, x) = σ(w0·x + w1) as a %s",
    (_name, fused) => {
      const { f, w0, x, w1 } = sigmoidCase(fused as boolean);
      expect(f.data).toBeCloseTo(0.7311, 4);
      expect(w0.grad).toBeCloseTo(-0.1966, 4);
      expect(x.grad).toBeCloseTo(0.3932, 4);
      expect(w1.grad).toBeCloseTo(0.1966, 4);
      // Exact: ∂f/∂w1 = σ(1)(1 − σ(1)), ∂f/∂w0 = x·that, ∂f/∂x = w0·that.
      const s = sig(1);
      expectClose(w1.grad, s * (1 - s), 1e-12);
      expectClose(w0.grad, -s * (1 - s), 1e-12);
      expectClose(x.grad, 2 * s * (1 - s), 1e-12);
    },
  );

  it("fused sigmoid and the primitive graph agree at many points", () => {
    for (const [a, b, c] of [[0.5, 2, -1], [-3, 1.5, 4], [10, 3, -2], [-0.2, -0.3, 0.1]]) {
      const grads = [true, false].map((fused) => {
        const vs = [new Value(a), new Value(b), new Value(c)];
        const z = vs[0].mul(vs[1]).add(vs[2]);
        (fused ? z.sigmoid() : z.neg().exp().add(1).pow(-1)).backward();
        return vs.map((v) => v.grad);
      });
      grads[0].forEach((g, i) => expectClose(g, grads[1][i], 1e-12));
    }
    expect(sigmoidCase(true).f.children).toHaveLength(1);
    expect(topoSort(sigmoidCase(false).f).length).toBeGreaterThan(topoSort(sigmoidCase(true).f).length);
  });

  const points = [[1, 2], [0.5, -1.3], [3.2, 0.7], [2, Math.PI]];

  it.each(points)("f(x1, x2) = x1·x2 + sin(x2) at (%s, %s) matches hand-derived partials", (a, b) => {
    const [value, [g1, g2]] = analytic(([x1, x2]) => x1.mul(x2).add(x2.sin()), [a, b]);
    expectClose(value, a * b + Math.sin(b), 1e-12);
    expectClose(g1, b, 1e-12); // ∂f/∂x1 = x2
    expectClose(g2, a + Math.cos(b), 1e-12); // ∂f/∂x2 = x1 + cos(x2): the two paths through x2 are summed
  });

  it.each(points)("f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (%s, %s) matches hand-derived partials", (a, b) => {
    const [value, [g1, g2]] = analytic(([x1, x2]) => x1.log().add(x1.mul(x2)).sub(x2.sin()), [a, b]);
    expectClose(value, Math.log(a) + a * b - Math.sin(b), 1e-12);
    expectClose(g1, 1 / a + b, 1e-12); // ∂f/∂x1 = 1/x1 + x2
    expectClose(g2, a - Math.cos(b), 1e-12); // ∂f/∂x2 = x1 − cos(x2)
  });
});

describe("backward", () => {
  it("accumulates the gradients of a node used more than once", () => {
    const x = new Value(3, "x");
    x.mul(x).backward();
    expect(x.grad).toBe(6);

    const y = new Value(3, "y");
    y.add(y).backward();
    expect(y.grad).toBe(2);

    const z = new Value(-2, "z");
    const u = z.mul(4); // u used twice below
    u.mul(u).add(z).backward(); // d/dz (16 z² + z) = 32 z + 1
    expect(z.grad).toBe(-63);
  });

  it("calling backward twice doubles leaf gradients but not intermediate ones (like PyTorch)", () => {
    const x = new Value(2, "x");
    const q = x.mul(3);
    const f = q.mul(q);
    f.backward();
    expect([x.grad, q.grad]).toEqual([36, 12]);
    f.backward();
    expect([x.grad, q.grad]).toEqual([72, 12]);
  });

  it("backward on a leaf accumulates 1 into it", () => {
    const x = new Value(5);
    x.backward();
    x.backward();
    expect(x.grad).toBe(2);
  });

  it("zeroGrad clears every node of the graph", () => {
    const x = new Value(2);
    const f = x.sin().mul(x);
    f.backward();
    expect(x.grad).not.toBe(0);
    f.zeroGrad();
    expect(topoSort(f).map((v) => v.grad)).toEqual(topoSort(f).map(() => 0));
  });

  it("handles a chain of 100,000 operations without overflowing the stack", () => {
    const x = new Value(1, "x");
    const c = 1 + 1e-5;
    let v = x;
    for (let i = 0; i < 100_000; i++) v = v.mul(c);
    v.backward();
    expect(topoSort(v)).toHaveLength(200_001); // x, 100,000 constants and 100,000 products
    expectClose(x.grad, c ** 100_000, 1e-9);
    expectClose(v.data, c ** 100_000, 1e-9);
  });

  it("keeps non-finite values instead of throwing", () => {
    const x = new Value(-1, "x");
    const y = x.log();
    y.backward();
    expect(Number.isNaN(y.data)).toBe(true);
    expect(x.grad).toBe(-1);
    expect(new Value(0).log().data).toBe(-Infinity);
  });

  it("sigmoid is stable for large inputs; edge cases of pow have finite gradients", () => {
    const big = new Value(-1000);
    const s = big.sigmoid();
    s.backward();
    expect(s.data).toBe(0);
    expect(big.grad).toBe(0);
    expect(new Value(800).sigmoid().data).toBe(1);

    const zero = new Value(0);
    zero.pow(0).backward();
    expect(zero.grad).toBe(0);
    const base = new Value(0);
    const e = new Value(2);
    base.pow(e).backward();
    expect([base.grad, e.grad]).toEqual([0, 0]);
  });

  it("relu's gradient is 0 at exactly 0", () => {
    const x = new Value(0);
    x.relu().backward();
    expect(x.grad).toBe(0);
  });
});

describe("errors, printing and tables", () => {
  it("rejects arguments that are neither a Value nor a number, naming the method", () => {
    const x = new Value(1);
    expect(() => x.add("2" as any)).toThrow(/Value\.add: expected a Value or a number, got the string "2"/);
    expect(() => x.mul([1, 2] as any)).toThrow(/Value\.mul: .*array of length 2/);
    expect(() => x.pow(null as any)).toThrow(/Value\.pow: .*null/);
    expect(() => new Value("3" as any)).toThrow(/data must be a number, got the string "3"/);
    expect(() => new Value(3, 4 as any)).toThrow(/label must be a string/);
    expect(() => topoSort({} as any)).toThrow(/topoSort: expected a Value/);
  });

  it("prints a short form", () => {
    const x = new Value(2, "x");
    expect(String(x)).toBe("Value(x, data=2, grad=0)");
    expect(String(x.mul(3))).toBe("Value(op=*, data=6, grad=0)");
  });

  it("topoSort lists inputs before users, each node once, root last", () => {
    const x = new Value(1, "x");
    const y = new Value(2, "y");
    const q = x.mul(y);
    const f = q.add(x).mul(q);
    const order = topoSort(f);
    expect(new Set(order).size).toBe(order.length);
    expect(order[order.length - 1]).toBe(f);
    for (const [i, v] of order.entries()) for (const c of v.children) expect(order.indexOf(c)).toBeLessThan(i);
  });

  it("valueTable gives names, ops, inputs, data and grads in forward order", () => {
    const x = new Value(-2, "x");
    const y = new Value(5, "y");
    const z = new Value(-4, "z");
    const f = x.add(y).mul(z);
    f.label = "f";
    f.backward();
    expect(valueTable(f)).toEqual([
      { name: "x", op: "", inputs: [], data: -2, grad: -4 },
      { name: "y", op: "", inputs: [], data: 5, grad: -4 },
      { name: "v2", op: "+", inputs: ["x", "y"], data: 3, grad: -4 },
      { name: "z", op: "", inputs: [], data: -4, grad: 3 },
      { name: "f", op: "*", inputs: ["v2", "z"], data: -12, grad: 1 },
    ]);
  });
});
