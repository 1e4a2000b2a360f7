// The SGD step (Kernels.sgdUpdate) on the pool: WebAssembly SIMD in float32, the same operations in
// the same order as the reference loop (reference/optim.ts), hence identical results. Large
// parameters are split into ranges over the threads, medium ones run the SIMD loop on the calling
// thread, small ones (or arrays outside the shared memory) the reference loop.
import type { SgdArgs } from "../../backend";
import { checkSgdUpdate, sgdUpdateRange } from "../../reference/optim";
import { defineJob } from "../threads/job";
import type { ThreadPool } from "../threads/thread-pool";

declare module "../wasm-loader" {
  interface WasmExports {
    /** Elements [i0, i1) of one SGD step (b = 0: no momentum buffer; scalars: lr, weightDecay, momentum, 1 − dampening as f32). */
    sgdRange(p: number, g: number, b: number, i0: number, i1: number, scalars: number, flags: number): void;
  }
}

/** Below this many elements the reference loop runs (the call overhead would dominate). */
const INLINE_ELEMENTS = 1 << 12;
/** From this many elements on the step is split over the threads, in ranges of RANGE. */
const THREAD_ELEMENTS = 1 << 16;
const RANGE = 1 << 15;

const sgdJob = defineJob({
  name: "optim: sgd",
  fields: { p: "int", g: "int", b: "int", n: "int", scalars: "int", flags: "int" },
  run(f, t, ctx) {
    const i0 = t * RANGE;
    ctx.wasm.sgdRange(f.p, f.g, f.b, i0, Math.min(f.n, i0 + RANGE), f.scalars, f.flags);
  },
});

export function sgdUpdateCpu(pool: ThreadPool, param: Float32Array, grad: Float32Array, buf: Float32Array | null, a: SgdArgs): void {
  const n = param.length;
  const inHeap = [param, grad, buf].every((x) => !x || pool.heap.addressOf(x) >= 0);
  if (n < INLINE_ELEMENTS || !inHeap) return sgdUpdateRange(param, grad, buf, a, 0, n);
  const arena = pool.begin();
  const scalars = arena.floats(4);
  const f = Math.fround;
  new Float32Array(pool.memory.buffer, scalars, 4).set([f(a.lr), f(a.weightDecay), f(a.momentum), f(1 - a.dampening)]);
  const flags = (buf ? 1 : 0) | (a.fresh ? 2 : 0) | (a.nesterov ? 4 : 0) | (a.dampening ? 8 : 0) | (f(a.weightDecay) ? 16 : 0);
  const p = pool.heap.addressOf(param), g = pool.heap.addressOf(grad), b = buf ? pool.heap.addressOf(buf) : 0;
  if (n < THREAD_ELEMENTS) pool.ctx.wasm.sgdRange(p, g, b, 0, n, scalars, flags);
  else pool.run(sgdJob, { p, g, b, n, scalars, flags }, { tasks: Math.ceil(n / RANGE) });
  arena.finish();
}

export { checkSgdUpdate };
