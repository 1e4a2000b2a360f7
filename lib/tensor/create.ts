// Creating tensors: from data, constant fills, ranges and random samples.
import { backend } from "../backend";
import { Tensor } from "./tensor";
import { allocChecked, fmtShape, numel } from "./shape";
import { randomGenerator } from "./random";
import "./methods"; // tensors made here have their methods (x.add(y), x.sum(), …)

export interface CreateOptions {
  requiresGrad?: boolean;
}

export interface TensorOptions extends CreateOptions {
  /** Shape for flat data (a Float32Array or number[]). */
  shape?: readonly number[];
}

export type NestedArray = number | boolean | readonly NestedArray[];

function inferNested(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

function flattenNested(data: NestedArray, shape: number[], out: Float32Array): void {
  let pos = 0;
  const rec = (x: NestedArray, d: number, path: number[]) => {
    if (d === shape.length) {
      if (typeof x === "boolean") out[pos++] = x ? 1 : 0;
      else if (typeof x === "number") out[pos++] = x;
      else throw new Error(`tensor(): expected a number at position [${path.join("][")}], got ${Array.isArray(x) ? "an array (ragged nesting)" : typeof x}`);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[d]) {
      throw new Error(`tensor(): ragged nested array: at [${path.join("][")}] expected ${shape[d]} elements (shape ${fmtShape(shape)}), got ${Array.isArray(x) ? x.length : typeof x}`);
    }
    x.forEach((v, i) => rec(v, d + 1, [...path, i]));
  };
  rec(data, 0, []);
}

function checkShape(shape: readonly number[], what: string): number[] {
  if (!Array.isArray(shape)) throw new Error(`${what}: shape must be an array of sizes, got ${typeof shape}`);
  shape.forEach((s) => {
    if (!Number.isInteger(s) || s < 0) throw new Error(`${what}: invalid shape ${fmtShape(shape)} (sizes must be non-negative integers)`);
  });
  return [...shape];
}

/**
 * A tensor from a number, nested arrays, or flat data with `shape`. The data is copied.
 * NaN and ±Infinity are allowed (gradcheck reports them).
 *
 * @example
 * const x = gw.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = gw.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
 */
export function tensor(data: NestedArray | Float32Array | ArrayLike<number> | Tensor, opts: TensorOptions = {}): Tensor {
  let storage: Float32Array;
  let shape: number[];
  if (data instanceof Tensor) {
    storage = data.toFloat32Array();
    shape = opts.shape ? checkShape(opts.shape, "tensor()") : [...data.shape];
  } else if (typeof data === "number" || typeof data === "boolean") {
    storage = new Float32Array([+data]);
    shape = opts.shape ? checkShape(opts.shape, "tensor()") : [];
  } else if (ArrayBuffer.isView(data) || (Array.isArray(data) && !data.some((v) => Array.isArray(v)) && opts.shape)) {
    storage = Float32Array.from(data as ArrayLike<number>);
    shape = opts.shape ? checkShape(opts.shape, "tensor()") : [storage.length];
  } else if (Array.isArray(data)) {
    const nested = inferNested(data as NestedArray);
    storage = new Float32Array(numel(nested));
    flattenNested(data as NestedArray, nested, storage);
    shape = opts.shape ? checkShape(opts.shape, "tensor()") : nested;
  } else {
    throw new Error(`tensor(): cannot make a tensor from ${data === null ? "null" : typeof data}`);
  }
  if (numel(shape) !== storage.length) {
    throw new Error(`tensor(): ${storage.length} data elements do not fit shape ${fmtShape(shape)} (${numel(shape)} elements)`);
  }
  const t = new Tensor(storage, shape);
  t.requiresGrad = !!opts.requiresGrad;
  return t;
}

/** Internal: a tensor from a fill function over the flat index. */
function make(shape: readonly number[], what: string, opts: CreateOptions, fill: (out: Float32Array) => void): Tensor {
  const s = checkShape(shape, what);
  const storage = allocChecked(s, what, (n) => backend().alloc(n));
  fill(storage);
  const t = new Tensor(storage, s);
  t.requiresGrad = !!opts.requiresGrad;
  return t;
}

/**
 * A tensor of zeros.
 *
 * @example
 * gw.zeros([2, 3]).shape; // [2, 3]
 */
export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return make(shape, "zeros", opts, () => {});
}

/** A tensor of ones. */
export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return make(shape, "ones", opts, (o) => o.fill(1));
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  return make(shape, "full", opts, (o) => o.fill(value));
}

/** Zeros shaped like `t`. */
export function zerosLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return zeros(t.shape, opts);
}

/** Ones shaped like `t`. */
export function onesLike(t: Tensor, opts: CreateOptions = {}): Tensor {
  return ones(t.shape, opts);
}

/**
 * Values start, start+step, … below end (`arange(n)` is 0…n−1).
 *
 * @example
 * gw.arange(1, 7, 2).toArray(); // [1, 3, 5]
 */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  return make([n], "arange", opts, (o) => {
    for (let i = 0; i < n; i++) o[i] = start + i * step;
  });
}

/**
 * `steps` evenly spaced values from a to b inclusive.
 *
 * @example
 * gw.linspace(0, 1, 5).toArray(); // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(a: number, b: number, steps: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${steps}`);
  return make([steps], "linspace", opts, (o) => {
    for (let i = 0; i < steps; i++) o[i] = steps === 1 ? a : a + ((b - a) * i) / (steps - 1);
  });
}

/** The n×m identity matrix (m = n by default). */
export function eye(n: number, m = n, opts: CreateOptions = {}): Tensor {
  return make([n, m], "eye", opts, (o) => {
    for (let i = 0; i < Math.min(n, m); i++) o[i * m + i] = 1;
  });
}

/**
 * Uniform samples in [0, 1) from the seeded global generator.
 *
 * @example
 * gw.manualSeed(1); gw.rand([2, 2]);
 */
export function rand(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  const g = randomGenerator();
  return make(shape, "rand", opts, (o) => {
    for (let i = 0; i < o.length; i++) o[i] = g.next();
  });
}

/** Standard normal samples from the seeded global generator. */
export function randn(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  const g = randomGenerator();
  return make(shape, "randn", opts, (o) => {
    for (let i = 0; i < o.length; i++) o[i] = g.normal();
  });
}

/**
 * Uniform integers in [low, high).
 *
 * @example
 * gw.randint(0, 10, [5]); // e.g. [3, 9, 0, 4, 4]
 */
export function randint(low: number, high: number, shape: readonly number[]): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new Error(`randint: need integers low < high, got ${low}, ${high}`);
  const g = randomGenerator();
  return make(shape, "randint", {}, (o) => {
    for (let i = 0; i < o.length; i++) o[i] = g.int(low, high);
  });
}
