import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as gw from "gradwork";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-optim-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function makeNet(seed: number) {
  gw.manualSeed(seed);
  return new gw.nn.Sequential(new gw.nn.Linear(3, 4), new gw.nn.Tanh(), new gw.nn.Linear(4, 2));
}
const X = gw.tensor([[0.5, -1, 2], [1, 0.25, -0.5], [-1, 1, 0]]);
const Y = [0, 1, 1];
function steps(net: gw.nn.Module, opt: gw.optim.Optimizer, n: number) {
  for (let i = 0; i < n; i++) {
    opt.zeroGrad();
    gw.F.crossEntropy(net.forward(X), Y).backward();
    opt.step();
  }
}
const flat = (net: gw.nn.Module) => net.parameters().flatMap((p) => [...p.toFloat32Array()]);

describe.each([
  ["SGD", (ps: gw.Tensor[]) => new gw.optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ["Adam", (ps: gw.Tensor[]) => new gw.optim.Adam(ps, { lr: 0.05 })],
  ["AdamW", (ps: gw.Tensor[]) => new gw.optim.AdamW(ps, { lr: 0.05, weightDecay: 0.1 })],
] as const)("%s state", (name, make) => {
  it("a run resumed from the saved state (safetensors) matches the uninterrupted run exactly", () => {
    const a = makeNet(1);
    const optA = make(a.parameters());
    steps(a, optA, 3);
    const file = path.join(dir, `${name}.safetensors`);
    gw.optim.saveState(optA, file);
    gw.save(a, path.join(dir, `${name}-model.safetensors`));

    const b = makeNet(2); // different weights until loaded
    gw.load(b, path.join(dir, `${name}-model.safetensors`));
    const optB = make(b.parameters());
    optB.lr = 123; // restored from the file
    gw.optim.loadState(optB, file);
    expect(optB.lr).toBe(optA.lr);
    steps(a, optA, 2);
    steps(b, optB, 2);
    expect(flat(b)).toEqual(flat(a));

    // A fresh optimizer (no state) would have gone elsewhere: the state matters.
    const c = makeNet(2);
    gw.load(c, path.join(dir, `${name}-model.safetensors`));
    steps(c, make(c.parameters()), 2);
    expect(flat(c)).not.toEqual(flat(a));
  });

  it("keeps scalars readable in the metadata", () => {
    const net = makeNet(1);
    const opt = make(net.parameters());
    steps(net, opt, 1);
    const file = path.join(dir, `${name}-meta.safetensors`);
    gw.optim.saveState(opt, file);
    const meta = gw.loadMetadata(file);
    expect(meta.format).toBe("gradwork-optimizer");
    expect(JSON.parse(meta.type)).toBe(name);
    expect(JSON.parse(meta.lr)).toBe(opt.lr);
    expect(Object.keys(gw.loadTensors(file)).length).toBeGreaterThan(0);
  });
});

describe("optimizer state errors", () => {
  it("names the mismatch: kind, parameter count, shapes, not a state file", () => {
    const net = makeNet(1);
    const sgd = new gw.optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    steps(net, sgd, 1);
    const sd = sgd.stateDict();
    expect(() => new gw.optim.Adam(net.parameters()).loadStateDict(sd)).toThrow(/SGD optimizer, not Adam/);
    expect(() => new gw.optim.SGD(net.parameters().slice(1), { lr: 0.1 }).loadStateDict(sd)).toThrow(/has 4 parameters, this optimizer 3/);
    const other = new gw.nn.Sequential(new gw.nn.Linear(3, 5), new gw.nn.Tanh(), new gw.nn.Linear(5, 2));
    expect(() => new gw.optim.SGD(other.parameters(), { lr: 0.1 }).loadStateDict(sd)).toThrow(/state\.0\.momentumBuffer: shape \[4, 3\] but parameter 0 is \[5, 3\]/);
    const modelFile = path.join(dir, "model-only.safetensors");
    gw.save(net, modelFile);
    expect(() => gw.optim.loadState(sgd, modelFile)).toThrow(/not an optimizer state file/);
    expect(() => sgd.loadStateDict({} as never)).toThrow(/expected \{ tensors, scalars \}/);
  });
});
