import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import * as gw from "gradwork";

describe("nn.summary", () => {
  it("lists every layer in call order with its output shape and own parameters, and the totals", () => {
    const net = new gw.nn.Sequential(
      new gw.nn.Conv2d(3, 8, 3, { padding: 1 }),
      new gw.nn.BatchNorm2d(8),
      new gw.nn.ReLU(),
      new gw.nn.MaxPool2d(2),
      new gw.nn.Flatten(),
      new gw.nn.Linear(8 * 16 * 16, 10),
    );
    const s = gw.nn.summary(net, [2, 3, 32, 32]);
    expect(s.rows.map((r) => [r.name, r.type, r.outputShape, r.params])).toEqual([
      ["", "Sequential", [2, 10], 0],
      ["0", "Conv2d", [2, 8, 32, 32], 3 * 8 * 9 + 8],
      ["1", "BatchNorm2d", [2, 8, 32, 32], 16],
      ["2", "ReLU", [2, 8, 32, 32], 0],
      ["3", "MaxPool2d", [2, 8, 16, 16], 0],
      ["4", "Flatten", [2, 2048], 0],
      ["5", "Linear", [2, 10], 2048 * 10 + 10],
    ]);
    const total = net.parameters().reduce((n, p) => n + p.numel, 0);
    expect(s.totalParams).toBe(total);
    expect(s.trainableParams).toBe(total);
    expect(s.outputShape).toEqual([2, 10]);
    const text = s.toString();
    expect(text).toContain("Conv2d");
    expect(text).toContain("[2, 8, 16, 16]");
    expect(text).toContain(`Total params: ${total.toLocaleString("en-US")}`);
    expect(inspect(s)).toBe(text); // what a notebook cell prints
  });

  it("counts frozen parameters as non-trainable, nests children, and leaves the model as it was", () => {
    const inner = new gw.nn.Sequential(new gw.nn.Linear(4, 3), new gw.nn.Dropout(0.5));
    const net = new gw.nn.Sequential(inner, new gw.nn.Linear(3, 2));
    inner[0].parameters().forEach((p) => (p.requiresGrad = false));
    net.train();
    const before = net.forward;
    const s = gw.nn.summary(net, [5, 4]);
    expect(s.rows.map((r) => [r.name, r.depth])).toEqual([["", 0], ["0", 1], ["0.0", 2], ["0.1", 2], ["1", 1]]);
    expect(s.trainableParams).toBe(3 * 2 + 2);
    expect(s.totalParams).toBe(4 * 3 + 3 + 8);
    expect(net.training && inner.training && inner[1].training).toBe(true);
    expect(net.forward).toBe(before);
    expect(Object.prototype.hasOwnProperty.call(inner[0], "forward")).toBe(false);
  });

  it("explains bad input", () => {
    const net = new gw.nn.Linear(4, 2);
    expect(() => gw.nn.summary(net, [])).toThrow(/inputShape must be a non-empty array/);
    expect(() => gw.nn.summary({} as never, [1, 4])).toThrow(/expected an nn.Module/);
    expect(() => gw.nn.summary(net, [1, 5])).toThrow(/forward pass failed for an input of shape \[1, 5\]/);
  });
});
