// Winograd F(4×4, 3×3) convolutions of the cpu backend (kernels/winograd.ts) against the reference
// backend, within the error bound stated in that file: |y_i − y_ref,i| ≤ TOL · (S_i + S̄), S_i = Σ|w||x|
// over output i's window (the reference convolution of |x| and |w|), S̄ its mean. Also: the direct path stays much
// closer than that (so the test can tell the two apart), results do not depend on the thread count,
// NaN and Inf propagate to the outputs whose windows hold them.
import { afterAll, describe, expect, it } from "vitest";
import type { Conv2dParams } from "../../../lib/backend/backend";
import { referenceBackend } from "../../../lib/backend/reference";
import { cpuBackend, getNumThreads, setNumThreads } from "../../../lib/backend/cpu";
import { setWinograd, setWinogradWeight, useWinograd, useWinogradWeight } from "../../../lib/backend/cpu/kernels/winograd";
import { convParams, expectIdentical, randomArray } from "./helpers";

/** Bound on the Winograd error relative to Σ|w||x| (see kernels/winograd.ts). */
const TOL = 2e-5;
const initialThreads = getNumThreads();
setWinograd("always"); // every shape below, whatever the speed rule
afterAll(() => {
  setNumThreads(initialThreads);
  setWinograd(true);
});

/** A stride-1 3×3 convolution with padding `pad` on each side. */
function params(n: number, c: number, h: number, w: number, cOut: number, pad: number): Conv2dParams {
  return convParams(n, c, h, w, cOut, 3, 3, { pad: [pad, pad] });
}

const abs = (a: Float32Array) => a.map(Math.abs);

/** Worst |got − want| / (scale + mean scale) over the elements (the bound in kernels/winograd.ts), and its index. */
function worstRelative(got: Float32Array, want: Float32Array, scale: Float32Array): { rel: number; at: number } {
  let rel = 0, at = -1, mean = 0;
  for (let i = 0; i < scale.length; i++) mean += scale[i] / scale.length;
  for (let i = 0; i < want.length; i++) {
    const r = Math.abs(got[i] - want[i]) / (scale[i] + mean + 1e-30);
    if (!(r <= rel)) { rel = r; at = i; }
  }
  return { rel, at };
}

const shapes: [string, Conv2dParams][] = [
  ["VGG-like 32→32 on 16×16, pad 1", params(2, 32, 16, 16, 32, 1)],
  ["odd sizes 13×11, pad 1, 8→16", params(3, 8, 13, 11, 16, 1)],
  ["pad 0, 7×9, channels 10→13 (not multiples of MR/NR)", params(2, 10, 7, 9, 13, 0)],
  ["pad 2, 5×6, batch 1, 9→7", params(1, 9, 5, 6, 7, 2)],
  ["batch 1, 3×3 input, pad 0 (one output)", params(1, 16, 3, 3, 8, 0)],
  ["wide 1×37 input rows (h = 3), pad 1, 12→20", params(2, 12, 3, 37, 20, 1)],
  ["64 channels, 20×20, pad 1, batch 5", params(5, 64, 20, 20, 24, 1)],
];

describe("cpu backend: Winograd F(4×4, 3×3) convolutions", () => {
  for (const [label, p] of shapes) {
    const xSize = p.n * p.c * p.h * p.w, wSize = p.cOut * p.c * 9, ySize = p.n * p.cOut * p.outH * p.outW;
    const x = randomArray(xSize, 31), w = randomArray(wSize, 32), bias = randomArray(p.cOut, 33), dy = randomArray(ySize, 34);

    it(`forward: ${label}`, () => {
      expect(useWinograd(p, false)).toBe(true);
      const want = new Float32Array(ySize), scale = new Float32Array(ySize);
      referenceBackend.conv2d(x, w, bias, p, want);
      referenceBackend.conv2d(abs(x), abs(w), abs(bias), p, scale);
      const results: Float32Array[] = [];
      for (const threads of [1, 2, 3]) {
        setNumThreads(threads);
        const got = new Float32Array(ySize).fill(NaN);
        cpuBackend.conv2d(x, w, bias, p, got);
        results.push(got);
      }
      const { rel, at } = worstRelative(results[0], want, scale);
      expect(rel, `worst relative error at output ${at}: ${results[0][at]} vs ${want[at]}`).toBeLessThanOrEqual(TOL);
      for (const r of results.slice(1)) expectIdentical(r, results[0], "result with more threads");
    });

    it(`input gradient: ${label}`, () => {
      expect(useWinograd(p, true)).toBe(true);
      const want = new Float32Array(xSize), scale = new Float32Array(xSize);
      referenceBackend.conv2dBackwardInput(dy, w, p, want);
      referenceBackend.conv2dBackwardInput(abs(dy), abs(w), p, scale);
      const results: Float32Array[] = [];
      for (const threads of [1, 2, 3]) {
        setNumThreads(threads);
        const got = new Float32Array(xSize).fill(7);
        cpuBackend.conv2dBackwardInput(dy, w, p, got);
        results.push(got);
      }
      const { rel, at } = worstRelative(results[0], want, scale);
      expect(rel, `worst relative error at input ${at}: ${results[0][at]} vs ${want[at]}`).toBeLessThanOrEqual(TOL);
      for (const r of results.slice(1)) expectIdentical(r, results[0], "result with more threads");
    });

    it(`weight gradient: ${label}`, () => {
      expect(useWinogradWeight(p)).toBe(true);
      const wCount = p.cOut * p.c * 9;
      const want = new Float32Array(wCount), scale = new Float32Array(wCount);
      referenceBackend.conv2dBackwardWeight(x, dy, p, want);
      referenceBackend.conv2dBackwardWeight(abs(x), abs(dy), p, scale);
      const results: Float32Array[] = [];
      for (const threads of [1, 2, 3]) {
        setNumThreads(threads);
        const got = new Float32Array(wCount).fill(7);
        cpuBackend.conv2dBackwardWeight(x, dy, p, got);
        results.push(got);
      }
      const { rel, at } = worstRelative(results[0], want, scale);
      expect(rel, `worst relative error at weight ${at}: ${results[0][at]} vs ${want[at]}`).toBeLessThanOrEqual(TOL);
      for (const r of results.slice(1)) expectIdentical(r, results[0], "result with more threads");
    });
  }

  it("the direct path (GRADWORK_WINOGRAD=0 / setWinograd(false)) is far closer than the bound, and is not taken when on", () => {
    const p = params(2, 32, 12, 12, 32, 1);
    const x = randomArray(p.n * p.c * p.h * p.w, 41), w = randomArray(p.cOut * p.c * 9, 42);
    const ySize = p.n * p.cOut * p.outH * p.outW;
    const want = new Float32Array(ySize), scale = new Float32Array(ySize);
    referenceBackend.conv2d(x, w, null, p, want);
    referenceBackend.conv2d(abs(x), abs(w), null, p, scale);
    const wino = new Float32Array(ySize), direct = new Float32Array(ySize);
    cpuBackend.conv2d(x, w, null, p, wino);
    setWinograd(false);
    try {
      expect(useWinograd(p, false)).toBe(false);
      cpuBackend.conv2d(x, w, null, p, direct);
    } finally {
      setWinograd("always");
    }
    expect(worstRelative(direct, want, scale).rel).toBeLessThan(1e-6);
    // the two paths round differently: equal results would mean the Winograd path was not taken
    expect(worstRelative(wino, direct, scale).rel).toBeGreaterThan(0);
  });

  it("takes the Winograd path only where it measured faster, and within the memory caps", () => {
    const was = setWinograd(true), wasWeight = setWinogradWeight(false);
    try {
      const vgg = params(64, 32, 32, 32, 32, 1);
      expect(useWinogradWeight(vgg), "the weight gradient is opt-in").toBe(false);
      setWinogradWeight(true);
      expect([useWinograd(vgg, false), useWinograd(vgg, true), useWinogradWeight(vgg)]).toEqual([true, true, true]);
      const first = params(64, 3, 32, 32, 32, 1); // forward wins, the input gradient (a 32→3 convolution) loses
      expect([useWinograd(first, false), useWinograd(first, true), useWinogradWeight(first)]).toEqual([true, false, true]);
      const mnist = params(64, 1, 28, 28, 16, 1);
      expect([useWinograd(mnist, false), useWinograd(mnist, true), useWinogradWeight(mnist)]).toEqual([false, false, false]);
      const big = params(1, 512, 8, 8, 512, 1);
      expect([useWinograd(big, false), useWinograd(big, true), useWinogradWeight(big)]).toEqual([false, false, false]);
      expect(useWinograd({ ...vgg, strideH: 2, outH: 16 }, false)).toBe(false);
      expect(useWinograd({ ...vgg, groups: 2 }, false)).toBe(false);
      expect(useWinograd({ ...vgg, padH: 3, padW: 3, outH: 36, outW: 36 }, true)).toBe(false); // input gradient needs pad ≤ 2
      setWinograd(false);
      expect([useWinograd(vgg, false), useWinograd(vgg, true), useWinogradWeight(vgg)]).toEqual([false, false, false]);
    } finally {
      setWinograd(was);
      setWinogradWeight(wasWeight);
    }
  });

  it("forward with padding 3 (the input gradient then takes the direct path)", () => {
    const p = params(2, 6, 7, 5, 9, 3);
    expect([useWinograd(p, false), useWinograd(p, true)]).toEqual([true, false]);
    const x = randomArray(p.n * p.c * p.h * p.w, 71), w = randomArray(p.cOut * p.c * 9, 72), bias = randomArray(p.cOut, 73);
    const ySize = p.n * p.cOut * p.outH * p.outW;
    const want = new Float32Array(ySize), scale = new Float32Array(ySize), got = new Float32Array(ySize).fill(NaN);
    referenceBackend.conv2d(x, w, bias, p, want);
    referenceBackend.conv2d(abs(x), abs(w), abs(bias), p, scale);
    cpuBackend.conv2d(x, w, bias, p, got);
    expect(worstRelative(got, want, scale).rel).toBeLessThanOrEqual(TOL);
  });

  it("the direct path adds the bias in WebAssembly bit-identically to adding it afterwards", () => {
    const was = setWinograd(false);
    try {
      for (const p of [params(3, 5, 9, 11, 7, 1), { ...params(2, 4, 12, 12, 9, 0), kh: 5, kw: 5, strideH: 2, strideW: 2, outH: 4, outW: 4 }]) {
        const x = randomArray(p.n * p.c * p.h * p.w, 61), w = randomArray(p.cOut * p.c * p.kh * p.kw, 62), bias = randomArray(p.cOut, 63);
        const P = p.outH * p.outW, ySize = p.n * p.cOut * P;
        const withBias = new Float32Array(ySize), noBias = new Float32Array(ySize);
        cpuBackend.conv2d(x, w, bias, p, withBias);
        cpuBackend.conv2d(x, w, null, p, noBias);
        for (let i = 0; i < ySize; i++) noBias[i] += bias[Math.floor(i / P) % p.cOut];
        expectIdentical(withBias, noBias, "conv2d with bias");
      }
    } finally {
      setWinograd(was);
    }
  });

  it("NaN and Inf reach exactly the outputs whose windows hold them", () => {
    const p = params(1, 8, 10, 10, 8, 1);
    const x = randomArray(p.n * p.c * p.h * p.w, 51), w = randomArray(p.cOut * p.c * 9, 52);
    x[3 * 100 + 4 * 10 + 5] = NaN; // channel 3, row 4, column 5
    x[5 * 100 + 9 * 10 + 0] = Infinity; // channel 5, row 9, column 0
    const ySize = p.n * p.cOut * p.outH * p.outW;
    const want = new Float32Array(ySize), got = new Float32Array(ySize);
    referenceBackend.conv2d(x, w, null, p, want);
    cpuBackend.conv2d(x, w, null, p, got);
    let nonFinite = 0;
    for (let i = 0; i < ySize; i++) {
      if (!Number.isFinite(want[i])) {
        nonFinite++;
        expect(Number.isFinite(got[i]), `output ${i} should be ${want[i]}, got ${got[i]}`).toBe(false);
      } else {
        // a Winograd tile mixes its whole 6×6 input: outputs of a tile holding a NaN become NaN too
        const oy = Math.floor((i % 100) / 10), ox = i % 10;
        const nearNaN = Math.abs(oy - 4) <= 4 && Math.abs(ox - 5) <= 4, nearInf = oy >= 4 && ox <= 4;
        if (!nearNaN && !nearInf) expect(got[i], `output ${i}`).toBeCloseTo(want[i], 3);
      }
    }
    expect(nonFinite).toBeGreaterThan(0);
  });
});
