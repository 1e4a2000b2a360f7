// Creating tensors: from data, fills, ranges, random samples and seeding.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose } from "../helpers/close";
import { MAX_TENSOR_ELEMENTS, checkTensorSize } from "../../lib/tensor/shape";

describe.each(backendCases())("tensor creation [$label]", (bc) => {
  useBackendCase(bc);

  it("tensor() from a number, nested arrays, flat data with a shape, a Float32Array", () => {
    const s = gw.tensor(3.5);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(3.5);
    const m = gw.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(m.shape).toEqual([2, 3]);
    expect(m.numel).toBe(6);
    expect(m.ndim).toBe(2);
    expect(m.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(gw.tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] }).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(gw.tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] }).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(gw.tensor(new Float32Array([7, 8])).shape).toEqual([2]);
    expect(gw.tensor([true, false]).toArray()).toEqual([1, 0]);
    expect(gw.tensor([[[]]]).shape).toEqual([1, 1, 0]);
    expect(gw.tensor([1, 2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(gw.tensor([1]).dtype).toBe("float32");
  });

  it("tensor() copies its data", () => {
    const src = new Float32Array([1, 2]);
    const t = gw.tensor(src);
    src[0] = 99;
    expect(t.toArray()).toEqual([1, 2]);
    const arr = [[1, 2]];
    const u = gw.tensor(arr);
    arr[0][0] = 42;
    expect(u.toArray()).toEqual([[1, 2]]);
  });

  it("values are rounded to float32", () => {
    expect(gw.tensor([0.1]).item()).toBe(Math.fround(0.1));
  });

  it("zeros, ones, full, zerosLike, onesLike, eye", () => {
    expect(gw.zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(gw.ones([3]).toArray()).toEqual([1, 1, 1]);
    expect(gw.full([2], -2.5).toArray()).toEqual([-2.5, -2.5]);
    const t = gw.tensor([[1, 2, 3]]);
    expect(gw.zerosLike(t).toArray()).toEqual([[0, 0, 0]]);
    expect(gw.onesLike(t).toArray()).toEqual([[1, 1, 1]]);
    expect(gw.eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(gw.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(gw.zeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(gw.zeros([]).shape).toEqual([]);
  });

  it("arange and linspace", () => {
    expect(gw.arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(gw.arange(1, 7, 2).toArray()).toEqual([1, 3, 5]);
    expect(gw.arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(gw.arange(0, 1, 0.25).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(gw.arange(3, 3).shape).toEqual([0]);
    expect(gw.linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(gw.linspace(-1, 1, 1).toArray()).toEqual([-1]);
    expectClose(gw.linspace(2, 3, 3), [2, 2.5, 3]);
  });

  it("rand is uniform in [0,1) and randn standard normal (moments)", () => {
    gw.manualSeed(123);
    const u = gw.rand([20000]).toFloat32Array();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const mu = u.reduce((a, b) => a + b, 0) / u.length;
    expect(Math.abs(mu - 0.5)).toBeLessThan(0.01);
    const z = gw.randn([20000]).toFloat32Array();
    const m = z.reduce((a, b) => a + b, 0) / z.length;
    const v = z.reduce((a, b) => a + (b - m) ** 2, 0) / z.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.04);
  });

  it("randint gives integers in [low, high) covering the range", () => {
    gw.manualSeed(5);
    const r = gw.randint(-2, 3, [1000]).toFloat32Array();
    expect(r.every((v) => Number.isInteger(v) && v >= -2 && v < 3)).toBe(true);
    expect(new Set(r).size).toBe(5);
    expect(gw.randint(0, 10, [2, 3]).shape).toEqual([2, 3]);
  });

  it("manualSeed makes every random function reproducible", () => {
    const draw = () => [gw.rand([3]), gw.randn([4]), gw.randint(0, 100, [5])].map((t) => Array.from(t.toFloat32Array()));
    gw.manualSeed(42);
    const a = draw();
    gw.manualSeed(42);
    const b = draw();
    expect(b).toEqual(a);
    gw.manualSeed(43);
    expect(draw()).not.toEqual(a);
    gw.manualSeed(7);
    const l1 = new gw.nn.Linear(3, 2).weight.toArray();
    gw.manualSeed(7);
    expect(new gw.nn.Linear(3, 2).weight.toArray()).toEqual(l1);
  });

  it("item(), toArray(), toFloat32Array()", () => {
    expect(gw.tensor([[7]]).item()).toBe(7);
    expect(() => gw.tensor([1, 2]).item()).toThrow(/shape \[2\]/);
    expect(gw.tensor(5).toArray()).toBe(5);
    const t = gw.tensor([[1, 2], [3, 4]]).transpose(0, 1);
    expect(Array.from(t.toFloat32Array())).toEqual([1, 3, 2, 4]);
  });
});

describe("shapes too large to allocate (issue 18 item 2)", () => {
  it("name the op, the shape and the limit instead of a raw 'Invalid typed array length'", () => {
    const limit = /more than the limit of [\d.e,]+ elements \([\d.]+ GiB of float32\) for one tensor/;
    for (const [f, head] of [
      [() => gw.randn([1e6, 1e4]), /^randn: shape \[1000000, 10000\] has 1e10 elements, /],
      [() => gw.zeros([1e15]), /^zeros: shape \[1000000000000000\] has 1e15 elements, /],
      [() => gw.ones([1e5, 1]).add(gw.ones([1e5])), /^add: shape \[100000, 100000\] has 1e10 elements, /],
      [() => gw.ones([1, 1, 1, 1]).expand([1e5, 1e5, 1, 1]).contiguous(), /^contiguous: shape \[100000, 100000, 1, 1\]/],
      [() => gw.ones([1e5, 1]).matmul(gw.ones([1, 1e5])), /^matmul: shape \[100000, 100000\]/],
      [() => gw.F.conv2d(gw.ones([1, 1, 1, 1]), gw.ones([1, 1, 1, 1]), null, { padding: 50000 }), /^conv2d: shape \[1, 1, 100001, 100001\]/],
    ] as [() => unknown, RegExp][]) {
      let message = "";
      try {
        f();
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(head);
      expect(message).toMatch(limit);
    }
  });

  it("the limit is checked exactly: the limit passes the check, one more element does not", () => {
    expect(MAX_TENSOR_ELEMENTS).toBeGreaterThanOrEqual(2 ** 30);
    expect(checkTensorSize([MAX_TENSOR_ELEMENTS], "t")).toBe(MAX_TENSOR_ELEMENTS);
    expect(() => checkTensorSize([MAX_TENSOR_ELEMENTS + 1], "t")).toThrow(/^t: shape/);
    expect(() => checkTensorSize([2, (MAX_TENSOR_ELEMENTS + 1) / 2], "t")).toThrow(/^t: shape/);
  });
});
