// The course's worked examples on computation graphs, backprop and feed-forward nets, each
// recomputed with gradwork and checked against the hand-derived numbers and formulas.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose, rnd } from "../helpers/close";

// ---- tiny plain-JS linear algebra for the closed-form formulas ----
type M = number[][];
const matvec = (A: M, v: number[]) => A.map((r) => r.reduce((s, a, j) => s + a * v[j], 0));
const tr = (A: M): M => A[0].map((_, j) => A.map((r) => r[j]));
const outer = (u: number[], v: number[]): M => u.map((a) => v.map((b) => a * b));
const softmaxJs = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const leaf = (v: number) => gw.tensor(v, { requiresGrad: true });

// The textbook's feed-forward net (Figure 11.2): 3 inputs, two ReLU hidden layers of 2, 3 outputs; h = W·x.
const W1 = [[2, -3, 0], [-1, 1, 2]];
const W2 = [[1, 2], [2, -2]];
const Wo = [[-1, 2], [2, 1], [1, 2]];

function ffNet() {
  const bias = { bias: false };
  const net = new gw.nn.Sequential(new gw.nn.Linear(3, 2, bias), new gw.nn.ReLU(), new gw.nn.Linear(2, 2, bias), new gw.nn.ReLU(), new gw.nn.Linear(2, 3, bias));
  const lin = [net[0], net[2], net[4]] as gw.nn.Linear[];
  [W1, W2, Wo].forEach((W, i) => lin[i].weight.copy_(gw.tensor(W))); // nn.Linear stores [out, in]: y = x·Wᵀ = W·x
  return { net, lin };
}

describe.each(backendCases())("course worked examples [$label]", (bc) => {
  useBackendCase(bc);

  it("f(x,y,z) = (x+y)·z at (−2, 5, −4): f = −12, ∂f/∂x = ∂f/∂y = −4, ∂f/∂z = 3", () => {
    const x = leaf(-2), y = leaf(5), z = leaf(-4);
    const f = x.add(y).mul(z);
    f.backward();
    expect(f.item()).toBe(-12);
    expect(x.grad!.item()).toBe(-4);
    expect(y.grad!.item()).toBe(-4);
    expect(z.grad!.item()).toBe(3);
  });

  it("σ(w0·x + w1) at w0 = 2, x = −1, w1 = 3: 0.7311, ∂w0 = −0.1966, ∂x = 0.3932, ∂w1 = 0.1966", () => {
    const w0 = leaf(2), x = leaf(-1), w1 = leaf(3);
    const f = w0.mul(x).add(w1).sigmoid();
    f.backward();
    expect(f.item()).toBeCloseTo(0.7311, 4);
    expect(w0.grad!.item()).toBeCloseTo(-0.1966, 4);
    expect(x.grad!.item()).toBeCloseTo(0.3932, 4);
    expect(w1.grad!.item()).toBeCloseTo(0.1966, 4);
    // the sigmoid gate's local gradient is σ(1 − σ); the same circuit built from exp/div agrees
    const s = f.item();
    expect(w1.grad!.item()).toBeCloseTo(s * (1 - s), 6);
    const a = leaf(2), b = leaf(-1), c = leaf(3);
    gw.div(1, gw.add(1, a.mul(b).add(c).neg().exp())).backward();
    expectClose([a.grad!.item(), b.grad!.item(), c.grad!.item()], [w0.grad!.item(), x.grad!.item(), w1.grad!.item()], { atol: 1e-6 });
  });

  it.each([[1, 2], [0.5, -1.3], [2.7, 0.4], [3, 3.1]])("reverse mode matches hand partials of x1·x2 + sin x2 and ln x1 + x1·x2 − sin x2 at (%f, %f)", (a, b) => {
    const x1 = leaf(a), x2 = leaf(b);
    x1.mul(x2).add(x2.sin()).backward();
    expect(x1.grad!.item()).toBeCloseTo(b, 5);
    expect(x2.grad!.item()).toBeCloseTo(a + Math.cos(b), 5);
    const y1 = leaf(a), y2 = leaf(b);
    const g = y1.log().add(y1.mul(y2)).sub(y2.sin());
    expect(g.item()).toBeCloseTo(Math.log(a) + a * b - Math.sin(b), 5);
    g.backward();
    expect(y1.grad!.item()).toBeCloseTo(1 / a + b, 5);
    expect(y2.grad!.item()).toBeCloseTo(a - Math.cos(b), 5);
  });

  it("‖Wx‖²: ∂f/∂W = 2qxᵀ and ∂f/∂x = 2Wᵀq with q = Wx (lecture numbers and a random case)", () => {
    const W = gw.tensor([[0.1, 0.5], [-0.3, 0.8]], { requiresGrad: true });
    const x = gw.tensor([0.2, 0.4], { requiresGrad: true });
    const f = W.matmul(x).pow(2).sum();
    f.backward();
    expect(f.item()).toBeCloseTo(0.116, 6);
    expectClose(W.grad!, [[0.088, 0.176], [0.104, 0.208]], { atol: 1e-6 });
    expectClose(x.grad!, [-0.112, 0.636], { atol: 1e-6 });
    gw.manualSeed(81);
    const A = rnd([4, 3]), v = rnd([3]);
    A.matmul(v).mul(A.matmul(v)).sum().backward();
    const q = matvec(A.toArray(2), v.toArray(1));
    expectClose(A.grad!, outer(q, v.toArray(1)).map((r) => r.map((e) => 2 * e)), { atol: 1e-5 });
    expectClose(v.grad!, matvec(tr(A.toArray(2)), q).map((e) => 2 * e), { atol: 1e-5 });
  });

  it("feed-forward net at x = (1,1,1): o = (−4, 8, 4), softmax ≈ (0.00, 0.98, 0.02), CE(class 2) ≈ 0.0182, CE(class 3) ≈ 4.018", () => {
    const { net } = ffNet();
    const o = net.forward(gw.tensor([[1, 1, 1]]));
    expect(o.toArray()).toEqual([[-4, 8, 4]]);
    const p = o.softmax(1).toArray(2)[0];
    expect(p[0]).toBeCloseTo(0.0, 2);
    expect(p[1]).toBeCloseTo(0.98, 2);
    expect(p[2]).toBeCloseTo(0.02, 2);
    // classes are numbered 1..3 in the text, 0..2 here. The textbook prints ≈ 4.02 for class 2,
    // but −log softmax(o)₂ = log(1 + e^−12 + e^−4) ≈ 0.0182; 4.018 is the loss for class 3.
    expect(gw.F.crossEntropy(o, [1]).item()).toBeCloseTo(Math.log(1 + Math.exp(-12) + Math.exp(-4)), 5);
    expect(gw.F.crossEntropy(o, [1]).item()).toBeCloseTo(0.0182, 4);
    expect(gw.F.crossEntropy(o, [2]).item()).toBeCloseTo(4.0182, 4);
    // squared error against y = 0 for the first output: (0 − (−4))² = 16
    expect(o.select(1, 0).sub(0).pow(2).item()).toBe(16);
  });

  it("feed-forward net at x = (3,1,2): o = (−3, 16, 11) and ∂o1/∂W1[1][1] = −6", () => {
    // o1 is the FIRST output (index 0); W1[1][1] (0-based: second row, second column) is the text's
    // w⁽¹⁾₂,₂, the weight from input x2 to hidden unit h2. Its perturbation gives o1 = −3 − 6Δ.
    const { net, lin } = ffNet();
    const o = net.forward(gw.tensor([[3, 1, 2]]));
    expect(o.toArray()).toEqual([[-3, 16, 11]]);
    o.select(1, 0).sum().backward();
    expect(lin[0].weight.grad!.toArray(2)[1][1]).toBe(-6);
    // the other outputs move by +2 and −2 (from the same perturbation argument)
    for (const [k, want] of [[1, 2], [2, -2]]) {
      net.zeroGrad();
      net.forward(gw.tensor([[3, 1, 2]])).select(1, k).sum().backward();
      expect(lin[0].weight.grad!.toArray(2)[1][1]).toBe(want);
    }
    // the hidden layers: h1 = (3, 2), h2 = (7, 2)
    const h1 = lin[0].forward(gw.tensor([[3, 1, 2]])).relu();
    expect(h1.toArray()).toEqual([[3, 2]]);
    expect(lin[1].forward(h1).relu().toArray()).toEqual([[7, 2]]);
  });

  it("softmax((3,0,1)) ≈ (0.84, 0.04, 0.11) and softmax(z) = softmax(z + c)", () => {
    const z = gw.tensor([3, 0, 1]);
    const p = z.softmax(0).toArray(1);
    expect(p[0]).toBeCloseTo(0.84, 2);
    expect(p[1]).toBeCloseTo(0.04, 2);
    expect(p[2]).toBeCloseTo(0.11, 2);
    expectClose(p, softmaxJs([3, 0, 1]), { atol: 1e-6 });
    for (const c of [-100, 2.5, 1000]) expectClose(z.add(c).softmax(0), p, { atol: 1e-6 });
  });

  it("skip connection y = W2·ReLU(W1x) + x: ∂L/∂x = W1ᵀ R W2ᵀ δ + δ", () => {
    gw.manualSeed(82);
    const W1r = rnd([5, 4], { requiresGrad: false }), W2r = rnd([4, 5], { requiresGrad: false });
    const x = rnd([4]), delta = rnd([4], { requiresGrad: false });
    const y = W2r.matmul(W1r.matmul(x).relu()).add(x);
    y.backward(delta); // L = ⟨δ, y⟩ so ∂L/∂y = δ
    const A = W1r.toArray(2), B = W2r.toArray(2), d = delta.toArray(1);
    const z = matvec(A, x.toArray(1));
    const RW2d = matvec(tr(B), d).map((v, i) => (z[i] > 0 ? v : 0));
    const want = matvec(tr(A), RW2d).map((v, i) => v + d[i]);
    expect(z.some((v) => v > 0) && z.some((v) => v < 0)).toBe(true); // R is not trivial
    expectClose(x.grad!, want, { atol: 1e-5 });
  });

  it("multiclass logistic regression: ∇b = p − e_y, ∇W = (p − e_y)xᵀ, ∇x = Wᵀ(p − e_y)", () => {
    gw.manualSeed(83);
    const W = rnd([4, 3]), b = rnd([4]), x = rnd([3]);
    const y = 2;
    const z = W.matmul(x).add(b);
    gw.F.crossEntropy(z.unsqueeze(0), [y]).backward();
    const p = softmaxJs(matvec(W.toArray(2), x.toArray(1)).map((v, i) => v + b.toArray(1)[i]));
    const r = p.map((v, i) => v - (i === y ? 1 : 0));
    expectClose(b.grad!, r, { atol: 1e-6 });
    expectClose(W.grad!, outer(r, x.toArray(1)), { atol: 1e-6 });
    expectClose(x.grad!, matvec(tr(W.toArray(2)), r), { atol: 1e-6 });
  });

  it("the softmax gradient ∇p_i(z) = p_i(e_i − p)", () => {
    const z = gw.tensor([0.5, -1, 2], { requiresGrad: true });
    z.softmax(0).select(0, 1).backward();
    const p = softmaxJs([0.5, -1, 2]);
    expectClose(z.grad!, p.map((v, j) => p[1] * ((j === 1 ? 1 : 0) - v)), { atol: 1e-6 });
  });
});
