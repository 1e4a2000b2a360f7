// Optimizer trajectories (SGD, momentum, Nesterov, weight decay, Adam, AdamW) against PyTorch:
// the loss before each of 10 steps and every parameter after it.
import { describe, it, expect } from "vitest";
import * as gw from "gradwork";
import { loadFixture, toTensor, expectClose, type OptimFixture } from "../fixtures/golden";
import { BACKENDS, hasBackend, useBackend } from "./backends";

const fx = loadFixture<OptimFixture>("optim");
const TOL = { rtol: 1e-4, atol: 1e-5 };

class Mlp extends gw.nn.Module {
  fc1 = new gw.nn.Linear(3, 4);
  fc2 = new gw.nn.Linear(4, 2);
  forward(x: gw.Tensor): gw.Tensor {
    return this.fc2.forward(this.fc1.forward(x).tanh());
  }
}

/** The named parameters and loss closure of one fixture problem, at its initial point. */
function buildProblem(problem: "quadratic" | "mlp"): { params: [string, gw.Tensor][]; loss: () => gw.Tensor } {
  if (problem === "quadratic") {
    const p = fx.problems.quadratic;
    const w = new gw.nn.Parameter(toTensor(p.init.w));
    const target = toTensor(p.target);
    const scale = toTensor(p.scale);
    return { params: [["w", w]], loss: () => w.sub(target).pow(2).mul(scale).sum() };
  }
  const p = fx.problems.mlp;
  const model = new Mlp();
  const state: Record<string, gw.Tensor> = {};
  for (const [name, spec] of Object.entries(p.init)) state[name] = toTensor(spec);
  model.loadStateDict(state);
  const x = toTensor(p.x);
  const y = toTensor(p.y);
  return { params: model.namedParameters(), loss: () => gw.F.mseLoss(model.forward(x), y) };
}

/** PyTorch's optimizer kwargs under gradwork's option names. */
function optimizer(name: string, params: gw.Tensor[], kw: Record<string, any>) {
  const opts: Record<string, any> = {}; // PyTorch kwargs renamed; SGD needs lr, which every fixture has
  for (const [k, v] of Object.entries(kw)) opts[k === "weight_decay" ? "weightDecay" : k] = v;
  if (name === "SGD") return new gw.optim.SGD(params, opts as { lr: number });
  if (name === "Adam") return new gw.optim.Adam(params, opts);
  if (name === "AdamW") return new gw.optim.AdamW(params, opts);
  throw new Error(`optim fixture: unknown optimizer ${name}`);
}

describe.each(BACKENDS)("golden optimizer trajectories on the %s backend", (backend) => {
  describe.skipIf(!hasBackend(backend))(backend, () => {
    useBackend(backend);
    for (const traj of fx.trajectories) {
      it(traj.name, () => {
        const { params, loss } = buildProblem(traj.problem);
        expect(params.map(([n]) => n).sort()).toEqual(Object.keys(traj.params[0]).sort());
        const opt = optimizer(traj.optimizer, params.map(([, p]) => p), traj.kwargs);
        for (let step = 0; step < fx.steps; step++) {
          opt.zeroGrad();
          const l = loss();
          l.backward();
          opt.step();
          expectClose(l, { shape: [], data: [traj.losses[step]] }, { ...TOL, what: `step ${step} loss` });
          for (const [name, p] of params) {
            expectClose(p, traj.params[step][name], { ...TOL, what: `step ${step} ${name}` });
          }
        }
      });
    }
  });
});
