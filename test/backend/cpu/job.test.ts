// Typed job declarations (lib/backend/cpu/threads/job.ts): fields written by the calling thread
// and read by the tasks, one declaration per job; bad values and unknown jobs fail with clear errors.
import { afterAll, describe, expect, it } from "vitest";
import { defineJob } from "../../../lib/backend/cpu/threads/job";
import { ThreadPool } from "../../../lib/backend/cpu/threads/thread-pool";
import { loadKernels } from "../../../lib/backend/cpu/wasm-loader";

const kernels = loadKernels();
if (typeof kernels === "string") throw new Error(`the cpu backend cannot run here: ${kernels}`);
const pool = new ThreadPool(kernels, 2);
afterAll(() => pool.setThreads(1));

/** Every task writes out[t] = scale * t + shift[t % 2] (+ 1000 when `flag`). */
const affine = defineJob({
  name: "test: affine",
  fields: { out: "int", scale: "int", flag: "bool", shift: { ints: 4 } },
  run(f, t, ctx) {
    ctx.i32[(f.out >> 2) + t] = f.scale * t + f.shift[t % 2] + (f.flag ? 1000 : 0);
  },
});

describe("defineJob", () => {
  it("passes named int, bool and array fields to every task", () => {
    for (const flag of [false, true]) {
      const arena = pool.begin();
      const out = arena.alloc(4 * 10);
      pool.run(affine, { out, scale: -3, flag, shift: [7, 11] }, { tasks: 10, threads: 1 });
      const got = Array.from(new Int32Array(pool.memory.buffer, out, 10));
      expect(got).toEqual(Array.from({ length: 10 }, (_, t) => -3 * t + [7, 11][t % 2] + (flag ? 1000 : 0)));
    }
  });

  it("rejects a second job of the same name, values of the wrong kind and arrays too long for their room", () => {
    expect(() => defineJob({ name: "test: affine", fields: {}, run() {} })).toThrow(/job "test: affine" is declared twice/);
    // @ts-expect-error -- a boolean field given a number
    expect(() => pool.run(affine, { out: 0, scale: 1, flag: 1, shift: [] }, { tasks: 1, threads: 1 })).toThrow(/field flag must be a boolean/);
    expect(() => pool.run(affine, { out: 0, scale: 1, flag: false, shift: [1, 2, 3, 4, 5] }, { tasks: 1, threads: 1 })).toThrow(/field shift has 5 values, room for 4/);
    expect(() => defineJob({ name: "test: huge", fields: { a: { ints: 5000 } }, run() {} })).toThrow(/needs 5000 slots/);
  });

  it("names a job the worker threads do not know (declared outside kernels/)", () => {
    const arena = pool.begin();
    const out = arena.alloc(4 * 64);
    // the main thread does not wait for a worker still asleep, which then skips the job: run it
    // until a worker takes part (it spins awake for a while after each job)
    let error: unknown = null;
    for (let i = 0; i < 2000 && !error; i++) {
      try {
        pool.run(affine, { out, scale: 1, flag: false, shift: [0, 0] }, { tasks: 64, threads: 2 });
      } catch (e) {
        error = e;
      }
    }
    expect(String(error)).toMatch(/unknown job id .*not loaded on this thread/);
  });
});
