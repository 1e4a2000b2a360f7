// Property-based tests (fast-check, seeded) of shape inference and broadcasting: over random
// shapes, every op either succeeds with the shape NumPy (or PyTorch, for expand) gives — with the
// same values on every backend as on the reference backend — or throws an error naming the op.
// The expected shapes come from small independent implementations of NumPy's rules below.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as gw from "gradwork";

const SEED = Number(process.env.GW_PROPERTY_SEED ?? 20261204);
const RUNS = Number(process.env.GW_PROPERTY_RUNS ?? 150); // small enough for CI; raise it locally to search harder
type Shape = number[];

/** NumPy broadcasting: right-aligned, sizes equal or one of them 1; null when incompatible. */
function npBroadcast(...shapes: Shape[]): Shape | null {
  const n = Math.max(...shapes.map((s) => s.length));
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const sizes = shapes.map((s) => s[s.length - n + i] ?? 1);
    const big = sizes.filter((x) => x !== 1);
    if (new Set(big).size > 1) return null;
    out.push(big.length ? big[0] : 1);
  }
  return out;
}

/** numpy.matmul's shape rule (1-D operands promoted and the added dim removed). */
function npMatmul(a: Shape, b: Shape): Shape | null {
  if (a.length === 0 || b.length === 0) return null;
  const A = a.length === 1 ? [1, a[0]] : a, B = b.length === 1 ? [b[0], 1] : b;
  if (A[A.length - 1] !== B[B.length - 2]) return null;
  const batch = npBroadcast(A.slice(0, -2), B.slice(0, -2));
  if (!batch) return null;
  const out = [...batch];
  if (a.length > 1) out.push(A[A.length - 2]);
  if (b.length > 1) out.push(B[B.length - 1]);
  return out;
}

const numel = (s: Shape) => s.reduce((a, b) => a * b, 1);
const dimSize = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constant(0) });
const shape = (maxLength = 4) => fc.array(dimSize, { maxLength });
/** A shape related to `s`: dims kept, set to 1, changed, or leading dims dropped or added. */
const relatedShape = (s: Shape) =>
  fc
    .tuple(
      fc.array(fc.constantFrom("keep", "one", "other"), { minLength: s.length, maxLength: s.length }),
      fc.integer({ min: 0, max: s.length }),
      fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      fc.integer({ min: 0, max: 4 }),
    )
    .map(([how, drop, extra, other]) => [...extra, ...s.map((d, i) => (how[i] === "keep" ? d : how[i] === "one" ? 1 : other)).slice(drop)]);
const pair = shape().chain((a) => fc.tuple(fc.constant(a), relatedShape(a)));

/** Random data of `s`, made on the reference backend (the seeded generator is backend-independent). */
function data(s: Shape, seed: number): Float32Array {
  gw.manualSeed(seed);
  return gw.randn(s).toFloat32Array();
}

/** Run `f` on every backend with the same input data; returns the result (or error) per backend. */
function onBackends(f: () => gw.Tensor): { name: string; value?: gw.Tensor; error?: Error }[] {
  const previous = gw.getBackend();
  const out: { name: string; value?: gw.Tensor; error?: Error }[] = [];
  try {
    for (const name of ["reference", ...gw.listBackends().filter((n) => n !== "reference")]) {
      gw.setBackend(name);
      try {
        out.push({ name, value: f() });
      } catch (err) {
        out.push({ name, error: err as Error });
      }
    }
  } finally {
    gw.setBackend(previous);
  }
  return out;
}

/** The property: succeed with `expected` (same values as the reference backend) or, when it is null, throw naming `op`. */
function check(op: string, expected: Shape | null, f: () => gw.Tensor, exact = true): void {
  const results = onBackends(f);
  const ref = results[0];
  for (const r of results) {
    if (expected === null) {
      expect(r.error, `${op} on ${r.name} should have thrown`).toBeDefined();
      expect(r.error!.message.startsWith(op), `${op} on ${r.name}: ${r.error!.message}`).toBe(true);
    } else {
      if (r.error) throw new Error(`${op} on ${r.name} threw for a valid case (expected shape [${expected}]): ${r.error.message}`);
      expect(r.value!.shape, `${op} on ${r.name}`).toEqual(expected);
      const got = r.value!.toFloat32Array(), want = ref.value!.toFloat32Array();
      if (exact) expect(Array.from(got), `${op} on ${r.name} vs reference`).toEqual(Array.from(want));
      else got.forEach((v, i) => expect(Math.abs(v - want[i]), `${op} on ${r.name} vs reference at ${i}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i]))));
    }
  }
}

const t = (s: Shape, seed: number) => gw.tensor(data(s, seed), { shape: s });

describe("shape inference and broadcasting (property-based, seeded)", () => {
  it("binary elementwise ops broadcast like NumPy or throw naming the op and both shapes", () => {
    const ops = { add: gw.add, sub: gw.sub, mul: gw.mul, div: gw.div, maximum: gw.maximum, minimum: gw.minimum } as const;
    fc.assert(
      fc.property(pair, fc.constantFrom(...(Object.keys(ops) as (keyof typeof ops)[])), fc.boolean(), ([a, b], op, swap) => {
        const [x, y] = swap ? [b, a] : [a, b];
        check(op, npBroadcast(x, y), () => ops[op](t(x, 1), t(y, 2)));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("where broadcasts its three operands together", () => {
    const triple = shape().chain((a) => fc.tuple(fc.constant(a), relatedShape(a), relatedShape(a)));
    fc.assert(
      fc.property(triple, ([c, a, b]) => {
        check("where", npBroadcast(c, a, b), () => gw.where(gw.tensor(data(c, 3), { shape: c }).gt(0), t(a, 4), t(b, 5)));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("matmul follows numpy.matmul's shape rule (1-D operands, broadcast batch dims)", () => {
    const mm = fc
      .tuple(shape(2), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.boolean())
      .chain(([batch, m, k, n, ra, rb, mismatch]) =>
        fc.tuple(relatedShape(batch), relatedShape(batch)).map(([ba, bb]) => {
          const a = ra === 0 ? [k] : [...ba.slice(ba.length - (ra - 1)), m, k].slice(ra === 1 ? -2 : 0);
          const b = rb === 0 ? [mismatch ? k + 1 : k] : [...bb.slice(bb.length - (rb - 1)), mismatch ? k + 1 : k, n].slice(rb === 1 ? -2 : 0);
          return [a, b] as [Shape, Shape];
        }),
      );
    fc.assert(
      // the cpu backend's GEMM sums in another order (SIMD lanes): equal to the reference within float32 rounding
      fc.property(mm, ([a, b]) => check("matmul", npMatmul(a, b), () => gw.matmul(t(a, 6), t(b, 7)), false)),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("sum over a dim (keepdim or not) gives NumPy's shape; a dim out of range is an error naming sum", () => {
    fc.assert(
      fc.property(shape(), fc.integer({ min: -5, max: 4 }), fc.boolean(), (s, dim, keepdim) => {
        // PyTorch's rule: a 0-d tensor accepts dim 0 or -1 and stays 0-d
        const n = Math.max(s.length, 1);
        const ok = dim >= -n && dim < n;
        const d = dim < 0 ? dim + n : dim;
        const expected = !ok ? null : s.length === 0 ? [] : keepdim ? s.map((x, i) => (i === d ? 1 : x)) : s.filter((_, i) => i !== d);
        check("sum", expected, () => t(s, 8).sum(dim, keepdim));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("reshape with at most one -1 infers the size, else throws naming reshape", () => {
    fc.assert(
      fc.property(shape(), shape(), fc.option(fc.nat(3), { nil: undefined }), (s, target, neg) => {
        const want = [...target];
        if (neg !== undefined && want.length) want[neg % want.length] = -1;
        const known = numel(want.filter((x) => x !== -1));
        const total = numel(s);
        let expected: Shape | null;
        if (!want.includes(-1)) expected = known === total ? want : null;
        else expected = known !== 0 && total % known === 0 ? want.map((x) => (x === -1 ? total / known : x)) : null;
        check("reshape", expected, () => t(s, 9).reshape(want));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("expand follows PyTorch's rule (size-1 dims stretch, -1 keeps a size, new leading dims) or throws naming expand", () => {
    fc.assert(
      fc.property(pair, fc.boolean(), fc.option(fc.constantFrom(-1, -2, 1.5), { nil: undefined, freq: 4 }), ([s, target], useMinusOne, odd) => {
        const want = [...target];
        if (useMinusOne && want.length && s.length) want[want.length - 1] = -1;
        if (odd !== undefined && want.length) want[0] = odd; // -1 is only valid on an existing dim
        const lead = want.length - s.length;
        let expected: Shape | null = lead < 0 ? null : [];
        for (let d = 0; expected && d < want.length; d++) {
          const own = d >= lead ? s[d - lead] : undefined;
          const size = want[d] === -1 && own !== undefined ? own : want[d];
          if (size < 0 || !Number.isInteger(size) || (own !== undefined && own !== size && own !== 1)) expected = null;
          else expected.push(size);
        }
        check("expand", expected, () => t(s, 10).expand(want).contiguous());
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("cat along a dim needs equal other dims, else throws naming cat", () => {
    fc.assert(
      fc.property(pair, fc.integer({ min: -3, max: 3 }), ([a, b], dim) => {
        const n = a.length;
        const ok = n > 0 && b.length === n && dim >= -n && dim < n;
        const d = dim < 0 ? dim + n : dim;
        const expected = ok && a.every((x, i) => i === d || x === b[i]) ? a.map((x, i) => (i === d ? x + b[i] : x)) : null;
        check("cat", expected, () => gw.cat([t(a, 11), t(b, 12)], dim));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
