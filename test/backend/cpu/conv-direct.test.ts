// The direct convolution (kernels/conv-direct.ts) against the reference backend, bit-identical to
// the im2col + GEMM path it replaces, and identical at 1, 2 and 3 threads.
import { afterAll, describe, expect, it } from "vitest";
import type { Conv2dParams } from "../../../lib/backend/backend";
import { referenceBackend } from "../../../lib/backend/reference";
import { cpuBackend, getNumThreads, setNumThreads } from "../../../lib/backend/cpu";
import { directConvApplies, directWeightApplies, setDirectConv } from "../../../lib/backend/cpu/kernels/conv-direct";
import { convParams, expectClose, expectIdentical, randomArray } from "./helpers";

const initialThreads = getNumThreads();
afterAll(() => {
  setNumThreads(initialThreads);
  setDirectConv(true);
});

const shapes: [string, Conv2dParams][] = [
  ["ConvNet conv1: 3→3 5×5 on 32×32 (threaded)", convParams(8, 3, 32, 32, 3, 5, 5)],
  ["ConvNet conv2: 3→16 5×5 on 14×14 (threaded)", convParams(8, 3, 14, 14, 16, 5, 5)],
  ["batch 1, odd sizes, 1 output channel", convParams(1, 2, 9, 13, 1, 3, 3)],
  ["padding 2, 5 output channels (a block of 4 and 1)", convParams(3, 4, 11, 17, 5, 5, 5, { pad: [2, 2] })],
  ["stride 2, padding 1, 7 output channels", convParams(2, 3, 15, 19, 7, 3, 3, { stride: [2, 2], pad: [1, 1] })],
  ["stride 2×1, dilation 1×2, asymmetric padding", convParams(2, 2, 12, 21, 6, 3, 2, { stride: [2, 1], pad: [1, 0], dil: [1, 2] })],
  ["2 groups of 3→2", convParams(3, 6, 10, 10, 4, 3, 3, { groups: 2, pad: [1, 1] })],
  ["depthwise 3×3 (8 groups)", convParams(2, 8, 9, 9, 8, 3, 3, { groups: 8, pad: [1, 1] })],
  ["output row shorter than a vector (outW = 3)", convParams(2, 3, 7, 7, 6, 5, 5)],
  ["1×1, 16 output channels", convParams(2, 5, 6, 11, 16, 1, 1)],
];

describe("direct convolution", () => {
  it("takes the shapes it is meant for and leaves the others to the GEMM path", () => {
    for (const [label, p] of shapes) expect(directConvApplies(p), label).toBe(true);
    expect(directConvApplies(convParams(2, 3, 32, 32, 64, 3, 3, { pad: [1, 1] }))).toBe(false); // 64 output channels
    expect(directConvApplies(convParams(2, 64, 8, 8, 8, 3, 3))).toBe(false); // K = 576 > 512
  });

  for (const [label, p] of shapes) {
    for (const withBias of [true, false]) {
      it(`${label}${withBias ? ", bias" : ""}`, () => {
        const xSize = p.n * p.c * p.h * p.w, wSize = p.cOut * (p.c / p.groups) * p.kh * p.kw, ySize = p.n * p.cOut * p.outH * p.outW;
        const x = randomArray(xSize, 1 + xSize), w = randomArray(wSize, 2 + wSize), b = withBias ? randomArray(p.cOut, 3) : null;
        const expected = new Float32Array(ySize);
        referenceBackend.conv2d(x, w, b, p, expected);
        const K = (p.c / p.groups) * p.kh * p.kw;
        const be = cpuBackend;
        const run = (direct: boolean, threads: number) => {
          setDirectConv(direct);
          setNumThreads(threads);
          const out = new Float32Array(ySize).fill(NaN);
          be.conv2d(x, w, b, p, out);
          return out;
        };
        const direct = run(true, 1);
        expectClose(direct, expected, 2e-6 * K + 1e-6, 0, "direct vs reference");
        expectIdentical(direct, run(false, 1), "direct vs im2col + GEMM");
        for (const threads of [2, 3]) expectIdentical(run(true, threads), direct, `direct at ${threads} threads`);
      });
    }
  }

  it("is turned off by setDirectConv(false)", () => {
    setDirectConv(false);
    expect(directConvApplies(shapes[0][1])).toBe(false);
    expect(directWeightApplies(shapes[0][1])).toBe(false);
    setDirectConv(true);
  });
});

// the weight gradient: unpadded, column stride 1
const weightShapes: [string, Conv2dParams][] = [
  ["ConvNet conv1: 3→3 5×5 on 32×32 (threaded)", convParams(16, 3, 32, 32, 3, 5, 5)],
  ["ConvNet conv2: 3→16 5×5 on 14×14 (threaded)", convParams(16, 3, 14, 14, 16, 5, 5)],
  ["batch 1, odd sizes, 1 output channel", convParams(1, 2, 9, 13, 1, 3, 3)],
  ["7×7 kernel (two column chunks), 5 output channels (pairs and a single)", convParams(2, 2, 12, 15, 5, 7, 7)],
  ["row stride 2, dilation 2×2", convParams(3, 3, 15, 18, 4, 3, 3, { stride: [2, 1], dil: [2, 2] })],
  ["2 groups of 3→3", convParams(3, 6, 10, 11, 6, 3, 3, { groups: 2 })],
  ["output rows shorter than a vector (outW = 3)", convParams(2, 3, 7, 7, 6, 5, 5)],
  ["1×1, 16 output channels", convParams(2, 5, 6, 11, 16, 1, 1)],
];

describe("direct convolution weight gradient", () => {
  it("takes unpadded column-stride-1 shapes with few output channels and long rows only", () => {
    expect(directWeightApplies(weightShapes[0][1])).toBe(true); // 3 output channels, 28-wide rows
    expect(directWeightApplies(weightShapes[1][1])).toBe(false); // 16 output channels
    expect(directWeightApplies(convParams(2, 3, 12, 12, 4, 3, 3, { pad: [1, 1] }))).toBe(false);
    expect(directWeightApplies(convParams(2, 3, 12, 12, 4, 3, 3, { stride: [1, 2] }))).toBe(false);
    setDirectConv("always");
    for (const [label, p] of weightShapes) expect(directWeightApplies(p), label).toBe(true);
    expect(directWeightApplies(convParams(2, 3, 12, 12, 4, 3, 3, { pad: [1, 1] }))).toBe(false);
    setDirectConv(true);
  });

  for (const [label, p] of weightShapes) {
    it(label, () => {
      const P = p.outH * p.outW;
      const xSize = p.n * p.c * p.h * p.w, wSize = p.cOut * (p.c / p.groups) * p.kh * p.kw, ySize = p.n * p.cOut * P;
      const x = randomArray(xSize, 4 + xSize), dy = randomArray(ySize, 5 + ySize);
      const expected = new Float32Array(wSize);
      referenceBackend.conv2dBackwardWeight(x, dy, p, expected);
      const run = (direct: boolean, threads: number) => {
        setDirectConv(direct && "always");
        setNumThreads(threads);
        const out = new Float32Array(wSize).fill(NaN);
        cpuBackend.conv2dBackwardWeight(x, dy, p, out);
        return out;
      };
      const direct = run(true, 1);
      const atol = 2e-6 * p.n * P + 1e-5;
      expectClose(direct, expected, atol, 0, "direct vs reference");
      expectClose(run(false, 1), direct, 2 * atol, 0, "im2col + GEMM vs direct");
      for (const threads of [2, 3]) expectIdentical(run(true, threads), direct, `direct at ${threads} threads`);
    });
  }
});
