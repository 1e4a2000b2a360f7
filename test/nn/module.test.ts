// nn.Module: parameter discovery, names, children, train/eval, state dicts.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { expectClose } from "../helpers/close";

class Block extends gw.nn.Module {
  conv = new gw.nn.Conv2d(1, 2, 3);
  bn = new gw.nn.BatchNorm2d(2);
  forward(x: gw.Tensor) {
    return this.bn.forward(this.conv.forward(x)).relu();
  }
}
class Net extends gw.nn.Module {
  block = new Block();
  head = new gw.nn.Sequential(new gw.nn.Flatten(), new gw.nn.Linear(8, 3));
  drop = new gw.nn.Dropout(0.5);
  scale = new gw.nn.Parameter(gw.ones([1]));
  notAParam = gw.ones([2]); // a plain tensor is not registered
  forward(x: gw.Tensor) {
    return this.head.forward(this.drop.forward(this.block.forward(x))).mul(this.scale);
  }
}

describe("nn.Module", () => {
  it("finds parameters with PyTorch-style dotted names, each once", () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual(["scale", "block.conv.weight", "block.conv.bias", "block.bn.weight", "block.bn.bias", "head.1.weight", "head.1.bias"]);
    expect(net.parameters().length).toBe(7);
    // a parameter shared by two modules is listed once
    const shared = new gw.nn.Sequential(new gw.nn.Linear(2, 2), new gw.nn.Linear(2, 2));
    (shared[1] as gw.nn.Linear).weight = (shared[0] as gw.nn.Linear).weight;
    expect(shared.parameters().length).toBe(3);
  });

  it("children, namedChildren and modules", () => {
    const net = new Net();
    expect(net.namedChildren().map(([n]) => n)).toEqual(["block", "head", "drop"]);
    expect(net.children()[0]).toBe(net.block);
    expect(net.modules().length).toBe(1 + 3 + 2 + 2); // net, block(+conv, bn), head(+flatten, linear), drop
    expect(net.namedModules().map(([n]) => n)).toContain("head.1");
  });

  it("train()/eval() set the mode recursively", () => {
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.block.bn.training).toBe(true);
    net.train(false);
    expect(net.drop.training).toBe(false);
  });

  it("stateDict has parameters and buffers by name and shares storage", () => {
    const net = new Net();
    const sd = net.stateDict();
    expect(Object.keys(sd)).toEqual(expect.arrayContaining(["block.conv.weight", "block.bn.running_mean", "block.bn.running_var", "block.bn.num_batches_tracked", "head.1.bias", "scale"]));
    expect(Object.keys(sd)).not.toContain("notAParam");
    expect(sd["head.1.weight"]).toBe(net.head[1] instanceof gw.nn.Linear ? (net.head[1] as gw.nn.Linear).weight : null);
  });

  it("loadStateDict copies values, and round-trips between two models", () => {
    gw.manualSeed(1);
    const a = new Net();
    gw.manualSeed(2);
    const b = new Net();
    const x = gw.randn([2, 1, 4, 4]);
    a.eval(); b.eval();
    expect(a.forward(x).toArray()).not.toEqual(b.forward(x).toArray());
    b.loadStateDict(a.stateDict());
    expectClose(b.forward(x), a.forward(x));
    // copies, not aliases
    expect(b.stateDict()["scale"].storage).not.toBe(a.stateDict()["scale"].storage);
  });

  it("loadStateDict: a shape mismatch lists every offending tensor and changes nothing", () => {
    const m = new gw.nn.Sequential(new gw.nn.Linear(2, 3), new gw.nn.Linear(3, 1));
    const before = m.stateDict()["0.weight"].toArray();
    const bad = { ...m.stateDict(), "0.weight": gw.zeros([3, 5]), "1.bias": gw.zeros([2]) };
    let msg = "";
    try {
      m.loadStateDict(bad);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/0\.weight: checkpoint \[3, 5\] vs model \[3, 2\]/);
    expect(msg).toMatch(/1\.bias: checkpoint \[2\] vs model \[1\]/);
    expect(m.stateDict()["0.weight"].toArray()).toEqual(before);
  });

  it("loadStateDict strict: missing and unexpected keys; non-strict reports them", () => {
    const m = new gw.nn.Linear(2, 2);
    const sd = m.stateDict();
    expect(() => m.loadStateDict({ weight: sd.weight })).toThrow(/missing keys: bias/);
    expect(() => m.loadStateDict({ ...sd, extra: gw.zeros([1]) })).toThrow(/unexpected keys: extra/);
    const r = m.loadStateDict({ weight: gw.ones([2, 2]), extra: gw.zeros([1]) }, { strict: false });
    expect(r).toEqual({ missing: ["bias"], unexpected: ["extra"] });
    expect(m.weight.toArray()).toEqual([[1, 1], [1, 1]]);
  });

  it("toString describes the tree", () => {
    const s = new gw.nn.Sequential(new gw.nn.Linear(2, 3), new gw.nn.ReLU()).toString();
    expect(s).toMatch(/Sequential\(\n {2}\(0\): Linear\(inFeatures=2, outFeatures=3, bias=true\)\n {2}\(1\): ReLU\(\)\n\)/);
  });

  describe("a Parameter is never silently dropped (issue 14 item 10)", () => {
    it("a Parameter or Module under a name starting with _ is registered under that name", () => {
      class Scaled extends gw.nn.Module {
        _scale = new gw.nn.Parameter(gw.ones([2]));
        _inner = new gw.nn.Linear(2, 2);
        forward(x: gw.Tensor) {
          return this._inner.forward(x).mul(this._scale);
        }
      }
      const m = new Scaled();
      expect(m.namedParameters().map(([n]) => n)).toEqual(["_scale", "_inner.weight", "_inner.bias"]);
      expect(m.parameters()).toContain(m._scale);
      expect(Object.keys(m.stateDict())).toEqual(["_scale", "_inner.weight", "_inner.bias"]);
      m.forward(gw.ones([1, 2])).sum().backward();
      expect(m._scale.grad).not.toBeNull();
    });

    it("an array of Parameters is registered as name.0, name.1; a hidden Parameter is an error", () => {
      class List extends gw.nn.Module {
        ws = [new gw.nn.Parameter(gw.ones([1])), new gw.nn.Parameter(gw.ones([2]))];
        forward(x: gw.Tensor) {
          return x;
        }
      }
      expect(new List().namedParameters().map(([n]) => n)).toEqual(["ws.0", "ws.1"]);
      class Hidden extends gw.nn.Module {
        cfg = { w: new gw.nn.Parameter(gw.ones([1])) };
        forward(x: gw.Tensor) {
          return x;
        }
      }
      expect(() => new Hidden().parameters()).toThrow(/Hidden: property "cfg" holds a Parameter or Module inside a plain object/);
      class Mixed extends gw.nn.Module {
        ws = [new gw.nn.Parameter(gw.ones([1])), 3];
        forward(x: gw.Tensor) {
          return x;
        }
      }
      expect(() => new Mixed().parameters()).toThrow(/Mixed: property "ws" is an array mixing Parameters\/Modules with other values/);
    });

    it("a back-reference to a parent does not loop; a shared module is listed once", () => {
      class Child extends gw.nn.Module {
        fc = new gw.nn.Linear(1, 1);
        _parent: gw.nn.Module | null = null;
        forward(x: gw.Tensor) {
          return x;
        }
      }
      class Parent extends gw.nn.Module {
        a = new Child();
        b = this.a;
        constructor() {
          super();
          this.a._parent = this;
        }
        forward(x: gw.Tensor) {
          return x;
        }
      }
      const p = new Parent();
      expect(p.namedModules().map(([n]) => n)).toEqual(["", "a", "a.fc"]);
      expect(p.parameters().length).toBe(2);
    });

    it("BatchNorm looks up only its own buffers (hasBuffer), not the subtree's", () => {
      const bn = new gw.nn.BatchNorm1d(2, { trackRunningStats: false });
      expect(bn.hasBuffer("running_mean")).toBe(false);
      const tracked = new gw.nn.BatchNorm1d(2);
      expect(tracked.hasBuffer("running_mean")).toBe(true);
      // a submodule's running_mean must not make an untracked BatchNorm think it tracks stats
      (bn as unknown as { sub: gw.nn.Module }).sub = tracked;
      bn.eval();
      const y = bn.forward(gw.tensor([[1, 2], [3, 6]]));
      expectClose(y, [[-1, -1], [1, 1]], { atol: 1e-3 });
    });

    it("loadStateDict and stateDict treat prototype names (constructor, toString, __proto__) as ordinary keys", () => {
      const m = new gw.nn.Linear(2, 1);
      const dict: Record<string, gw.Tensor> = { ...m.stateDict() };
      Object.defineProperty(dict, "__proto__", { value: gw.zeros([1]), enumerable: true });
      Object.defineProperty(dict, "constructor", { value: gw.zeros([1]), enumerable: true });
      expect(() => m.loadStateDict(dict)).toThrow(/unexpected keys: __proto__, constructor/);
      expect(() => m.loadStateDict({ weight: m.weight, toString: gw.zeros([1]) } as unknown as Record<string, gw.Tensor>)).toThrow(/missing keys: bias; unexpected keys: toString/);
    });
  });
});
