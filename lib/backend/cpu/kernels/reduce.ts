// Reductions of the middle axis of [outer, size, inner]. The rules and order of semantics.ts, as in
// the reference (float64 sums, NaN wins, first maximum wins), hence identical results.
import type { ReduceOp } from "../../backend";
import { beatsMax, beatsMin, sumContiguous } from "../../semantics";
import { defineJob } from "../threads/job";
import type { ThreadPool } from "../threads/thread-pool";

const OPS: readonly ReduceOp[] = ["sum", "max", "min", "argmax", "argmin"];

/**
 * Reduce outer block o, inner columns [i0, i1). Rows are visited in order s = 0..size-1 so
 * each output sees the same sequence as in the reference.
 */
function reduceBlock(op: number, x: Float32Array, xo: number, size: number, inner: number, o: number, i0: number, i1: number, out: Float32Array, oo: number): void {
  const base = xo + o * size * inner, dst = oo + o * inner;
  const name = OPS[op];
  if (name === "sum") {
    if (inner === 1) {
      out[dst] = sumContiguous(x, base, size);
      return;
    }
    const acc = new Float64Array(i1 - i0);
    for (let s = 0; s < size; s++) {
      const row = base + s * inner + i0;
      for (let i = 0; i < acc.length; i++) acc[i] += x[row + i];
    }
    for (let i = 0; i < acc.length; i++) out[dst + i0 + i] = acc[i];
    return;
  }
  const beats = name === "max" || name === "argmax" ? beatsMax : beatsMin, wantIndex = name === "argmax" || name === "argmin";
  for (let i = i0; i < i1; i++) {
    let p = base + i;
    let best = x[p], at = 0;
    for (let s = 1; s < size; s++) {
      const v = x[(p += inner)];
      if (beats(v, best)) {
        best = v;
        at = s;
      }
    }
    out[dst + i] = wantIndex ? at : best;
  }
}

/** Below this many input elements a reduction runs on the calling thread. */
const INLINE_ELEMENTS = 1 << 16;

/** A task reduces `outersPerTask` outer blocks, columns [i0, i0+innerChunk) of each. */
const reduceJob = defineJob({
  name: "reduce",
  fields: { op: "int", outer: "int", size: "int", inner: "int", x: "int", out: "int", outersPerTask: "int", innerChunk: "int" },
  run(f, t, ctx) {
    const { outer, inner, outersPerTask: opt, innerChunk: ic } = f;
    const nic = Math.ceil(inner / ic);
    const o0 = Math.floor(t / nic) * opt, i0 = (t % nic) * ic, i1 = Math.min(inner, i0 + ic);
    for (let o = o0; o < Math.min(outer, o0 + opt); o++) reduceBlock(f.op, ctx.f32, f.x >> 2, f.size, inner, o, i0, i1, ctx.f32, f.out >> 2);
  },
});

/**
 * Reductions are memory-bound: they run on the calling thread, except large ones whose input
 * already lives in the shared memory, which are split over the threads by output ranges
 * (each output is still computed by one thread in the same order: identical results).
 */
export function reduceCpu(pool: ThreadPool, op: ReduceOp, x: Float32Array, outer: number, size: number, inner: number, out: Float32Array): void {
  const code = OPS.indexOf(op);
  if (code < 0) throw new Error(`reduce: unknown op "${op}"`);
  const threads = pool.getThreads();
  const total = outer * size * inner;
  // (the output is small: when it is an ordinary array, it is written to the shared memory and copied back)
  if (threads === 1 || total < INLINE_ELEMENTS || pool.heap.addressOf(x) < 0 || outer * inner < 2) {
    for (let o = 0; o < outer; o++) reduceBlock(code, x, 0, size, inner, o, 0, inner, out, 0);
    return;
  }
  // tasks: blocks of whole outer rows when there are plenty, else chunks of the inner columns
  let opt = 1, ic = inner;
  if (outer >= 4 * threads) opt = Math.ceil(outer / (8 * threads));
  else ic = Math.max(1, Math.ceil(inner / Math.ceil((8 * threads) / outer)));
  const arena = pool.begin();
  const fields = { op: code, outer, size, inner, x: arena.input(x, 0, total), out: arena.output(out, outer * inner), outersPerTask: opt, innerChunk: ic };
  pool.run(reduceJob, fields, { tasks: Math.ceil(outer / opt) * Math.ceil(inner / ic) });
  arena.finish();
}
