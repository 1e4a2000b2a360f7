import { describe, expect, it } from "vitest";
import * as gw from "../../lib/index";
import { convolutionBackwardFigure, convolutionFigure } from "../../lib/plot/convolution";

type Frame = { name: string; data: Array<{ z: Array<Array<number | null>> }>; layout: { shapes: Array<Record<string, number>> } };
const lastZ = (fig: { frames: unknown[] }) => (fig.frames[fig.frames.length - 1] as Frame).data[0].z;

describe("convolutionFigure", () => {
  it("fills the output cell by cell and ends at F.conv2d's result (stride and padding)", () => {
    gw.manualSeed(3);
    const x = gw.randint(-3, 4, [5, 4]);
    const w = gw.randint(-2, 3, [3, 2]);
    for (const [stride, padding] of [[1, 0], [2, 1], [[1, 2], [2, 0]]] as const) {
      const fig = convolutionFigure(x, w, { stride: stride as any, padding: padding as any });
      const y = gw.F.conv2d(x.reshape([1, 1, 5, 4]), w.reshape([1, 1, 3, 2]), null, { stride: stride as any, padding: padding as any });
      const [outH, outW] = y.shape.slice(2);
      expect(fig.frames.length).toBe(outH * outW);
      expect(lastZ(fig)).toEqual(y.reshape([outH, outW]).toArray());
      // frame n has exactly n cells filled, in row-major order
      const second = (fig.frames[1] as Frame).data[0].z.flat();
      expect(second.filter((v) => v !== null).length).toBe(2);
      expect(second[1]).not.toBeNull();
    }
  });

  it("moves the window by the stride over the padded input", () => {
    const fig = convolutionFigure([[1, 2, 0, 1], [0, 1, 3, -1], [2, 1, 0, 2], [1, 0, 1, 1]], [[1, 0], [0, -1]], { padding: 1, stride: 2 });
    const windows = fig.frames.map((f) => (f as Frame).layout.shapes[0]).map((s) => [s.y0 + 0.5, s.x0 + 0.5]);
    expect(windows).toEqual([[0, 0], [0, 2], [0, 4], [2, 0], [2, 2], [2, 4], [4, 0], [4, 2], [4, 4]]);
    expect(fig.data[0].z).toHaveLength(6); // 4 rows + 2 of padding
    expect((fig.data[0].text as string[][])[0][0]).toBe("(0)"); // padding is marked
    const sliders = fig.layout.sliders as Array<{ steps: unknown[] }>;
    expect(sliders[0].steps).toHaveLength(9);
  });

  it("works on 1-D signals (S003-05: x = (1, 3, -2, 4, 0, 5), w = (1, 0, -1))", () => {
    const fig = convolutionFigure([1, 3, -2, 4, 0, 5], [1, 0, -1]);
    expect(lastZ(fig)).toEqual([[3, -1, -2, -1]]);
    expect(fig.frames.map((f) => (f as Frame).name)).toEqual(["0", "1", "2", "3"]);
  });

  it("names the problem in bad input", () => {
    expect(() => convolutionFigure([[1, 2]], [[1, 2, 3]])).toThrow(/1×3 filter is larger than the 1×2 grid/);
    expect(() => convolutionFigure([[1, 2]], [[1]], { stride: 0 })).toThrow(/stride must be an integer ≥ 1/);
    expect(() => convolutionFigure([[1, 2]], [[1]], { padding: -1 })).toThrow(/padding must be an integer ≥ 0/);
    expect(() => convolutionFigure(gw.zeros([2, 2, 2]), [[1]])).toThrow(/expected a 1-D or 2-D tensor/);
    expect(() => convolutionFigure(gw.zeros([30, 30]), [[1]])).toThrow(/900 output cells/);
  });
});

describe("convolutionBackwardFigure", () => {
  it("ends at the x.grad that autodiff computes (2-D, stride 1 and 2, padding 0 and 1)", () => {
    gw.manualSeed(4);
    for (const [stride, padding, H, W] of [[1, 0, 4, 5], [1, 1, 4, 4], [2, 0, 5, 5], [2, 1, 6, 5]]) {
      const x = gw.randn([1, 1, H, W], { requiresGrad: true });
      const w = gw.randint(-2, 3, [1, 1, 3, 3]);
      const y = gw.F.conv2d(x, w, null, { stride, padding });
      const g = gw.randint(-3, 4, y.shape);
      y.backward(g);
      const [oh, ow] = y.shape.slice(2);
      const fig = convolutionBackwardFigure(g.reshape([oh, ow]), w.reshape([3, 3]), { stride, padding, inputSize: [H, W] });
      const expected = x.grad!.reshape([H, W]).toArray(2);
      const got = lastZ(fig) as number[][];
      got.forEach((row, r) => row.forEach((v, c) => expect(v).toBeCloseTo(expected[r][c], 5)));
      expect(fig.frames.length).toBe(H * W);
    }
  });

  it("shows the 1-D example of §4.24: dL/dx = padded δ correlated with the reversed filter", () => {
    const x = gw.tensor([[[1, 2, -1, 3]]], { requiresGrad: true });
    const w = gw.tensor([[[2, -1, 1]]]);
    const y = gw.F.conv1d(x, w);
    y.backward(gw.tensor([[[1, -2]]]));
    const fig = convolutionBackwardFigure([1, -2], [2, -1, 1], { inputSize: [4] });
    expect(lastZ(fig)).toEqual([x.grad!.reshape([4]).toArray()]);
    expect(fig.data[1].z).toEqual([[1, -1, 2]]); // the reversed filter
    expect(fig.data[0].z).toEqual([[0, 0, 1, -2, 0, 0]]); // δ padded by k − 1 = 2
  });

  it("names the problem in bad input", () => {
    expect(() => convolutionBackwardFigure([[1]], [[1, 2], [3, 4]], { padding: 2 })).toThrow(/padding 2 is larger than the filter size − 1/);
    expect(() => convolutionBackwardFigure([[1, 2, 3]], [[1, 2], [3, 4]], { inputSize: [2, 2] })).toThrow(/does not fit an input of size \[2,2\]/);
    expect(() => convolutionBackwardFigure([[1]], [[1]], { inputSize: [0] })).toThrow(/inputSize must be/);
  });
});
