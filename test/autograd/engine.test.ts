// Autodiff semantics: accumulation, shared nodes, zeroGrad, detach, noGrad, deep graphs,
// freed graphs, retainGraph, non-scalar roots and broadcast gradient reduction.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose } from "../helpers/close";

describe.each(backendCases())("autodiff engine [$label]", (bc) => {
  useBackendCase(bc);

  it("gradients accumulate across two backward calls", () => {
    const x = gw.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expectClose(x.grad!, [2, 4, 6]);
    x.mul(3).sum().backward();
    expectClose(x.grad!, [5, 7, 9]);
  });

  it("a node used twice receives the summed gradient", () => {
    const x = gw.tensor(3, { requiresGrad: true });
    const y = x.mul(2); // used by both branches below
    y.mul(y).add(y.sin()).backward(); // d/dx (4x² + sin 2x) = 8x + 2cos 2x
    expectClose(x.grad!, 8 * 3 + 2 * Math.cos(6), { rtol: 1e-5 });
    const a = gw.tensor([1, 2], { requiresGrad: true });
    a.add(a).add(a).sum().backward();
    expectClose(a.grad!, [3, 3]);
  });

  it("zeroGrad clears the gradient (tensor and module)", () => {
    const x = gw.tensor([1, 2], { requiresGrad: true });
    x.sum().backward();
    x.zeroGrad();
    expect(x.grad).toBeNull();
    x.mul(5).sum().backward();
    expectClose(x.grad!, [5, 5]);
    const lin = new gw.nn.Linear(2, 1);
    lin.forward(gw.ones([1, 2])).sum().backward();
    expect(lin.weight.grad).not.toBeNull();
    lin.zeroGrad();
    expect(lin.weight.grad).toBeNull();
    expect(lin.bias!.grad).toBeNull();
  });

  it("detach cuts the graph but shares the data", () => {
    const x = gw.tensor([2, 3], { requiresGrad: true });
    const d = x.mul(x).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    x.mul(d).sum().backward(); // d is a constant [4, 9]
    expectClose(x.grad!, [4, 9]);
    const v = x.detach();
    expect(v.storage).toBe(x.storage);
  });

  it("noGrad records nothing and restores the mode, even after a throw", () => {
    const x = gw.tensor([1, 2], { requiresGrad: true });
    const y = gw.noGrad(() => {
      expect(gw.isGradEnabled()).toBe(false);
      return x.mul(2);
    });
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(gw.isGradEnabled()).toBe(true);
    expect(() => gw.noGrad(() => { throw new Error("boom"); })).toThrow("boom");
    expect(gw.isGradEnabled()).toBe(true);
    expect(() => y.sum().backward()).toThrow(/does not require grad/);
  });

  it("a chain of 100,000 ops backpropagates without overflowing the stack", () => {
    const x = gw.tensor(1, { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.add(1e-5);
    y.backward();
    expectClose(x.grad!, 1);
    expectClose(y, 2, { rtol: 1e-3 });
  }, 60_000);

  it("a second backward after the saved values were freed is a clear error", () => {
    const x = gw.tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/second time.*retainGraph/s);
  });

  it("retainGraph allows a second backward (gradients add up)", () => {
    const x = gw.tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expectClose(x.grad!, [2 * Math.E, 2 * Math.E ** 2], { rtol: 1e-5 });
  });

  it("backward on a non-scalar without a gradient names the shape; with a gradient it works", () => {
    const x = gw.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/shape \[2, 2\]/);
    y.backward(gw.tensor([[1, 0], [0, 10]]));
    expectClose(x.grad!, [[2, 0], [0, 20]]);
    const z = x.mul(3);
    expect(() => z.backward(gw.ones([4]))).toThrow(/\[4\].*\[2, 2\]/);
  });

  it("broadcast gradients are summed back to each input's shape", () => {
    const a = gw.tensor([[1], [2], [3]], { requiresGrad: true }); // [3,1]
    const b = gw.tensor([10, 20, 30, 40], { requiresGrad: true }); // [4]
    const s = gw.tensor(2, { requiresGrad: true }); // []
    a.mul(b).mul(s).sum().backward();
    expect(a.grad!.shape).toEqual([3, 1]);
    expectClose(a.grad!, [[200], [200], [200]]);
    expectClose(b.grad!, [12, 12, 12, 12]);
    expectClose(s.grad!, 600);
    const c = gw.tensor([[1, 2]], { requiresGrad: true }); // [1,2] against [2,3,2]
    c.add(gw.zeros([2, 3, 2])).sum().backward();
    expectClose(c.grad!, [[6, 6]]);
  });

  it("ops on inputs that do not require grad record nothing; leaves flagged later do", () => {
    const x = gw.tensor([1, 2]);
    expect(x.mul(2).requiresGrad).toBe(false);
    x.requiresGrad = true;
    const y = x.mul(2);
    expect(y.requiresGrad).toBe(true);
    expect(y.gradFn?.name).toBe("mul");
    expect(y.isLeaf).toBe(false);
    expect(x.isLeaf).toBe(true);
  });

  it("intermediate (non-leaf) tensors get no .grad; only leaves accumulate", () => {
    const x = gw.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2);
    h.sum().backward();
    expect(h.grad).toBeNull();
    expectClose(x.grad!, [2, 2]);
  });

  describe("gradients never alias (issue 14 item 3)", () => {
    it("a.add(b).backward(g): a.grad and b.grad are different tensors with their own storage", () => {
      const a = gw.tensor([1, 2], { requiresGrad: true });
      const b = gw.tensor([3, 4], { requiresGrad: true });
      const g = gw.tensor([10, 20]);
      a.add(b).backward(g);
      expect(a.grad).not.toBe(b.grad);
      expect(a.grad!.storage).not.toBe(b.grad!.storage);
      expect(a.grad!.storage).not.toBe(g.storage);
      a.grad!.storage[a.grad!.offset] = 99; // writing one gradient leaves the other and g alone
      expectClose(b.grad!, [10, 20]);
      expectClose(g, [10, 20]);
    });

    it("d.add(0).backward(up) does not share up's storage; up stays unchanged after accumulation", () => {
      const d = gw.tensor([1, 2, 3], { requiresGrad: true });
      const up = gw.tensor([1, 1, 1]);
      d.add(0).backward(up);
      expect(d.grad!.storage).not.toBe(up.storage);
      d.add(0).backward(up);
      expectClose(d.grad!, [2, 2, 2]);
      expectClose(up, [1, 1, 1]);
    });

    it("a leaf root, a reshape view and a shared node: each gradient is its own, values unchanged", () => {
      const x = gw.tensor([[1, 2], [3, 4]], { requiresGrad: true });
      const g = gw.tensor([[5, 6], [7, 8]]);
      x.backward(g);
      expect(x.grad!.storage).not.toBe(g.storage);
      const y = gw.tensor([1, 2, 3, 4], { requiresGrad: true });
      const z = gw.tensor([[1, 1], [1, 1]], { requiresGrad: true });
      const up = gw.tensor([[1, 2], [3, 4]]);
      y.reshape([2, 2]).add(z).backward(up);
      expect(y.grad!.storage).not.toBe(up.storage);
      expect(z.grad!.storage).not.toBe(up.storage);
      expect(y.grad!.storage).not.toBe(z.grad!.storage);
      expectClose(y.grad!, [1, 2, 3, 4]);
      expectClose(z.grad!, [[1, 2], [3, 4]]);
      // a node reached twice: its summed gradient flows on through add to two leaves
      const p = gw.tensor([1], { requiresGrad: true });
      const q = gw.tensor([2], { requiresGrad: true });
      const s = p.add(q);
      s.add(s).backward(gw.tensor([1]));
      expect(p.grad).not.toBe(q.grad);
      expect(p.grad!.storage).not.toBe(q.grad!.storage);
      expectClose(p.grad!, [2]);
      expectClose(q.grad!, [2]);
    });

    it("gradients are bit-identical to the values the ops compute", () => {
      gw.manualSeed(3);
      const a = gw.randn([3, 4], { requiresGrad: true });
      const b = gw.randn([4], { requiresGrad: true });
      const g = gw.randn([3, 4]);
      a.mul(b).add(b).backward(g);
      expect(Array.from(a.grad!.toFloat32Array())).toEqual(Array.from(g.mul(b).toFloat32Array()));
      expect(Array.from(b.grad!.toFloat32Array())).toEqual(Array.from(g.mul(a).sum(0).add(g.sum(0)).toFloat32Array()));
    });
  });
});
