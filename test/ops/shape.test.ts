// Shape and indexing ops: forward values against plain JS indexing, gradients by finite
// differences, on contiguous and non-contiguous inputs.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose, expectGradOk, rnd } from "../helpers/close";

/** x[i][j][k] of a [2,3,4] arange, as plain JS. */
const at = (i: number, j: number, k: number) => i * 12 + j * 4 + k;
const grid = (shape: number[], f: (...idx: number[]) => number): number[] => {
  const out: number[] = [];
  const rec = (d: number, idx: number[]) => {
    if (d === shape.length) out.push(f(...idx));
    else for (let i = 0; i < shape[d]; i++) rec(d + 1, [...idx, i]);
  };
  rec(0, []);
  return out;
};
const arange3 = () => gw.arange(24).reshape([2, 3, 4]);
const flatOf = (t: gw.Tensor) => Array.from(t.toFloat32Array());

describe.each(backendCases())("shape and indexing ops [$label]", (bc) => {
  useBackendCase(bc);

  it("reshape/view with -1, on contiguous and transposed inputs", () => {
    const x = arange3();
    expect(x.reshape([4, -1]).shape).toEqual([4, 6]);
    expect(flatOf(x.reshape([6, 4]))).toEqual(grid([2, 3, 4], at));
    const t = x.transpose(0, 2); // [4,3,2]: t[k][j][i] = x[i][j][k]
    expect(flatOf(t.reshape([-1]))).toEqual(grid([4, 3, 2], (k, j, i) => at(i, j, k)));
    gw.manualSeed(51);
    expectGradOk((a) => a.reshape([3, -1]).mul(gw.arange(8)), [rnd([2, 3, 4])]);
    expectGradOk((a) => a.transpose(0, 1).reshape([12]).mul(gw.arange(12)), [rnd([3, 4])]);
    expectGradOk((a) => a.view([2, 2, 3]), [rnd([3, 4])]);
  });

  it("transpose and permute index correctly and pass gradcheck", () => {
    const x = arange3();
    expect(flatOf(x.transpose(1, 2))).toEqual(grid([2, 4, 3], (i, k, j) => at(i, j, k)));
    expect(flatOf(x.permute([2, 0, 1]))).toEqual(grid([4, 2, 3], (k, i, j) => at(i, j, k)));
    expect(flatOf(x.permute(1, 2, 0))).toEqual(grid([3, 4, 2], (j, k, i) => at(i, j, k)));
    gw.manualSeed(52);
    expectGradOk((a) => a.permute([2, 0, 1]), [rnd([2, 3, 4])]);
    expectGradOk((a) => a.transpose(-1, 0).permute([1, 0, 2]), [rnd([2, 3, 4])]);
  });

  it("squeeze, unsqueeze, flatten", () => {
    const x = gw.zeros([2, 1, 3, 1]);
    expect(x.squeeze().shape).toEqual([2, 3]);
    expect(x.squeeze(1).shape).toEqual([2, 3, 1]);
    expect(x.squeeze(0).shape).toEqual([2, 1, 3, 1]);
    expect(x.unsqueeze(0).shape).toEqual([1, 2, 1, 3, 1]);
    expect(x.unsqueeze(-1).shape).toEqual([2, 1, 3, 1, 1]);
    expect(arange3().flatten().shape).toEqual([24]);
    expect(arange3().flatten(1).shape).toEqual([2, 12]);
    expect(arange3().flatten(0, 1).shape).toEqual([6, 4]);
    expect(flatOf(arange3().transpose(0, 1).flatten(1))).toEqual(grid([3, 8], (j, r) => at(Math.floor(r / 4), j, r % 4)));
    gw.manualSeed(53);
    expectGradOk((a) => a.squeeze(1).unsqueeze(0).mul(gw.arange(6).reshape([2, 3])), [rnd([2, 1, 3])]);
    expectGradOk((a) => a.transpose(0, 2).flatten(0, 1), [rnd([2, 3, 4])]);
    expectGradOk((a) => a.squeeze(), [rnd([1, 3, 1])]);
  });

  it("expand repeats size-1 dims and sums the gradient back", () => {
    const x = gw.tensor([[1], [2]], { requiresGrad: true });
    const y = x.expand([3, 2, 4]);
    expect(y.toArray()).toEqual(Array(3).fill([[1, 1, 1, 1], [2, 2, 2, 2]]));
    y.mul(gw.arange(24).reshape([3, 2, 4])).sum().backward();
    // x[0] collects indices (b, 0, k) = b*8 + k; x[1] collects b*8 + 4 + k
    expectClose(x.grad!, [[grid([3, 4], (b, k) => b * 8 + k).reduce((a, v) => a + v, 0)], [grid([3, 4], (b, k) => b * 8 + 4 + k).reduce((a, v) => a + v, 0)]]);
    gw.manualSeed(54);
    expectGradOk((a) => a.expand([2, 3, 4]).mul(gw.arange(24).reshape([2, 3, 4])), [rnd([3, 1])]);
    expectGradOk((a) => a.expand(-1, 5), [rnd([3, 1])]);
  });

  it("select and slice (negative indices, steps, clamping) are views and pass gradcheck", () => {
    const x = arange3();
    expect(flatOf(x.select(1, 2))).toEqual(grid([2, 4], (i, k) => at(i, 2, k)));
    expect(flatOf(x.select(-1, -1))).toEqual(grid([2, 3], (i, j) => at(i, j, 3)));
    expect(flatOf(x.slice(2, 1, 4, 2))).toEqual(grid([2, 3, 2], (i, j, k) => at(i, j, 1 + 2 * k)));
    expect(flatOf(x.slice(1, -2))).toEqual(grid([2, 2, 4], (i, j, k) => at(i, 1 + j, k)));
    expect(x.slice(0, 5, 10).shape).toEqual([0, 3, 4]);
    expect(flatOf(gw.arange(10).slice(0, 2, 8, 3))).toEqual([2, 5]);
    expect(flatOf(gw.arange(10).slice(0, -100, 100, 4))).toEqual([0, 4, 8]);
    gw.manualSeed(55);
    expectGradOk((a) => a.select(1, 1), [rnd([2, 3, 4])]);
    expectGradOk((a) => a.slice(2, 0, 4, 3), [rnd([2, 3, 4])]);
    expectGradOk((a) => a.transpose(0, 1).slice(0, 1, 3).select(2, -1), [rnd([3, 3, 4])]);
    // slices of a slice: the gradient lands on the right elements
    const z = gw.zeros([6], { requiresGrad: true });
    z.slice(0, 1, 6, 2).slice(0, 1).sum().backward();
    expectClose(z.grad!, [0, 0, 0, 1, 0, 1]);
  });

  it("gather picks x[i][index[i][j]] and scatters the gradient (repeated indices add up)", () => {
    const x = gw.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const idx = gw.tensor([[2, 0, 2], [1, 1, 0]]);
    const y = x.gather(1, idx);
    expect(y.toArray()).toEqual([[3, 1, 3], [5, 5, 4]]);
    y.sum().backward();
    expectClose(x.grad!, [[1, 0, 2], [1, 2, 0]]);
    expect(x.gather(0, gw.tensor([[1, 0, 1]])).toArray()).toEqual([[4, 2, 6]]);
    gw.manualSeed(56);
    expectGradOk((a) => a.gather(1, idx), [rnd([2, 3])]);
    expectGradOk((a) => a.transpose(0, 1).gather(0, gw.tensor([[2, 0], [0, 0]])), [rnd([2, 3])]);
  });

  it("indexSelect along each dim (array or tensor index, repeats) with gradcheck", () => {
    const x = arange3();
    expect(flatOf(x.indexSelect(1, [2, 0, 2]))).toEqual(grid([2, 3, 4], (i, j, k) => at(i, [2, 0, 2][j], k)));
    expect(flatOf(x.indexSelect(2, gw.tensor([3, 1])))).toEqual(grid([2, 3, 2], (i, j, k) => at(i, j, [3, 1][k])));
    expect(flatOf(x.indexSelect(0, [1]))).toEqual(grid([1, 3, 4], (_, j, k) => at(1, j, k)));
    gw.manualSeed(57);
    expectGradOk((a) => a.indexSelect(1, [2, 0, 2]), [rnd([2, 3, 4])]);
    expectGradOk((a) => a.T.indexSelect(0, [1, 1]), [rnd([3, 2])]);
  });

  it("cat and stack along every dim, gradients split back", () => {
    const a = gw.tensor([[1, 2]]), b = gw.tensor([[3, 4], [5, 6]]);
    expect(gw.cat([a, b]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(gw.cat([b, b.mul(10)], 1).toArray()).toEqual([[3, 4, 30, 40], [5, 6, 50, 60]]);
    expect(gw.cat([b, b], -1).shape).toEqual([2, 4]);
    expect(gw.stack([a.squeeze(0), b.select(0, 1)]).toArray()).toEqual([[1, 2], [5, 6]]);
    expect(gw.stack([a.squeeze(0), b.select(0, 1)], 1).toArray()).toEqual([[1, 5], [2, 6]]);
    expect(gw.stack([b, b], 2).shape).toEqual([2, 2, 2]);
    gw.manualSeed(58);
    expectGradOk((p, q, r) => gw.cat([p, q.transpose(0, 1), r], 1), [rnd([2, 3]), rnd([1, 2]), rnd([2, 2])]);
    expectGradOk((p, q) => gw.stack([p, q.T], 1), [rnd([2, 3]), rnd([3, 2])]);
    expectGradOk((p, q) => gw.cat([p, q], 0), [rnd([1, 4]), rnd([3, 4])]);
  });

  it("pad adds zeros on the last dims and its gradient crops", () => {
    const x = gw.tensor([[1, 2], [3, 4]]);
    expect(gw.pad(x, [1, 0]).toArray()).toEqual([[0, 1, 2], [0, 3, 4]]);
    expect(gw.pad(x, [0, 1, 2, 0]).toArray()).toEqual([[0, 0, 0], [0, 0, 0], [1, 2, 0], [3, 4, 0]]);
    gw.manualSeed(59);
    expectGradOk((p) => gw.pad(p, [1, 2, 0, 1]).mul(gw.arange(30).reshape([2, 3, 5])), [rnd([2, 2, 2])]);
    expectGradOk((p) => gw.pad(p.transpose(0, 1), [2, 1]), [rnd([3, 2])]);
  });

  it("contiguous copies a non-contiguous view and passes the gradient", () => {
    const t = arange3().transpose(0, 2);
    expect(t.isContiguous()).toBe(false);
    const c = t.contiguous();
    expect(c.isContiguous()).toBe(true);
    expect(flatOf(c)).toEqual(grid([4, 3, 2], (k, j, i) => at(i, j, k)));
    gw.manualSeed(60);
    expectGradOk((p) => p.T.contiguous().mul(gw.arange(6).reshape([3, 2])), [rnd([2, 3])]);
    expectGradOk((p) => p.clone().mul(p), [rnd([2, 3])]);
  });
});
