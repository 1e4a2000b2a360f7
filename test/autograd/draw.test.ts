import { describe, expect, it } from "vitest";
import * as gw from "../../lib/index";
import { formatNumber } from "../../lib/scalar/draw";

function mlpLoss() {
  gw.manualSeed(1);
  const net = new gw.nn.Sequential(new gw.nn.Linear(2, 3), new gw.nn.ReLU(), new gw.nn.Linear(3, 2));
  const X = gw.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const loss = gw.F.crossEntropy(net.forward(X), [0, 1, 1, 0]);
  return { net, X, loss };
}

const nodeLabels = (dot: string) => [...dot.matchAll(/label=<(.*)>\];/g)].map((m) => m[1]);

describe("drawGraph for tensors", () => {
  it("draws op nodes with shapes and named leaves; gradients appear after backward", () => {
    const { net, X, loss } = mlpLoss();
    const before = gw.toDot(loss, { names: { ...Object.fromEntries(net.namedParameters()), X } });
    const ops = [...before.matchAll(/shape=ellipse.*?<B>(\w+)<\/B>/g)].map((m) => m[1]);
    expect(ops.slice(0, 5)).toEqual(["permute", "matmul", "add", "relu", "permute"]);
    expect(ops).toContain("logSoftmax");
    expect(before).toContain("<B>0.weight</B> <FONT COLOR=\"#1f4e9c\">[3, 2]</FONT>");
    expect(before).toContain("<B>X</B>");
    expect(before).toContain("grad: none yet");
    expect(before).not.toContain("grad [3, 2]");
    loss.backward();
    const after = gw.toDot(loss, { names: net, values: true });
    expect(after).not.toContain("grad: none yet");
    const w = net.parameters()[0];
    const rows = w.grad!.toArray(2);
    const shown = rows.map((row) => `[${row.map(formatNumber).join(", ")}]`).join("<BR/>");
    const wLabel = nodeLabels(after).find((l) => l.includes("<B>0.weight</B>"))!;
    expect(wLabel).toContain(shown); // a matrix row by row
    expect(wLabel).toContain("grad [3, 2]");
    expect(after).toContain(`= ${formatNumber(loss.item())}`);
    // every edge joins two declared nodes
    const declared = new Set([...after.matchAll(/^\s+(t\d+) \[/gm)].map((m) => m[1]));
    for (const [, a, b] of after.matchAll(/(t\d+) -> (t\d+)/g)) {
      expect(declared.has(a) && declared.has(b)).toBe(true);
    }
  });

  it("truncates long value lists and renders to SVG", () => {
    const a = gw.arange(0, 20).reshape([4, 5]);
    const w = gw.ones([5, 1], { requiresGrad: true });
    const out = a.matmul(w).sum();
    expect(gw.toDot(out, { values: true, maxValues: 3 })).toContain("[0, 1, 2, …]");
    expect(gw.toDot(out, { values: true, maxValues: 7 })).toContain("[0, 1, 2, 3, 4]<BR/>[5, 6, …]");
    expect(gw.toDot(out, { values: true, maxValues: 10 })).toContain("[0, 1, 2, 3, 4]<BR/>[5, 6, 7, 8, 9, …]");
    expect(gw.toDot(gw.ones([3], { requiresGrad: true }).sum(), { values: true })).toContain("[1, 1, 1]");
    const svg = gw.drawGraph(out, { names: { a, w } });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("matmul");
  });

  it("still draws scalar Value graphs", () => {
    const x = new gw.Value(2, "x");
    const f = x.mul(3);
    f.backward();
    expect(gw.toDot(f)).toContain("grad 3");
    expect(gw.drawGraph(f)).toContain("<svg");
  });

  it("rejects what it cannot draw", () => {
    expect(() => gw.drawGraph([1, 2] as any)).toThrow(/expected a Tensor or a scalar Value/);
    const t = gw.tensor([1], { requiresGrad: true }).exp();
    expect(() => gw.toDot(t, { maxValues: 0 })).toThrow(/maxValues/);
    expect(() => gw.toDot(t, { names: { bad: 3 as any } })).toThrow(/names\["bad"\] is not a tensor/);
    expect(() => gw.toDot(t.mul(2).add(1), { maxNodes: 2 })).toThrow(/more than maxNodes = 2/);
  });
});
