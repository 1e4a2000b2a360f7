// Views share storage with their base; contiguous() copies only when needed.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";

describe.each(backendCases())("views [$label]", (bc) => {
  useBackendCase(bc);

  it("reshape/transpose/permute/select/slice/expand/unsqueeze/squeeze of a contiguous tensor share its storage", () => {
    const x = gw.arange(12).reshape([3, 4]);
    const views = [x.reshape([2, 6]), x.view([12]), x.transpose(0, 1), x.permute([1, 0]), x.select(0, 1), x.slice(1, 1, 4, 2), x.unsqueeze(0), x.unsqueeze(0).squeeze(0), x.select(1, 0).unsqueeze(1).expand([3, 5]), x.flatten(), x.T, x.detach()];
    for (const v of views) expect(v.storage).toBe(x.storage);
    // writing through the base is visible in every view
    x.storage[x.offset + 5] = 100; // x[1][1]
    expect(x.transpose(0, 1).toArray(2)[1][1]).toBe(100);
    expect(x.select(0, 1).toArray()).toEqual([4, 100, 6, 7]);
    expect(x.slice(1, 1, 4, 2).toArray()).toEqual([[1, 3], [100, 7], [9, 11]]);
  });

  it("contiguous() returns the tensor itself when already contiguous and a copy otherwise", () => {
    const x = gw.arange(6).reshape([2, 3]);
    expect(x.contiguous()).toBe(x);
    const t = x.transpose(0, 1);
    expect(t.isContiguous()).toBe(false);
    const c = t.contiguous();
    expect(c.storage).not.toBe(x.storage);
    expect(c.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(c.strides).toEqual([2, 1]);
    // reshape of a non-contiguous tensor copies (it cannot be a view)
    expect(t.reshape([6]).toArray()).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it("strides and offsets of views", () => {
    const x = gw.arange(24).reshape([2, 3, 4]);
    expect(x.strides).toEqual([12, 4, 1]);
    expect(x.permute([2, 0, 1]).strides).toEqual([1, 12, 4]);
    const s = x.select(1, 2);
    expect(s.offset).toBe(8);
    expect(s.strides).toEqual([12, 1]);
    const e = gw.tensor([[1], [2]]).expand([2, 3]);
    expect(e.strides).toEqual([1, 0]);
    expect(e.toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
  });

  it("clone() has its own storage", () => {
    const x = gw.tensor([1, 2]);
    const c = x.clone();
    expect(c.storage).not.toBe(x.storage);
    c.storage[0] = 5;
    expect(x.toArray()).toEqual([1, 2]);
  });
});
