// Per-channel kernels (channelSums, channelAffine) on the pool: WebAssembly SIMD in float64, the
// same operations in the same order as the reference loops, hence identical results. The sums are
// split over channels (each channel is summed whole by one task, in order), the affine map over
// chunks of rows; neither depends on the thread count.
import { checkChannelAffine, checkChannelSums, channelAffineRange, channelSumsRange } from "../../reference/channel";
import { defineJob } from "../threads/job";
import type { ThreadPool } from "../threads/thread-pool";
import type { Arena } from "../memory/arena";

declare module "../wasm-loader" {
  interface WasmExports {
    /** channelSums for channels [c0, c1) (y, shift: 0 when absent; shift and sums are float64). */
    channelSumsRange(x: number, y: number, shift: number, outer: number, channels: number, inner: number, c0: number, c1: number, sums: number): void;
    /** channelAffine for rows [r0, r1) of the outer·channels rows (v, b: 0 when absent; a, d, b are float64). */
    channelAffineRange(x: number, a: number, d: number, v: number, b: number, channels: number, inner: number, r0: number, r1: number, out: number): void;
  }
}

/** Below this many elements (of x) a call runs inline on the calling thread, in JavaScript. */
const INLINE_ELEMENTS = 1 << 15;
/** Elements per affine task (rounded to whole rows). */
const RANGE = 1 << 15;

const sumsJob = defineJob({
  name: "channel: sums",
  fields: { x: "int", y: "int", shift: "int", outer: "int", channels: "int", inner: "int", perTask: "int", out: "int" },
  run(f, t, ctx) {
    const c0 = t * f.perTask, c1 = Math.min(f.channels, c0 + f.perTask);
    ctx.wasm.channelSumsRange(f.x, f.y, f.shift, f.outer, f.channels, f.inner, c0, c1, f.out);
  },
});

const affineJob = defineJob({
  name: "channel: affine",
  fields: { x: "int", a: "int", d: "int", v: "int", b: "int", rows: "int", channels: "int", inner: "int", perTask: "int", out: "int", relu: "bool" },
  run(f, t, ctx) {
    const r0 = t * f.perTask, r1 = Math.min(f.rows, r0 + f.perTask);
    ctx.wasm.channelAffineRange(f.x, f.a, f.d, f.v, f.b, f.channels, f.inner, r0, r1, f.out);
    // the ReLU on these rows while they are in cache
    if (f.relu) ctx.wasm.reluRun(f.out + 4 * r0 * f.inner, f.out + 4 * r0 * f.inner, (r1 - r0) * f.inner);
  },
});

/** Byte address of a copy of `arr` in the arena (float64 parameters). */
function f64Input(pool: ThreadPool, arena: Arena, arr: Float64Array, count: number): number {
  const addr = arena.alloc(8 * Math.max(1, count));
  new Float64Array(pool.memory.buffer, addr, count).set(arr.subarray(0, count));
  return addr;
}

/** Whether a call on these arrays is worth the pool: large, and its tensors already in the shared memory. */
function worthThreads(pool: ThreadPool, total: number, arrays: (Float32Array | null)[]): boolean {
  return total >= INLINE_ELEMENTS && arrays.every((a) => !a || pool.heap.addressOf(a) >= 0);
}

export function channelSumsCpu(pool: ThreadPool, x: Float32Array, y: Float32Array | null, shift: Float64Array | null, outer: number, channels: number, inner: number, out: Float64Array): void {
  const total = outer * channels * inner;
  if (!worthThreads(pool, total, [x, y])) return channelSumsRange(x, y, shift, outer, channels, inner, 0, channels, out);
  const perTask = Math.max(1, Math.ceil(channels / (4 * pool.getThreads())));
  const arena = pool.begin();
  const sums = arena.alloc(16 * channels);
  const fields = {
    x: arena.input(x, 0, total), y: y ? arena.input(y, 0, total) : 0, shift: shift ? f64Input(pool, arena, shift, channels) : 0,
    outer, channels, inner, perTask, out: sums,
  };
  pool.run(sumsJob, fields, { tasks: Math.ceil(channels / perTask) });
  out.set(new Float64Array(pool.memory.buffer, sums, 2 * channels));
  arena.finish();
}

export function channelAffineCpu(pool: ThreadPool, x: Float32Array, a: Float64Array, d: Float64Array, v: Float32Array | null, b: Float64Array | null, outer: number, channels: number, inner: number, out: Float32Array, relu = false): void {
  const total = outer * channels * inner;
  if (!worthThreads(pool, total, [x, v, out])) return channelAffineRange(x, a, d, v, b, channels, inner, 0, outer * channels, out, relu);
  const rows = outer * channels;
  const perTask = Math.max(1, Math.floor(RANGE / Math.max(1, inner)));
  const arena = pool.begin();
  const fields = {
    x: arena.input(x, 0, total), a: f64Input(pool, arena, a, channels), d: f64Input(pool, arena, d, channels),
    v: v ? arena.input(v, 0, total) : 0, b: b ? f64Input(pool, arena, b, channels) : 0,
    rows, channels, inner, perTask, out: 0, relu,
  };
  // out may be x itself (an elementwise map reads each element before writing it)
  fields.out = out === x ? fields.x : arena.output(out, total);
  pool.run(affineJob, fields, { tasks: Math.ceil(rows / perTask) });
  arena.finish();
}

export { checkChannelAffine, checkChannelSums };
