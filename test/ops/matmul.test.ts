// matmul: 2-D, batched, broadcast batch, 1-D operands and transposed (non-contiguous) operands.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose, expectGradOk, rnd } from "../helpers/close";

/** Plain triple loop on nested arrays. */
function mm(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

const CASES: [string, number[], number[], number[]][] = [
  ["2-D", [3, 4], [4, 5], [3, 5]],
  ["batched", [2, 3, 4], [2, 4, 2], [2, 3, 2]],
  ["broadcast batch (left has none)", [3, 4], [2, 4, 5], [2, 3, 5]],
  ["broadcast batch (size-1 dims)", [2, 1, 3, 4], [1, 3, 4, 2], [2, 3, 3, 2]],
  ["vector · vector", [4], [4], []],
  ["vector · matrix", [4], [4, 3], [3]],
  ["matrix · vector", [3, 4], [4], [3]],
  ["batched · vector", [2, 3, 4], [4], [2, 3]],
  ["vector · batched", [4], [2, 4, 3], [2, 3]],
];

describe.each(backendCases())("matmul [$label]", (bc) => {
  useBackendCase(bc);

  it.each(CASES)("%s: %j @ %j -> %j, forward and gradcheck", (_, as, bs, out) => {
    gw.manualSeed(41);
    const a = rnd(as), b = rnd(bs);
    const y = a.matmul(b);
    expect(y.shape).toEqual(out);
    const A2 = as.length === 1 ? a.reshape([1, ...as]) : a;
    const B2 = bs.length === 1 ? b.reshape([...bs, 1]) : b;
    expectClose(y.toFloat32Array(), oracle(A2, B2), { rtol: 1e-5, atol: 1e-5 });
    expectGradOk((p, q) => p.matmul(q), [a, b]);
  });

  type V = (t: gw.Tensor) => gw.Tensor;
  const id: V = (t) => t;
  const NONCONTIG: [string, number[], number[], V, V][] = [
    ["Aᵀ·B", [4, 3], [4, 5], (p) => p.transpose(0, 1), id],
    ["A·Bᵀ", [3, 4], [5, 4], id, (q) => q.transpose(0, 1)],
    ["Aᵀ·Bᵀ", [4, 3], [5, 4], (p) => p.T, (q) => q.T],
    ["batched transposes", [2, 4, 3], [2, 5, 4], (p) => p.transpose(1, 2), (q) => q.transpose(-1, -2)],
    ["permuted batch", [3, 2, 4], [2, 4, 5], (p) => p.permute([1, 0, 2]), id],
    ["stepped slices", [3, 8], [4, 10], (p) => p.slice(1, 0, 8, 2), (q) => q.slice(1, 1, 10, 2)],
    ["expanded operand", [1, 4], [2, 4, 3], (p) => p.expand([2, 1, 4]), id],
  ];
  it.each(NONCONTIG)("non-contiguous %s matches a plain loop and passes gradcheck", (_, as, bs, va, vb) => {
    gw.manualSeed(42);
    const a = rnd(as), b = rnd(bs);
    expectClose(va(a).matmul(vb(b)).toFloat32Array(), oracle(va(a), vb(b)), { rtol: 1e-5, atol: 1e-5 });
    expectGradOk((p, q) => va(p).matmul(vb(q)), [a, b]);
  });

  it("transposed operands agree with a plain triple loop", () => {
    gw.manualSeed(43);
    const a = rnd([4, 3]), b = rnd([5, 4]);
    const At = transpose(a.toArray(2)), Bt = transpose(b.toArray(2));
    expectClose(a.T.matmul(b.T), mm(At, Bt), { atol: 1e-5 });
  });

  it("gradient identities: ∂(sum AB)/∂A = 1·Bᵀ, ∂/∂B = Aᵀ·1", () => {
    const A = gw.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const B = gw.tensor([[5, 6, 7], [8, 9, 10]], { requiresGrad: true });
    A.matmul(B).sum().backward();
    expectClose(A.grad!, [[18, 27], [18, 27]]);
    expectClose(B.grad!, [[4, 4, 4], [6, 6, 6]]);
  });

  it("a column-major operand (weight.T) gets the same gradient as a row-major copy, already in its own layout", () => {
    gw.manualSeed(44);
    const x = rnd([6, 40]), r = rnd([6, 30]);
    const W = gw.tensor(rnd([30, 40]).toFloat32Array(), { requiresGrad: true }).reshape([30, 40]).detach();
    W.requiresGrad = true;
    const Wt = gw.tensor(W.T.contiguous().toFloat32Array(), { requiresGrad: true }).reshape([40, 30]).detach();
    Wt.requiresGrad = true;
    x.matmul(W.T).mul(r).sum().backward(); // B column-major
    x.matmul(Wt).mul(r).sum().backward(); // B row-major
    expect(W.grad!.isContiguous()).toBe(true);
    expect(W.grad!.toFloat32Array()).toEqual(Wt.grad!.T.contiguous().toFloat32Array());
    // and the same on the left: A column-major
    const M = gw.tensor(rnd([40, 6]).toFloat32Array(), { requiresGrad: true }).reshape([40, 6]).detach();
    M.requiresGrad = true;
    const Mt = gw.tensor(M.T.contiguous().toFloat32Array(), { requiresGrad: true }).reshape([6, 40]).detach();
    Mt.requiresGrad = true;
    const B = rnd([40, 30]);
    M.T.matmul(B).mul(r).sum().backward();
    Mt.matmul(B).mul(r).sum().backward();
    expect(M.grad!.toFloat32Array()).toEqual(Mt.grad!.T.contiguous().toFloat32Array());
  });
});

function transpose(m: number[][]): number[][] {
  return m[0].map((_, j) => m.map((r) => r[j]));
}

/** Batched product of two ≥2-D tensors by plain loops over nested arrays (broadcasting the batch dims). */
function oracle(A: gw.Tensor, B: gw.Tensor): Float32Array {
  const batch = gw.broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2));
  const nb = batch.reduce((x, y) => x * y, 1);
  const Ae = A.expand([...batch, ...A.shape.slice(-2)]).contiguous().reshape([nb, ...A.shape.slice(-2)]).toArray(3);
  const Be = B.expand([...batch, ...B.shape.slice(-2)]).contiguous().reshape([nb, ...B.shape.slice(-2)]).toArray(3);
  return Float32Array.from(Ae.flatMap((m, i) => mm(m, Be[i]).flat()));
}
