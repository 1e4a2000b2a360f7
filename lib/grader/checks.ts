/**
 * Assertions for the trusted side of task tests (`check`). They accept observed data as it arrives from
 * the sandbox: numbers, (nested) arrays, typed arrays, tensors sent as `{ $tensor: true, shape, data }`,
 * and gradwork tensors computed by the check itself.
 *
 * @example
 * expectClose([0.5, 0.73], [0.5, 0.7311], { atol: 1e-3, what: "sigmoid" });
 */
import { describeValue, worstMismatch } from "../common";
import { CheckFailure } from "./errors";

/** Numbers with a shape, row-major. */
export interface NumericData {
  shape: number[];
  data: number[];
}

/** Throw a check failure with `message` (shown to the student). */
export function fail(message: string): never {
  throw new CheckFailure(message);
}

/** Fail with `message` unless `cond` is true. */
export function expectTrue(cond: unknown, message: string): void {
  if (cond !== true) fail(message);
}

const MAX_ELEMENTS = 5_000_000;

function isTensorLike(x: any): boolean {
  return x !== null && typeof x === "object" && Array.isArray(x.shape) && typeof x.toFloat32Array === "function";
}

/**
 * Turn observed or computed data into `{ shape, data }`; fails with a message naming `what` when it is
 * not rectangular numeric data.
 *
 * @example
 * asTensorData([[1, 2], [3, 4]]); // { shape: [2, 2], data: [1, 2, 3, 4] }
 */
export function asTensorData(x: unknown, what = "result"): NumericData {
  if (typeof x === "number") return { shape: [], data: [x] };
  if (isTensorLike(x)) {
    const t = x as { shape: number[]; toFloat32Array(): Float32Array };
    return { shape: [...t.shape], data: Array.from(t.toFloat32Array()) };
  }
  if (x !== null && typeof x === "object" && (x as any).$tensor === true) {
    const t = x as { shape: unknown; data: unknown };
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`${what}: a tensor arrived with an invalid shape`);
    const data = Array.from(t.data as ArrayLike<number>);
    const n = (t.shape as number[]).reduce((a, b) => a * b, 1);
    if (data.length !== n) fail(`${what}: a tensor of shape [${t.shape}] arrived with ${data.length} values`);
    return { shape: [...(t.shape as number[])], data };
  }
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const arr = Array.from(x as unknown as ArrayLike<number>);
    return { shape: [arr.length], data: arr };
  }
  if (Array.isArray(x)) {
    if (x.length > MAX_ELEMENTS) fail(`${what}: too many values (${x.length})`);
    if (x.length === 0) return { shape: [0], data: [] };
    const parts = x.map((e, i) => asTensorData(e, `${what}[${i}]`));
    const inner = parts[0].shape;
    for (let i = 1; i < parts.length; i++) {
      if (parts[i].shape.join(",") !== inner.join(",")) fail(`${what}: ragged array: element 0 has shape [${inner}] but element ${i} has shape [${parts[i].shape}]`);
    }
    const data: number[] = [];
    for (const p of parts) for (const v of p.data) data.push(v);
    return { shape: [x.length, ...inner], data };
  }
  return fail(`${what}: expected numbers, got ${describeValue(x)}`);
}

/**
 * A flat array of `n` numbers (a vector, or a tensor with `n` elements of any shape).
 *
 * @example
 * asNumbers([[1, 2]], 2); // [1, 2]
 */
export function asNumbers(x: unknown, n?: number, what = "result"): number[] {
  const t = asTensorData(x, what);
  if (n !== undefined && t.data.length !== n) fail(`${what}: expected ${n} numbers, got ${t.data.length} (shape [${t.shape}])`);
  return t.data;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v);
}

function indexOf(flat: number, shape: number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return `[${idx.join(", ")}]`;
}

/**
 * Fail unless `actual` has the shape of `expected` and every value satisfies
 * |actual - expected| <= atol + rtol·|expected| (NaN only matches NaN).
 *
 * @example
 * expectClose(observed.dx, [0.39, -0.59], { atol: 1e-2, what: "dx" });
 */
export function expectClose(actual: unknown, expected: unknown, opts: { atol?: number; rtol?: number; what?: string } = {}): void {
  const { atol = 1e-5, rtol = 1e-4, what = "result" } = opts;
  const a = asTensorData(actual, what);
  const e = asTensorData(expected, `expected ${what}`);
  const sameShape = a.shape.length === e.shape.length && a.shape.every((d, i) => d === e.shape[i]);
  // A scalar and a one-element array are interchangeable.
  if (!sameShape && !(a.data.length === 1 && e.data.length === 1)) {
    fail(`${what}: wrong shape: got [${a.shape.join(", ")}], expected [${e.shape.join(", ")}]`);
  }
  for (let i = 0; i < e.data.length; i++) {
    if (typeof a.data[i] !== "number") fail(`${what}: value ${indexOf(i, e.shape)} is not a number (${describeValue(a.data[i])})`);
  }
  const m = worstMismatch(a.data, e.data, atol, rtol);
  const bad = m ? m.failures : 0, worst = m ? m.index : -1;
  if (bad > 0) {
    const where = e.shape.length === 0 ? "" : ` at ${indexOf(worst, e.shape)}`;
    const lead = e.data.length === 1 ? `${what} is wrong` : `${what}: ${bad} of ${e.data.length} values are wrong; the worst${where}`;
    fail(`${lead}: got ${fmt(a.data[worst])}, expected ${fmt(e.data[worst])} (tolerance ${atol} + ${rtol}·|expected|)`);
  }
}

/**
 * Fail unless `actual` is exactly `expected` (numbers, strings, booleans, arrays of them).
 *
 * @example
 * expectEqual(observed, [4, 4], "output size");
 */
export function expectEqual(actual: unknown, expected: unknown, what = "result"): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) fail(`${what}: got ${a === undefined ? "undefined" : a.slice(0, 200)}, expected ${e}`);
}

/**
 * Central finite differences of `f` at `x` in float64: (f(x + h·e_i) - f(x - h·e_i)) / 2h.
 *
 * @example
 * finiteDifference(([a, b]) => a * b, [2, 3]); // ≈ [3, 2]
 */
export function finiteDifference(f: (x: number[]) => number, x: number[], h = 1e-5): number[] {
  const g: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const xp = x.slice();
    const xm = x.slice();
    xp[i] += h;
    xm[i] -= h;
    g.push((f(xp) - f(xm)) / (2 * h));
  }
  return g;
}

/** A small seeded random generator for test inputs (mulberry32). */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal. */
  normal(): number;
  /** Integer in [lo, hi). */
  int(lo: number, hi: number): number;
  /** `n` uniform numbers in [lo, hi). */
  array(n: number, lo?: number, hi?: number): number[];
}

/**
 * A deterministic generator independent of the library's global RNG.
 *
 * @example
 * const r = rng(7); r.array(3, -1, 1);
 */
export function rng(seed: number): Rng {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r: Rng = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo)),
    array: (n, lo = -1, hi = 1) => Array.from({ length: n }, () => r.uniform(lo, hi)),
  };
  return r;
}
