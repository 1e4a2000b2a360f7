// Conformance of the per-channel kernels (channelSums, channelAffine) on every backend: against
// float64 loops written here, and bit-identical to the reference backend whatever the thread count.
import { expect, it } from "vitest";
import { backend } from "../../lib/backend";
import { referenceBackend } from "../../lib/backend/reference";
import { forEachBackend } from "../helpers/backends";
import { expectIdentical, rng } from "./cpu/helpers";

/** [outer, channels, inner]: inner = 1, channels = 1, odd sizes, and sizes large enough for the threads. */
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 1, 5], [2, 3, 1], [5, 7, 9], [4, 6, 3], [2, 5, 4], [4, 32, 33], [8, 16, 300], [8, 16, 303], [40, 20, 42], [300, 130, 1], [2, 1, 40001], [16, 64, 64],
];

/**
 * Storage from the current backend (in the cpu backend's shared memory when large), filled from a
 * seed with magnitudes over four decades (so that float64 sums round, and their order shows).
 */
function input(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  const a = backend().alloc(n, true), r = rng(seed);
  for (let i = 0; i < n; i++) a[i] = offset + scale * r() * 10 ** (2 * r());
  return a;
}

function coefficients(c: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: c }, () => (3 * r()) / 7); // full 53-bit mantissas: sums depend on their order
}

/**
 * The sums as plain float64 loops in index order, and Σ|term| of each (the kernel adds in another
 * order, so the two may differ by about count·2⁻⁵³·Σ|term|).
 */
function naiveSums(x: Float32Array, y: Float32Array | null, shift: Float64Array | null, [outer, ch, inner]: number[], abs = false): Float64Array {
  const out = new Float64Array(2 * ch);
  const f = abs ? Math.abs : (v: number) => v;
  for (let c = 0; c < ch; c++) {
    const s = shift ? shift[c] : 0;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const p = (o * ch + c) * inner + i, u = x[p] - s;
        out[c] += f(u);
        out[ch + c] += f(y ? u * y[p] : u * u);
      }
    }
  }
  return out;
}

function expectSumsClose(actual: Float64Array, expected: Float64Array, absSums: Float64Array, count: number): void {
  for (let k = 0; k < expected.length; k++) {
    const e = expected[k], a = actual[k];
    if (Number.isNaN(e)) expect(a, `sum ${k}`).toBeNaN();
    else expect(Math.abs(a - e), `sum ${k}: ${a} vs ${e}`).toBeLessThanOrEqual(count * 2 ** -52 * absSums[k]);
  }
}

forEachBackend("channelSums", () => {
  for (const shape of SHAPES) {
    const [outer, ch, inner] = shape, n = outer * ch * inner;
    it(`[${shape}]: Σx and Σx², Σ(x−s) and Σ(x−s)², Σ(x−s)·y match float64 loops and the reference`, () => {
      const x = input(n, n + 1, 2, 0.5), y = input(n, n + 2);
      const shift = coefficients(ch, ch + 3);
      for (const [yy, ss] of [[null, null], [null, shift], [y, null], [y, shift]] as const) {
        const out = new Float64Array(2 * ch);
        backend().channelSums(x, yy, ss, outer, ch, inner, out);
        expectSumsClose(out, naiveSums(x, yy, ss, shape), naiveSums(x, yy, ss, shape, true), outer * inner);
        const ref = new Float64Array(2 * ch);
        referenceBackend.channelSums(x, yy, ss, outer, ch, inner, ref);
        expect(Array.from(out), "identical to the reference").toEqual(Array.from(ref));
      }
    });
  }

  it("a NaN spoils its own channel's sums only", () => {
    const [outer, ch, inner] = [16, 8, 300], n = outer * ch * inner;
    const x = input(n, 7), y = input(n, 8);
    x[(5 * ch + 3) * inner + 17] = NaN;
    const out = new Float64Array(2 * ch);
    backend().channelSums(x, y, null, outer, ch, inner, out);
    for (let c = 0; c < ch; c++) {
      expect(Number.isNaN(out[c]), `Σx of channel ${c}`).toBe(c === 3);
      expect(Number.isNaN(out[ch + c]), `Σxy of channel ${c}`).toBe(c === 3);
    }
  });

  it("writes zeros for an empty channel (outer or inner 0) and names short arrays", () => {
    const out = new Float64Array(4).fill(7);
    backend().channelSums(new Float32Array(0), null, null, 0, 2, 5, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
    expect(() => backend().channelSums(new Float32Array(5), null, null, 2, 1, 3, new Float64Array(2))).toThrow(/channelSums: x has 5 elements but the shapes need 6/);
    expect(() => backend().channelSums(new Float32Array(6), null, null, 2, 1, 3, new Float64Array(1))).toThrow(/channelSums: out has 1 elements but the shapes need 2/);
    expect(() => backend().channelSums(new Float32Array(6), null, new Float64Array(1), 1, 2, 3, new Float64Array(4))).toThrow(/channelSums: shift has 1/);
  });
});

forEachBackend("channelAffine", () => {
  for (const shape of SHAPES) {
    const [outer, ch, inner] = shape, n = outer * ch * inner;
    it(`[${shape}]: a·x + d and a·x + d + b·v, rounded once, as the reference`, () => {
      const x = input(n, n + 4), v = input(n, n + 5, 10);
      const a = coefficients(ch, 1), d = coefficients(ch, 2), b = coefficients(ch, 3);
      for (const withV of [false, true]) {
        const out = backend().alloc(n, true);
        backend().channelAffine(x, a, d, withV ? v : null, withV ? b : null, outer, ch, inner, out);
        const expected = new Float32Array(n);
        for (let p = 0; p < n; p++) {
          const c = Math.floor(p / inner) % ch;
          expected[p] = withV ? a[c] * x[p] + d[c] + b[c] * v[p] : a[c] * x[p] + d[c];
        }
        expectIdentical(out, expected, `[${shape}] with v: ${withV}`);
      }
    });
    it(`[${shape}]: with relu, the unary relu of those floats (in place too)`, () => {
      const x = input(n, n + 6, 1, -0.6), v = input(n, n + 7, 10, -5);
      x[n >> 1] = NaN;
      const a = coefficients(ch, 1), d = coefficients(ch, 2).map((t) => t - 0.2), b = coefficients(ch, 3);
      for (const withV of [false, true]) {
        for (const inPlace of [false, true]) {
          const src = inPlace ? Float32Array.from(x) : x, xs = inPlace ? backend().alloc(n, true) : x;
          if (inPlace) xs.set(src);
          const out = inPlace ? xs : backend().alloc(n, true);
          backend().channelAffine(xs, a, d, withV ? v : null, withV ? b : null, outer, ch, inner, out, true);
          const expected = new Float32Array(n);
          for (let p = 0; p < n; p++) {
            const c = Math.floor(p / inner) % ch;
            const f = Math.fround(withV ? a[c] * src[p] + d[c] + b[c] * v[p] : a[c] * src[p] + d[c]);
            expected[p] = f > 0 || Number.isNaN(f) ? f : 0;
          }
          expectIdentical(out, expected, `[${shape}] with v: ${withV}, in place: ${inPlace}`);
          if (n >= 100) expect(out.some((t) => t === 0) && out.some((t) => t > 0)).toBe(true);
        }
      }
    });
  }

  it("works in place (out = x) and keeps a NaN to its own element", () => {
    const [outer, ch, inner] = [16, 8, 300], n = outer * ch * inner;
    const x = input(n, 9);
    x[1234] = NaN;
    const before = Float32Array.from(x);
    const a = coefficients(ch, 4), d = coefficients(ch, 5);
    backend().channelAffine(x, a, d, null, null, outer, ch, inner, x);
    for (let p = 0; p < n; p++) {
      const c = Math.floor(p / inner) % ch;
      if (p === 1234) expect(x[p]).toBeNaN();
      else expect(x[p]).toBe(Math.fround(a[c] * before[p] + d[c]));
    }
  });

  it("names the problem with its arguments", () => {
    const one = new Float64Array(1);
    expect(() => backend().channelAffine(new Float32Array(3), one, one, new Float32Array(3), null, 1, 1, 3, new Float32Array(3))).toThrow(/channelAffine: v and b go together/);
    expect(() => backend().channelAffine(new Float32Array(3), new Float64Array(0), one, null, null, 1, 1, 3, new Float32Array(3))).toThrow(/channelAffine: a has 0 elements but the shapes need 1/);
    expect(() => backend().channelAffine(new Float32Array(3), one, one, null, null, 1, 1, 3, new Float32Array(2))).toThrow(/channelAffine: out has 2 elements/);
    expect(() => backend().channelAffine(new Float32Array(3), one, one, null, null, 1, 1.5, 3, new Float32Array(3))).toThrow(/channelAffine: channels must be a non-negative integer, got 1.5/);
  });
});
