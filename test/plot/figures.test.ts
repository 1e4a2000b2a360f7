import { describe, expect, it } from "vitest";
import { confusionFigure, heatmapFigure, lineFigure, scatterFigure } from "../../lib/plot/figures";

const tensorLike = (data: number[], shape: number[]) => ({ shape, toFloat32Array: () => Float32Array.from(data) });

describe("lineFigure", () => {
  it("draws one trace per series against shared x, with names", () => {
    const fig = lineFigure({ x: [1, 2, 3], ys: [[3, 2, 1], [4, 4, 4]], names: ["train", "val"], logY: true });
    expect(fig.data.map((t) => t.name)).toEqual(["train", "val"]);
    expect(fig.data[1].y).toEqual([4, 4, 4]);
    expect(fig.data[0].x).toEqual([1, 2, 3]);
    expect((fig.layout.yaxis as { type: string }).type).toBe("log");
  });

  it("defaults x to 0..n-1 and accepts typed arrays and 1-D tensors", () => {
    expect(lineFigure({ y: new Float32Array([5, 6]) }).data[0].x).toEqual([0, 1]);
    expect(lineFigure({ y: tensorLike([0.5, 0.25], [2]) }).data[0].y).toEqual([0.5, 0.25]);
  });

  it("names the problem in bad input", () => {
    expect(() => lineFigure({ x: [1, 2], y: [1, 2, 3] })).toThrow(/x has 2 values but series 0 has 3/);
    expect(() => lineFigure({})).toThrow(/exactly one of `y`/);
    expect(() => lineFigure({ ys: [[1], [2]], names: ["a"] })).toThrow(/1 names for 2 series/);
    expect(() => lineFigure({ y: tensorLike([1, 2, 3, 4], [2, 2]) })).toThrow(/1-D tensor, got shape \[2, 2\]/);
    expect(() => lineFigure({ y: [1, "2" as unknown as number] })).toThrow(/element 1 is the string/);
  });
});

describe("scatterFigure", () => {
  it("splits points into one trace per group, named by groupNames", () => {
    const fig = scatterFigure({ x: [0, 1, 0, 1], y: [0, 0, 1, 1], groups: [0, 1, 1, 0], groupNames: ["off", "on"] });
    expect(fig.data.map((t) => t.name)).toEqual(["off", "on"]);
    expect(fig.data[0].x).toEqual([0, 1]);
    expect(fig.data[0].y).toEqual([0, 1]);
    expect(fig.data[1].y).toEqual([0, 1]);
  });

  it("maps a numeric color to a color scale", () => {
    const fig = scatterFigure({ x: [0, 1], y: [1, 0], color: [0.2, 0.9] });
    expect(fig.data).toHaveLength(1);
    expect((fig.data[0].marker as { color: number[] }).color).toEqual([0.2, 0.9]);
  });

  it("rejects mismatched lengths", () => {
    expect(() => scatterFigure({ x: [0, 1], y: [1] })).toThrow(/x has 2 values but y has 1/);
    expect(() => scatterFigure({ x: [0, 1], y: [1, 2], groups: [1] })).toThrow(/groups has 1 values/);
  });
});

describe("heatmapFigure and confusionFigure", () => {
  it("reads a 2-D tensor row by row and writes small values on cells", () => {
    const fig = heatmapFigure({ z: tensorLike([1, 2, 3, 4, 5, 6], [2, 3]) });
    expect(fig.data[0].z).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(fig.data[0].text).toEqual([["1", "2", "3"], ["4", "5", "6"]]);
    expect((fig.layout.yaxis as { autorange: string }).autorange).toBe("reversed");
  });

  it("rejects ragged rows and wrong label counts", () => {
    expect(() => heatmapFigure({ z: [[1, 2], [3]] })).toThrow(/row 1 has 1 values but row 0 has 2/);
    expect(() => heatmapFigure({ z: [[1, 2]], x: ["a"] })).toThrow(/x has 1 labels but z has 2 columns/);
  });

  it("puts the accuracy in the confusion-matrix title", () => {
    const fig = confusionFigure([[5, 1], [2, 2]], ["cat", "dog"]);
    expect((fig.layout.title as { text: string }).text).toBe("Confusion matrix (accuracy 70.0%)");
    expect(fig.data[0].x).toEqual(["cat", "dog"]);
    expect(() => confusionFigure([[1, 2]], ["a"])).toThrow(/square/);
    expect(() => confusionFigure([[1, 0], [0, 1]], ["a"])).toThrow(/1 class names for a 2x2/);
  });
});
