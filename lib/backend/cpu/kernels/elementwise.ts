// Elementwise kernels (unary, binary, where) over strided views, split into output ranges.
// Every element follows the rules of semantics.ts (float64 math rounded on store), one loop per op
// so that each loop calls its rule directly (a call through a variable would be several times
// slower), hence results identical to the reference backend. Large calls on tensors that live in the shared memory (see memory/heap.ts) are split
// over the threads in place. Otherwise cheap ops (add, mul, relu, comparisons, ...) run inline on
// the caller's arrays, since copying costs as much as computing them, and only costly ops (exp,
// log, tanh, sin, cos, sqrt, pow) are copied into the shared memory and split.
import { numel } from "../../../common";
import type { BinaryOp, UnaryOp, View } from "../../backend";
import { BINARY, UNARY, where as choose } from "../../semantics";
import { defineJob, type Job, type JobFields } from "../threads/job";
import { refreshViews, type ThreadCtx } from "../threads/context";
import type { ThreadPool } from "../threads/thread-pool";

declare module "../wasm-loader" {
  interface WasmExports {
    /** ReLU over n contiguous floats. */
    reluRun(x: number, out: number, n: number): void;
    /** ReLU in place on `cols` floats of each of `rows` rows at c (row stride ldc floats). */
    reluRows(c: number, rows: number, cols: number, ldc: number): void;
    /** out = g * (x > 0) over n floats (strides gs, xs: 0 or 1). */
    reluBackwardRun(g: number, gs: number, x: number, xs: number, out: number, n: number): void;
    /** out = a op b over n floats, op 0..3 = + − × ÷ (strides as, bs: 0 or 1). */
    arithRun(op: number, a: number, as: number, b: number, bs: number, out: number, n: number): void;
  }
}

export const UNARY_OPS: readonly UnaryOp[] = ["copy", "neg", "exp", "log", "sqrt", "abs", "tanh", "sin", "cos", "sign", "relu"];
export const BINARY_OPS: readonly BinaryOp[] = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "gt", "lt", "ge", "le", "eq", "ne", "reluBackward"];

/** Below this many elements an op runs inline (no dispatch). */
const INLINE_ELEMENTS = 1 << 16;
/**
 * From this many elements an inline op on tensors that all live in the shared memory runs the
 * SIMD runs on the calling thread (batch-8 ConvNet: ReLU of 18,816 floats 55 → ~10 us).
 * GRADWORK_INLINE_SIMD=0 keeps such ops in JavaScript.
 */
const INLINE_SIMD_MIN = process.env.GRADWORK_INLINE_SIMD === "0" ? Infinity : 256;
/** Ops whose arithmetic costs much more than moving their data. */
const COSTLY = new Set<string>(["exp", "log", "tanh", "sin", "cos", "sqrt", "pow"]);
/** Elements per task. */
const RANGE = 1 << 15;

/** A view flattened to plain numbers: data, offset and strides over a shared (collapsed) shape. */
interface Operand {
  data: Float32Array;
  offset: number;
  strides: number[];
}

/** Merge dimensions that are contiguous for every operand and drop size-1 dimensions. */
function collapse(shape: readonly number[], views: readonly View[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = views.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && views.every((v, i) => outStrides[i][last] === v.strides[d] * shape[d])) {
      outShape[last] *= shape[d];
      views.forEach((v, i) => (outStrides[i][last] = v.strides[d]));
    } else {
      outShape.push(shape[d]);
      views.forEach((v, i) => outStrides[i].push(v.strides[d]));
    }
  }
  return { shape: outShape, strides: outStrides };
}

// ---- runs: one contiguous stretch of the innermost dimension

/**
 * ReLU over a contiguous stretch on the float bits, without branches (a compare-and-branch per
 * element mispredicts on signed data and runs ~4× slower): a word with the sign bit set becomes +0
 * unless it is a NaN. Same results as UNARY.relu.
 */
function reluContiguous(x: Float32Array, xi: number, out: Float32Array, o: number, len: number): void {
  const xb = new Int32Array(x.buffer, x.byteOffset + 4 * xi, len), ob = new Int32Array(out.buffer, out.byteOffset + 4 * o, len);
  for (let i = 0; i < len; i++) {
    const b = xb[i];
    // ~(b >> 31): all ones for a clear sign bit; the second term is all ones for a NaN (|b| > +Inf)
    ob[i] = b & (~(b >> 31) | ((0x7f800000 - (b & 0x7fffffff)) >> 31));
  }
}

function unaryRun(op: number, x: Float32Array, xi: number, xs: number, out: Float32Array, o: number, len: number): void {
  const end = o + len;
  const U = UNARY;
  switch (UNARY_OPS[op]) {
    case "copy": for (; o < end; o++, xi += xs) out[o] = U.copy(x[xi]); break;
    case "neg": for (; o < end; o++, xi += xs) out[o] = U.neg(x[xi]); break;
    case "exp": for (; o < end; o++, xi += xs) out[o] = U.exp(x[xi]); break;
    case "log": for (; o < end; o++, xi += xs) out[o] = U.log(x[xi]); break;
    case "sqrt": for (; o < end; o++, xi += xs) out[o] = U.sqrt(x[xi]); break;
    case "abs": for (; o < end; o++, xi += xs) out[o] = U.abs(x[xi]); break;
    case "tanh": for (; o < end; o++, xi += xs) out[o] = U.tanh(x[xi]); break;
    case "sin": for (; o < end; o++, xi += xs) out[o] = U.sin(x[xi]); break;
    case "cos": for (; o < end; o++, xi += xs) out[o] = U.cos(x[xi]); break;
    case "sign": for (; o < end; o++, xi += xs) out[o] = U.sign(x[xi]); break;
    case "relu":
      if (xs === 1 && len >= 64) reluContiguous(x, xi, out, o, len);
      else for (; o < end; o++, xi += xs) out[o] = U.relu(x[xi]);
      break;
    default: throw new Error(`unary: unknown op #${op}`);
  }
}

function binaryRun(op: number, a: Float32Array, ai: number, as: number, b: Float32Array, bi: number, bs: number, out: Float32Array, o: number, len: number): void {
  const end = o + len;
  const B = BINARY;
  switch (BINARY_OPS[op]) {
    case "add": for (; o < end; o++, ai += as, bi += bs) out[o] = B.add(a[ai], b[bi]); break;
    case "sub": for (; o < end; o++, ai += as, bi += bs) out[o] = B.sub(a[ai], b[bi]); break;
    case "mul": for (; o < end; o++, ai += as, bi += bs) out[o] = B.mul(a[ai], b[bi]); break;
    case "div": for (; o < end; o++, ai += as, bi += bs) out[o] = B.div(a[ai], b[bi]); break;
    case "pow": for (; o < end; o++, ai += as, bi += bs) out[o] = B.pow(a[ai], b[bi]); break;
    case "maximum": for (; o < end; o++, ai += as, bi += bs) out[o] = B.maximum(a[ai], b[bi]); break;
    case "minimum": for (; o < end; o++, ai += as, bi += bs) out[o] = B.minimum(a[ai], b[bi]); break;
    case "gt": for (; o < end; o++, ai += as, bi += bs) out[o] = B.gt(a[ai], b[bi]); break;
    case "lt": for (; o < end; o++, ai += as, bi += bs) out[o] = B.lt(a[ai], b[bi]); break;
    case "ge": for (; o < end; o++, ai += as, bi += bs) out[o] = B.ge(a[ai], b[bi]); break;
    case "le": for (; o < end; o++, ai += as, bi += bs) out[o] = B.le(a[ai], b[bi]); break;
    case "eq": for (; o < end; o++, ai += as, bi += bs) out[o] = B.eq(a[ai], b[bi]); break;
    case "ne": for (; o < end; o++, ai += as, bi += bs) out[o] = B.ne(a[ai], b[bi]); break;
    case "reluBackward": for (; o < end; o++, ai += as, bi += bs) out[o] = B.reluBackward(a[ai], b[bi]); break;
    default: throw new Error(`binary: unknown op #${op}`);
  }
}

type Run = (ops: Operand[], offs: number[], inner: number[], out: Float32Array, o: number, len: number) => void;

/** Walk output elements [i0, i1) of `shape` (row-major), calling `run` once per innermost stretch. */
function walkRange(shape: number[], ops: Operand[], out: Float32Array, outOffset: number, i0: number, i1: number, run: Run): void {
  const nd = shape.length;
  if (nd === 0) {
    if (i0 < i1) run(ops, ops.map((v) => v.offset), ops.map(() => 0), out, outOffset, 1);
    return;
  }
  // multi-index of i0
  const idx = new Array<number>(nd).fill(0);
  for (let d = nd - 1, r = i0; d >= 0; d--) {
    idx[d] = r % shape[d];
    r = Math.floor(r / shape[d]);
  }
  const offs = ops.map((v) => {
    let o = v.offset;
    for (let d = 0; d < nd; d++) o += idx[d] * v.strides[d];
    return o;
  });
  const inner = ops.map((v) => v.strides[nd - 1]);
  const n = shape[nd - 1];
  let i = i0;
  while (i < i1) {
    const len = Math.min(n - idx[nd - 1], i1 - i);
    run(ops, offs, inner, out, outOffset + i, len);
    i += len;
    for (let k = 0; k < ops.length; k++) offs[k] += len * inner[k];
    idx[nd - 1] += len;
    // carry
    for (let d = nd - 1; d > 0 && idx[d] === shape[d]; d--) {
      idx[d] = 0;
      idx[d - 1]++;
      for (let k = 0; k < ops.length; k++) offs[k] += ops[k].strides[d - 1] - shape[d] * ops[k].strides[d];
    }
  }
}

const runners = {
  unary: (op: number): Run => (v, offs, inner, out, o, len) => unaryRun(op, v[0].data, offs[0], inner[0], out, o, len),
  binary: (op: number): Run => (v, offs, inner, out, o, len) => binaryRun(op, v[0].data, offs[0], inner[0], v[1].data, offs[1], inner[1], out, o, len),
  where: (): Run => (v, offs, inner, out, o, len) => {
    const c = v[0].data, a = v[1].data, b = v[2].data;
    let ci = offs[0], ai = offs[1], bi = offs[2];
    for (const end = o + len; o < end; o++, ci += inner[0], ai += inner[1], bi += inner[2]) out[o] = choose(c[ci], a[ai], b[bi]);
  },
};

/**
 * out (rows×cols, contiguous) = a strided 2-D view, in 32×32 tiles so that a transposed read
 * (e.g. a weight gradient arriving as a transpose) stays in cache instead of striding over it.
 */
function copyTransposed(x: Float32Array, off: number, rows: number, cols: number, rs: number, cs: number, out: Float32Array): void {
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let j = j0; j < j1; j++) {
        for (let i = i0, xi = off + i0 * rs + j * cs, o = i0 * cols + j; i < i1; i++, xi += rs, o += cols) out[o] = x[xi];
      }
    }
  }
}

/** An operand this small (e.g. a broadcast scalar) is cheap to copy into the shared memory. */
const SMALL_OPERAND = 4096;

function spanSize(v: View, shape: readonly number[]): number {
  const [lo, hi] = span(v, shape);
  return hi - lo + 1;
}

/** Smallest and largest element offsets a view touches. */
function span(v: View, shape: readonly number[]): [number, number] {
  let lo = v.offset, hi = v.offset;
  for (let d = 0; d < shape.length; d++) {
    const s = (shape[d] - 1) * v.strides[d];
    if (s < 0) lo += s;
    else hi += s;
  }
  return [lo, hi];
}

/** Most (collapsed) dimensions a threaded elementwise job takes; more run on the calling thread. */
const MAX_DIMS = 32;
/** Most operands (where has three). */
const MAX_OPERANDS = 3;

/** The fields of the elementwise jobs: the op, the collapsed shape, and per operand its address, offset and strides. */
const ELEMENTWISE_FIELDS = {
  /** Index into UNARY_OPS or BINARY_OPS. */
  op: "int",
  dims: "int", total: "int", operands: "int", out: "int",
  shape: { ints: MAX_DIMS },
  /** Byte address of each operand's data, and its offset in floats. */
  data: { ints: MAX_OPERANDS }, offset: { ints: MAX_OPERANDS },
  /** Operand i's strides at [i*dims, (i+1)*dims). */
  strides: { ints: MAX_OPERANDS * MAX_DIMS },
} as const;
type ElementwiseFields = JobFields<typeof ELEMENTWISE_FIELDS>;
type ElementwiseJob = Job<typeof ELEMENTWISE_FIELDS>;

function elementwise(pool: ThreadPool, job: ElementwiseJob, op: number, views: View[], out: Float32Array, run: Run, costly: boolean): void {
  const shape = views[0].shape;
  const total = numel(shape);
  if (total === 0) return;
  const c = collapse(shape, views);
  // threads when the work is worth a dispatch: tensors already in the shared memory (no copies),
  // or a costly op whose arithmetic outweighs copying
  const inHeap = pool.heap.addressOf(out) >= 0 && views.every((v) => pool.heap.addressOf(v.data) >= 0 || spanSize(v, shape) <= SMALL_OPERAND);
  // (one thread: still worth it in the heap, for the SIMD runs)
  if (total < INLINE_ELEMENTS && total >= INLINE_SIMD_MIN && c.shape.length <= MAX_DIMS && job !== whereJob && inlineSimd(pool, job, op, views, c, out, total)) return;
  if (total < INLINE_ELEMENTS || !(inHeap || (costly && pool.getThreads() > 1)) || c.shape.length > MAX_DIMS) {
    if (job === unaryJob && UNARY_OPS[op] === "copy" && c.shape.length === 2 && c.strides[0][1] !== 1 && total >= 4096) {
      return copyTransposed(views[0].data, views[0].offset, c.shape[0], c.shape[1], c.strides[0][0], c.strides[0][1], out);
    }
    const ops = views.map((v, i) => ({ data: v.data, offset: v.offset, strides: c.strides[i] }));
    walkRange(c.shape, ops, out, 0, 0, total, run);
    return;
  }
  const arena = pool.begin();
  const nd = c.shape.length;
  const ptrs = views.map((v) => {
    const [lo, hi] = span(v, shape);
    return { ptr: arena.input(v.data, lo, hi - lo + 1), lo };
  });
  const outPtr = arena.output(out, total);
  const fields = {
    op, dims: nd, total, operands: views.length, out: outPtr, shape: c.shape,
    data: ptrs.map((p) => p.ptr), offset: views.map((v, i) => v.offset - ptrs[i].lo), strides: c.strides.flat(),
  };
  pool.run(job, fields, { tasks: Math.ceil(total / RANGE) });
  arena.finish();
}

/**
 * Run a small op on the calling thread with the SIMD runs when out and every operand live in the
 * shared memory and out overlaps no operand (the same results: the runs follow semantics.ts).
 * Returns false (nothing done) otherwise.
 */
function inlineSimd(pool: ThreadPool, job: ElementwiseJob, op: number, views: View[], c: { shape: number[]; strides: number[][] }, out: Float32Array, total: number): boolean {
  const heap = pool.heap, outAt = heap.addressOf(out);
  if (outAt < 0) return false;
  const ctx = pool.ctx, shape = views[0].shape;
  const ops: Operand[] = [];
  for (let i = 0; i < views.length; i++) {
    const v = views[i], at = heap.addressOf(v.data);
    if (at < 0) return false;
    const [lo, hi] = span(v, shape);
    if (at + 4 * lo < outAt + 4 * total && outAt < at + 4 * (hi + 1)) return false;
    ops.push({ data: ctx.f32, offset: (at >> 2) + v.offset, strides: c.strides[i] });
  }
  refreshViews(ctx);
  for (const o of ops) o.data = ctx.f32;
  walkRange(c.shape, ops, ctx.f32, outAt >> 2, 0, total, job === unaryJob ? simdUnary(ctx, op) : simdBinary(ctx, op));
  return true;
}

/** Task: output elements [t*RANGE, (t+1)*RANGE) of the job. */
function elementwiseTask(f: ElementwiseFields, t: number, ctx: ThreadCtx, run: Run): void {
  const nd = f.dims;
  const ops: Operand[] = [];
  for (let i = 0; i < f.operands; i++) {
    const strides: number[] = [];
    for (let d = 0; d < nd; d++) strides.push(f.strides[i * nd + d]);
    ops.push({ data: ctx.f32, offset: (f.data[i] >> 2) + f.offset[i], strides });
  }
  const shape: number[] = [];
  for (let d = 0; d < nd; d++) shape.push(f.shape[d]);
  walkRange(shape, ops, ctx.f32, f.out >> 2, t * RANGE, Math.min(f.total, (t + 1) * RANGE), run);
}

export function unaryCpu(pool: ThreadPool, op: UnaryOp, x: View, out: Float32Array): void {
  const code = UNARY_OPS.indexOf(op);
  if (code < 0) throw new Error(`unary: unknown op "${op}"`);
  elementwise(pool, unaryJob, code, [x], out, runners.unary(code), COSTLY.has(op));
}

export function binaryCpu(pool: ThreadPool, op: BinaryOp, a: View, b: View, out: Float32Array): void {
  const code = BINARY_OPS.indexOf(op);
  if (code < 0) throw new Error(`binary: unknown op "${op}"`);
  elementwise(pool, binaryJob, code, [a, b], out, runners.binary(code), COSTLY.has(op));
}

export function whereCpu(pool: ThreadPool, cond: View, a: View, b: View, out: Float32Array): void {
  elementwise(pool, whereJob, 0, [cond, a, b], out, runners.where(), false);
}

const ARITH = ["add", "sub", "mul", "div"]; // op codes of arithRun in wasm/elementwise.ts
const unitStride = (s: number) => s === 0 || s === 1;

/**
 * Inside a task every operand lives in the shared memory, so contiguous stretches of the hottest
 * ops (ReLU and its backward, + − × ÷) run in the SIMD kernels; other stretches use `fallback`.
 */
function simdUnary(ctx: ThreadCtx, op: number): Run {
  const fallback = runners.unary(op);
  if (UNARY_OPS[op] !== "relu") return fallback;
  const w = ctx.wasm;
  return (v, offs, inner, out, o, len) => (inner[0] === 1 ? w.reluRun(4 * offs[0], 4 * o, len) : fallback(v, offs, inner, out, o, len));
}

function simdBinary(ctx: ThreadCtx, op: number): Run {
  const fallback = runners.binary(op);
  const w = ctx.wasm;
  if (BINARY_OPS[op] === "reluBackward") {
    return (v, offs, inner, out, o, len) =>
      unitStride(inner[0]) && unitStride(inner[1]) ? w.reluBackwardRun(4 * offs[0], inner[0], 4 * offs[1], inner[1], 4 * o, len) : fallback(v, offs, inner, out, o, len);
  }
  const code = ARITH.indexOf(BINARY_OPS[op]);
  if (code < 0) return fallback;
  return (v, offs, inner, out, o, len) =>
    unitStride(inner[0]) && unitStride(inner[1]) ? w.arithRun(code, 4 * offs[0], inner[0], 4 * offs[1], inner[1], 4 * o, len) : fallback(v, offs, inner, out, o, len);
}

const unaryJob = defineJob({ name: "elementwise: unary", fields: ELEMENTWISE_FIELDS, run: (f, t, ctx) => elementwiseTask(f, t, ctx, simdUnary(ctx, f.op)) });
const binaryJob = defineJob({ name: "elementwise: binary", fields: ELEMENTWISE_FIELDS, run: (f, t, ctx) => elementwiseTask(f, t, ctx, simdBinary(ctx, f.op)) });
const whereJob = defineJob({ name: "elementwise: where", fields: ELEMENTWISE_FIELDS, run: (f, t, ctx) => elementwiseTask(f, t, ctx, runners.where()) });
