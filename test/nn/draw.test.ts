import { describe, expect, it } from "vitest";
import * as gw from "../../lib/index";
import { layerSettings, modelToDot, traceModel } from "../../lib/nn/draw";

const labels = (t: ReturnType<typeof traceModel>) => t.nodes.map((n) => n.label.split("|"));

describe("traceModel / drawModel", () => {
  it("draws the chapter ConvNet: one box per layer with its settings and output shape, in data order", () => {
    const net = gw.train.chapterConvNet();
    const t = traceModel(net, { input: [1, 3, 32, 32] });
    const kinds = t.nodes.map((n) => n.kind);
    expect(kinds).toEqual(["input", ...Array(10).fill("layer"), "output"]);
    const rows = labels(t);
    expect(rows.slice(1, 11).map((r) => r[0])).toEqual(net.children().map((m) => m.constructor.name));
    expect(rows.slice(1, 11).map((r) => r[1])).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(rows.slice(1, 11).map((r) => r[3])).toEqual([
      "[1, 3, 28, 28]", "[1, 3, 28, 28]", "[1, 3, 14, 14]", "[1, 16, 10, 10]", "[1, 16, 10, 10]",
      "[1, 16, 5, 5]", "[1, 400]", "[1, 120]", "[1, 120]", "[1, 10]",
    ]);
    expect(rows[1][2]).toBe("3 → 3, 5×5 · 228 params");
    expect(rows[8][2]).toBe("400 → 120 · 48,120 params");
    // a chain: each box feeds the next
    const ids = t.nodes.map((n) => n.id);
    expect(t.edges).toEqual(ids.slice(0, -1).map((id, i) => [id, ids[i + 1]]));
  });

  it("traces a hand-written forward: functional ops become ovals and a skip connection two arrows", () => {
    class Residual extends gw.nn.Module {
      fc1 = new gw.nn.Linear(4, 4);
      fc2 = new gw.nn.Linear(4, 2);
      forward(x: gw.Tensor) {
        const h = this.fc1.forward(x).relu();
        return this.fc2.forward(h.add(x));
      }
    }
    const t = traceModel(new Residual(), { input: [3, 4] });
    const byLabel = (s: string) => t.nodes.find((n) => n.label.startsWith(s))!.id;
    expect(t.nodes.map((n) => n.label.split("|")[0])).toEqual(["input", "Linear", "relu", "add", "Linear", "output"]);
    const add = byLabel("add");
    expect(t.edges).toContainEqual(["input", add]);
    expect(t.edges).toContainEqual([byLabel("relu"), add]);
    expect(t.edges.filter(([a]) => a === "input").length).toBe(2);
  });

  it("leaves the model as it was: modes, parameters, batch-norm statistics and forward methods", () => {
    const net = new gw.nn.Sequential(new gw.nn.Conv2d(1, 2, 3), new gw.nn.BatchNorm2d(2), new gw.nn.Dropout(0.5), new gw.nn.Flatten());
    const before = Object.fromEntries(Object.entries(net.stateDict()).map(([k, v]) => [k, v.toArray()]));
    const t = traceModel(net, { input: [2, 1, 5, 5] });
    expect(t.nodes.filter((n) => n.kind === "layer").length).toBe(4);
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.modules().every((m) => !Object.prototype.hasOwnProperty.call(m, "forward"))).toBe(true);
    const after = Object.fromEntries(Object.entries(net.stateDict()).map(([k, v]) => [k, v.toArray()]));
    expect(after).toEqual(before);
    // Dropout (identity in eval) still gets its own box between BatchNorm2d and Flatten
    const ids = Object.fromEntries(t.nodes.map((n) => [n.label.split("|")[0], n.id]));
    expect(t.edges).toContainEqual([ids.BatchNorm2d, ids.Dropout]);
    expect(t.edges).toContainEqual([ids.Dropout, ids.Flatten]);
  });

  it("describes layer settings", () => {
    expect(layerSettings(new gw.nn.Conv2d(3, 16, 5, { padding: 2, stride: 2 }))).toBe("3 → 16, 5×5, stride 2, padding 2");
    expect(layerSettings(new gw.nn.Linear(2, 3, { bias: false }))).toBe("2 → 3, no bias");
    expect(layerSettings(new gw.nn.MaxPool2d(2))).toBe("2×2");
    expect(layerSettings(new gw.nn.Dropout(0.25))).toBe("p = 0.25");
  });

  it("renders SVG with every layer and shape in it", () => {
    const net = new gw.nn.Sequential(new gw.nn.Linear(2, 2), new gw.nn.Sigmoid(), new gw.nn.Linear(2, 3), new gw.nn.Sigmoid(), new gw.nn.Linear(3, 2));
    const svg = gw.drawModel(net, { input: [1, 2], title: "2-2-3-2" });
    expect(svg.startsWith("<svg")).toBe(true);
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(texts.filter((s) => s === "Linear").length).toBe(3);
    expect(texts.filter((s) => s === "Sigmoid").length).toBe(2);
    expect(texts).toContain("[1, 3]");
    expect(texts).toContain("2&#45;2&#45;3&#45;2"); // Graphviz writes "-" as &#45;
    expect(modelToDot(net, { input: [1, 2], rankdir: "LR" })).toContain("rankdir=LR");
  });

  it("rejects bad input with clear errors", () => {
    const net = new gw.nn.Linear(2, 3);
    expect(() => gw.drawModel({} as any, { input: [1, 2] })).toThrow(/expected an nn.Module/);
    expect(() => gw.drawModel(net, { input: [1, 0] })).toThrow(/opts.input must be the input's shape/);
    expect(() => gw.drawModel(net, undefined as any)).toThrow(/opts.input/);
    expect(() => gw.drawModel(net, { input: [1, 5] })).toThrow(/Linear.forward failed on a zero input of shape \[1, 5\]: linear: input of shape/);
    expect(Object.prototype.hasOwnProperty.call(net, "forward")).toBe(false);
    expect(() => gw.drawModel(net, { input: [1, 2], rankdir: "XY" as any })).toThrow(/rankdir/);
  });
});
