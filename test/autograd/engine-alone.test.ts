// The engine imported on its own (without lib/index.ts, hence without the Tensor methods of
// lib/tensor/methods.ts): backward() accumulates and un-broadcasts gradients with the functional
// ops it imports. It used to fail with "gt.contiguous is not a function".
import { describe, expect, it } from "vitest";
import { backward, record } from "../../lib/autograd/engine";
import { Tensor } from "../../lib/tensor/tensor";

const t = (values: number[], shape: number[], requiresGrad = false) => new Tensor(Float32Array.from(values), shape, undefined, 0, requiresGrad);

describe("the autograd engine imported alone", () => {
  it("runs without the Tensor methods being installed", () => {
    expect((Tensor.prototype as unknown as Record<string, unknown>).add).toBeUndefined();
    expect((Tensor.prototype as unknown as Record<string, unknown>).contiguous).toBeUndefined();
  });

  it("sums a broadcast gradient back to the input's shape and adds the gradients of an input used twice", () => {
    const a = t([1, 2, 3], [1, 3], true);
    // y = a (broadcast to 2×3) used twice: dy/da = 2 per broadcast copy, 2 rows → 4
    const y = record(t([0, 0, 0, 0, 0, 0], [2, 3]), "twice", [a, a], (g) => [g, g]);
    backward(y, t([1, 1, 1, 1, 1, 1], [2, 3]));
    expect(Array.from(a.grad!.toFloat32Array())).toEqual([4, 4, 4]);
    expect(a.grad!.shape).toEqual([1, 3]);
  });

  it("gives a leaf its own gradient when a transposed (non-contiguous) gradient arrives, and accumulates over two backward calls", () => {
    const w = t([1, 2, 3, 4], [2, 2], true);
    const y = record(t([0, 0, 0, 0], [2, 2]), "transpose", [w], (g) => [new Tensor(g.storage, [2, 2], [1, 2], 0)]);
    const g = t([1, 2, 3, 4], [2, 2]);
    backward(y, g, { retainGraph: true });
    expect(Array.from(w.grad!.toFloat32Array())).toEqual([1, 3, 2, 4]);
    expect(w.grad!.storage).not.toBe(g.storage);
    backward(y, g);
    expect(Array.from(w.grad!.toFloat32Array())).toEqual([2, 6, 4, 8]);
  });
});
