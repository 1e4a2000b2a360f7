import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { accuracy, confusionMatrix, perClassAccuracy } from "../../lib/train/metrics";
import { cosineLR, oneCycleLR, stepLR } from "../../lib/train/schedules";

describe("metrics", () => {
  it("accuracy from logits and from class indices", () => {
    const logits = gw.tensor([[0.1, 2, 0.3], [5, 1, 1], [0, 0, 9], [1, 3, 2]]);
    expect(accuracy(logits, gw.tensor([1, 0, 1, 2]))).toBe(0.5);
    expect(accuracy(logits, [1, 0, 2, 1])).toBe(1);
    expect(accuracy([2, 2, 0], Uint8Array.from([2, 1, 0]))).toBeCloseTo(2 / 3, 12);
    expect(() => accuracy(logits, [1, 2])).toThrow(/4 predictions but 2 labels/);
  });

  it("confusion matrix rows are true classes, columns predictions; per-class accuracy from it", () => {
    const preds = [0, 1, 1, 2, 2, 2, 0];
    const labels = [0, 0, 1, 2, 1, 2, 2];
    expect(confusionMatrix(preds, labels, 3)).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [1, 0, 2],
    ]);
    const pc = perClassAccuracy(gw.tensor(preds), gw.tensor(labels), 4);
    expect(pc.slice(0, 3)).toEqual([0.5, 0.5, 2 / 3]);
    expect(pc[3]).toBeNaN();
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/sample 1 has label 1 \/ prediction 3, outside 0…2/);
  });
});

describe("learning-rate schedules", () => {
  it("stepLR multiplies by gamma every stepSize steps", () => {
    const s = stepLR(0.1, { stepSize: 10, gamma: 0.5 });
    expect([0, 9, 10, 19, 20].map(s)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it("cosineLR goes from base to min along a half cosine", () => {
    const s = cosineLR(1, { totalSteps: 100, minLR: 0.1 });
    expect(s(0)).toBeCloseTo(1, 12);
    expect(s(50)).toBeCloseTo(0.55, 12);
    expect(s(100)).toBeCloseTo(0.1, 12);
    expect(s(25)).toBeCloseTo(0.1 + 0.9 * (1 + Math.cos(Math.PI / 4)) / 2, 12);
  });

  it("oneCycleLR warms up to the peak then anneals far below the start", () => {
    const s = oneCycleLR(0.4, { totalSteps: 100, pctStart: 0.3 });
    expect(s(0)).toBeCloseTo(0.4 / 25, 12);
    const peakStep = Array.from({ length: 100 }, (_, i) => i).reduce((a, b) => (s(b) > s(a) ? b : a), 0);
    expect(peakStep).toBe(29);
    expect(s(29)).toBeCloseTo(0.4, 12);
    expect(s(99)).toBeCloseTo(0.4 / 25 / 1e4, 12);
    for (let i = 1; i < 29; i++) expect(s(i)).toBeGreaterThan(s(i - 1));
    for (let i = 30; i < 100; i++) expect(s(i)).toBeLessThan(s(i - 1));
  });
});
