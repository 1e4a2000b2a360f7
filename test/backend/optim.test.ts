// The SGD step kernel (Kernels.sgdUpdate, lib/backend/reference/optim.ts and its cpu version in
// lib/backend/cpu/kernels/optim.ts): the cpu backend's SIMD loop gives the reference loop's bits at
// every size and thread count; bad arguments get clear errors.
import { describe, expect, it } from "vitest";
import { referenceBackend } from "../../lib/backend/reference";
import { cpuBackend, setNumThreads } from "../../lib/backend/cpu";
import { expectIdentical, rng } from "./cpu/helpers";

const THREADS = [1, 2, 3];
describe("sgdUpdate: the cpu backend's SIMD step is the reference loop, bit for bit", () => {
  const f = Math.fround;
  const settings = [
    ["plain", { lr: f(0.1), momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }],
    ["momentum", { lr: f(0.05), momentum: f(0.9), dampening: 0, nesterov: false, weightDecay: 0 }],
    ["momentum + dampening + weight decay", { lr: f(0.07), momentum: f(0.8), dampening: 0.3, nesterov: false, weightDecay: f(0.01) }],
    ["Nesterov + weight decay", { lr: f(0.05), momentum: f(0.8), dampening: 0, nesterov: true, weightDecay: f(0.001) }],
    ["weight decay, no momentum", { lr: f(0.2), momentum: 0, dampening: 0, nesterov: false, weightDecay: f(0.05) }],
  ] as const;
  // below the inline size (reference loop), the SIMD loop on the calling thread, the threads (odd tails)
  const sizes = [1001, 10_003, 200_003];
  const cases = settings.flatMap(([name, s]) => sizes.flatMap((n) => [false, true].map((fresh) => ({ name: `${name}, ${n} elements${fresh ? ", fresh buffer" : ""}`, s: { ...s, fresh }, n }))));
  // arrays in the shared memory (alloc), so that the cpu backend computes in place
  const heapCopy = (src: Float32Array) => {
    const a = cpuBackend.alloc(src.length, true);
    a.set(src);
    return a;
  };
  it.each(cases.filter((c) => !c.s.fresh || c.s.momentum))("$name", ({ s, n }) => {
    const r = rng(n + 7);
    const p0 = Float32Array.from({ length: n }, () => r() * 4 - 2), g = Float32Array.from({ length: n }, () => r() - 0.5);
    const b0 = Float32Array.from({ length: n }, () => r() - 0.5);
    [p0[0], g[1], b0[2], g[3]] = [NaN, Infinity, -0, 1e-40]; // special values go through both loops alike
    const ref = { p: p0.slice(), b: b0.slice() };
    referenceBackend.sgdUpdate(ref.p, g, s.momentum ? ref.b : null, s);
    for (const t of THREADS) {
      setNumThreads(t);
      const p = heapCopy(p0), b = heapCopy(b0);
      cpuBackend.sgdUpdate(p, heapCopy(g), s.momentum ? b : null, s);
      expectIdentical(p, ref.p, `param with ${t} threads`);
      if (s.momentum) expectIdentical(b, ref.b, `momentum buffer with ${t} threads`);
    }
    expect(ref.p[5]).not.toBe(p0[5]); // it moved
  });

  it("rejects mismatched lengths and momentum without a buffer", () => {
    const a = new Float32Array(4), s = { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, fresh: false };
    for (const be of [referenceBackend, cpuBackend]) {
      expect(() => be.sgdUpdate(a, new Float32Array(3), null, s)).toThrow(/grad has 3 elements but param has 4/);
      expect(() => be.sgdUpdate(a, a.slice(), new Float32Array(5), s)).toThrow(/momentum buffer has 5 elements/);
      expect(() => be.sgdUpdate(a, a.slice(), null, { ...s, momentum: 0.9 })).toThrow(/momentum needs a momentum buffer/);
    }
  });
});
