// Shared helpers for the cpu-backend tests: seeded random data and comparisons.
import { expect } from "vitest";
import type { Conv2dParams, View } from "../../../lib/backend/backend";

/** Deterministic uniform numbers in [-1, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

export function randomArray(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r();
  return a;
}

/** Every element within atol + rtol*|expected| (NaN must match NaN). */
export function expectClose(actual: Float32Array, expected: Float32Array, atol: number, rtol = 0, what = "result"): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1, worstErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) {
        worst = i;
        worstErr = Infinity;
        break;
      }
      continue;
    }
    const err = Math.abs(a - e) - rtol * Math.abs(e);
    if (err > worstErr) {
      worstErr = err;
      worst = i;
    }
  }
  if (worstErr > atol) expect.fail(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (tolerance ${atol})`);
}

/** Bit-for-bit equality (NaN payloads aside). */
export function expectIdentical(actual: Float32Array | Int32Array, expected: Float32Array | Int32Array, what = "result"): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) {
      expect.fail(`${what}: element ${i} is ${actual[i]}, expected exactly ${expected[i]}`);
    }
  }
}

/** A strided view of `data` (the kernels' input format). */
export const view = (data: Float32Array, shape: number[], strides: number[], offset = 0): View => ({ data, offset, shape, strides });

/** Convolution geometry with the output size worked out (PyTorch's formula). */
export function convParams(n: number, c: number, h: number, w: number, cOut: number, kh: number, kw: number,
  o: { groups?: number; stride?: [number, number]; pad?: [number, number]; dil?: [number, number] } = {}): Conv2dParams {
  const [strideH, strideW] = o.stride ?? [1, 1], [padH, padW] = o.pad ?? [0, 0], [dilH, dilW] = o.dil ?? [1, 1];
  const outH = Math.floor((h + 2 * padH - dilH * (kh - 1) - 1) / strideH) + 1;
  const outW = Math.floor((w + 2 * padW - dilW * (kw - 1) - 1) / strideW) + 1;
  return { n, c, h, w, cOut, kh, kw, groups: o.groups ?? 1, strideH, strideW, padH, padW, dilH, dilW, outH, outW };
}
