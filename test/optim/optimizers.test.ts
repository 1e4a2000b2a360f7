// Optimizers: SGD (momentum, dampening, Nesterov, weight decay), Adam and AdamW against updates
// computed by hand in plain JS for three steps; a tiny MLP learns XOR.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose } from "../helpers/close";

const P0 = [0.5, -1.5, 2.0];
const C = [0.3, -0.2, 1.1];
/** The test objective: L(p) = ⟨c, p⟩ + ½‖p‖², so ∇L = c + p. */
const lossOf = (p: gw.Tensor) => p.mul(gw.tensor(C)).sum().add(p.mul(p).sum().mul(0.5));
const gradJs = (p: number[]) => p.map((v, i) => C[i] + v);

function run(opt: (p: gw.Tensor) => gw.optim.Optimizer, steps = 3): number[][] {
  const p = gw.tensor(P0, { requiresGrad: true });
  const o = opt(p);
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    o.zeroGrad();
    lossOf(p).backward();
    o.step();
    out.push(Array.from(p.toFloat32Array()));
  }
  return out;
}

function sgdJs(lr: number, mu: number, damp: number, nesterov: boolean, wd: number, steps = 3): number[][] {
  let p = [...P0];
  let buf: number[] | null = null;
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    let g = gradJs(p).map((v, i) => v + wd * p[i]);
    if (mu) {
      buf = buf ? buf.map((b, i) => mu * b + (1 - damp) * g[i]) : [...g];
      g = nesterov ? g.map((v, i) => v + mu * buf![i]) : buf;
    }
    p = p.map((v, i) => v - lr * g[i]);
    out.push(p);
  }
  return out;
}

function adamJs(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean, steps = 3): number[][] {
  let p = [...P0];
  let m = p.map(() => 0), v = p.map(() => 0);
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    let g = gradJs(p);
    if (decoupled) p = p.map((x) => x * (1 - lr * wd));
    else g = g.map((x, i) => x + wd * p[i]);
    m = m.map((x, i) => b1 * x + (1 - b1) * g[i]);
    v = v.map((x, i) => b2 * x + (1 - b2) * g[i] * g[i]);
    const mh = m.map((x) => x / (1 - b1 ** t)), vh = v.map((x) => x / (1 - b2 ** t));
    p = p.map((x, i) => x - (lr * mh[i]) / (Math.sqrt(vh[i]) + eps));
    out.push(p);
  }
  return out;
}

describe.each(backendCases())("optimizers [$label]", (bc) => {
  useBackendCase(bc);

  it.each([
    ["plain", 0.1, 0, 0, false, 0],
    ["momentum", 0.1, 0.9, 0, false, 0],
    ["momentum + dampening", 0.1, 0.9, 0.5, false, 0],
    ["Nesterov", 0.05, 0.8, 0, true, 0],
    ["weight decay", 0.1, 0, 0, false, 0.1],
    ["everything", 0.2, 0.7, 0, true, 0.05],
  ] as const)("SGD %s matches the hand-computed updates for 3 steps", (_, lr, momentum, dampening, nesterov, weightDecay) => {
    const got = run((p) => new gw.optim.SGD([p], { lr, momentum, dampening, nesterov, weightDecay }));
    expectClose(got, sgdJs(lr, momentum, dampening, nesterov, weightDecay), { atol: 1e-6 });
  });

  it.each([
    ["plain", { lr: 0.1 }],
    ["momentum", { lr: 0.1, momentum: 0.9 }],
    ["momentum + dampening", { lr: 0.07, momentum: 0.9, dampening: 0.3 }],
    ["Nesterov + weight decay", { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01 }],
  ] as const)("SGD's fused in-place step is bit-identical to the tensor-op update (%s)", (_, opts) => {
    // the same SGD with the fused pass switched off: every step goes through `update` (tensor ops)
    class ComposedSGD extends gw.optim.SGD {
      protected updateInPlace(): boolean {
        return false;
      }
    }
    gw.manualSeed(11);
    // 90,000 parameters: on the cpu backend the step runs in WebAssembly on the threads
    const init = gw.randn([3, 30000]).mul(3);
    const target = gw.randn([3, 30000]);
    const trajectory = (make: (p: gw.Tensor) => gw.optim.Optimizer) => {
      const p = gw.tensor(init.toFloat32Array(), { requiresGrad: true }).reshape([3, 30000]).detach();
      p.requiresGrad = true;
      const opt = make(p);
      const out: Float32Array[] = [];
      for (let s = 0; s < 4; s++) {
        opt.zeroGrad();
        p.sub(target).pow(2).mul(gw.tensor(0.37)).sum().backward();
        opt.step();
        out.push(p.toFloat32Array());
      }
      return out;
    };
    const fused = trajectory((p) => new gw.optim.SGD([p], opts));
    const composed = trajectory((p) => new ComposedSGD([p], opts));
    // (a plain loop: toEqual on 360,000 floats takes seconds)
    for (let step = 0; step < fused.length; step++) {
      const bad = fused[step].findIndex((v, i) => !Object.is(v, composed[step][i]));
      expect(bad, `step ${step}: element ${bad} is ${fused[step][bad]}, the tensor ops give ${composed[step][bad]}`).toBe(-1);
    }
    expect(fused[3][0]).not.toBe(init.toFloat32Array()[0]); // it did move
  });

  it("SGD step one by hand: p − lr·(c + p)", () => {
    const [first] = run((p) => new gw.optim.SGD([p], { lr: 0.1 }), 1);
    expectClose(first, [0.5 - 0.1 * 0.8, -1.5 - 0.1 * -1.7, 2 - 0.1 * 3.1], { atol: 1e-6 });
  });

  it.each([
    ["Adam", (p: gw.Tensor) => new gw.optim.Adam([p], { lr: 0.1 }), adamJs(0.1, 0.9, 0.999, 1e-8, 0, false)],
    ["Adam with betas, eps and L2 weight decay", (p: gw.Tensor) => new gw.optim.Adam([p], { lr: 0.05, betas: [0.8, 0.99], eps: 1e-3, weightDecay: 0.1 }), adamJs(0.05, 0.8, 0.99, 1e-3, 0.1, false)],
    ["AdamW (default weight decay 0.01)", (p: gw.Tensor) => new gw.optim.AdamW([p], { lr: 0.1 }), adamJs(0.1, 0.9, 0.999, 1e-8, 0.01, true)],
    ["AdamW with weight decay 0.5", (p: gw.Tensor) => new gw.optim.AdamW([p], { lr: 0.1, weightDecay: 0.5 }), adamJs(0.1, 0.9, 0.999, 1e-8, 0.5, true)],
  ] as const)("%s matches the hand-computed updates for 3 steps", (_, make, want) => {
    expectClose(run(make), want, { atol: 1e-6 });
  });

  it("Adam's first step moves each coordinate by lr against the gradient's sign", () => {
    const [first] = run((p) => new gw.optim.Adam([p], { lr: 0.01 }), 1);
    expectClose(first, P0.map((v, i) => v - 0.01 * Math.sign(gradJs(P0)[i])), { atol: 1e-6 });
  });

  it("lr is settable between steps; parameters without a gradient are skipped; zeroGrad clears", () => {
    const a = gw.tensor([1], { requiresGrad: true }), b = gw.tensor([1], { requiresGrad: true });
    const opt = new gw.optim.SGD([a, b], { lr: 0.1 });
    a.mul(2).sum().backward();
    opt.lr = 0.5;
    opt.step();
    expectClose(a, [0], { atol: 1e-7 });
    expectClose(b, [1]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });

  it("a tiny MLP learns XOR", () => {
    gw.manualSeed(3);
    const net = new gw.nn.Sequential(new gw.nn.Linear(2, 8), new gw.nn.Tanh(), new gw.nn.Linear(8, 1));
    const x = gw.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = gw.tensor([[0], [1], [1], [0]]);
    const opt = new gw.optim.Adam(net.parameters(), { lr: 0.05 });
    let first = 0, last = 0;
    for (let step = 0; step < 300; step++) {
      opt.zeroGrad();
      const loss = gw.F.binaryCrossEntropyWithLogits(net.forward(x), y);
      if (step === 0) first = loss.item();
      last = loss.item();
      loss.backward();
      opt.step();
    }
    expect(last).toBeLessThan(0.05);
    expect(last).toBeLessThan(first / 10);
    const pred: Float32Array = gw.noGrad(() => net.forward(x).sigmoid()).toFloat32Array();
    expect(Array.from(pred, (v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });
});
