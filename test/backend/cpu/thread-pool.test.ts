// The worker pool: many consecutive/interleaved jobs, errors inside kernels, thread-count
// changes, and a script using the pool exits at once.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { GemmArgs } from "../../../lib/backend/backend";
import { referenceBackend } from "../../../lib/backend/reference";
import { __failJobForTests, cpuBackend, getNumThreads, setNumThreads } from "../../../lib/backend/cpu";
import { loadKernels } from "../../../lib/backend/cpu/wasm-loader";
import { ThreadPool } from "../../../lib/backend/cpu/threads/thread-pool";
import { failJob } from "../../../lib/backend/cpu/threads/job";
import { waitWhile } from "../../../lib/backend/cpu/threads/control";
import { sweepIntervalBytes } from "../../../lib/backend/cpu/memory/heap";
import { cpuPressure, spinFor } from "../../../lib/backend/cpu/share";
import { expectClose, expectIdentical, randomArray } from "./helpers";

const root = resolve(__dirname, "../../..");
const initialThreads = getNumThreads();
afterAll(() => setNumThreads(initialThreads));

function gemm(m: number, n: number, k: number, seed: number): GemmArgs {
  return {
    batch: 1, m, n, k, a: randomArray(m * k, seed), aOffset: 0, aBatchStride: 0, transA: false,
    b: randomArray(k * n, seed + 1), bOffset: 0, bBatchStride: 0, transB: false, out: new Float32Array(m * n),
  };
}

function checkGemm(m: number, n: number, k: number, seed: number): void {
  const g = gemm(m, n, k, seed);
  const expected = new Float32Array(m * n);
  referenceBackend.matmul({ ...g, out: expected });
  cpuBackend.matmul(g);
  expectClose(g.out, expected, 1e-6 * k + 1e-5);
}

describe("cpu backend thread pool", () => {
  it("runs many consecutive jobs of different kinds and sizes correctly", () => {
    setNumThreads(2);
    for (let i = 0; i < 200; i++) {
      const g = gemm(20 + (i % 7) * 13, 30 + (i % 5) * 17, 64 + i, i);
      const expected = new Float32Array(g.m * g.n);
      referenceBackend.matmul({ ...g, out: expected });
      cpuBackend.matmul(g);
      expectClose(g.out, expected, 1e-4, 0, `job ${i}`);
      const x = randomArray(70000, i), y1 = new Float32Array(70000), y2 = new Float32Array(70000);
      const v = { data: x, offset: 0, shape: [70000], strides: [1] };
      cpuBackend.unary("tanh", v, y1);
      referenceBackend.unary("tanh", v, y2);
      expectIdentical(y1, y2, `tanh job ${i}`);
    }
  });

  it("gives the same results whether a worker is awake, waking up or asleep when a job starts", () => {
    // the main thread closes the gate of a worker that has not woken up yet and runs its tasks
    // itself; gaps of 0 to ~3.3 ms between jobs hit every phase of the workers' spin (2 ms by
    // default, GRADWORK_SPIN_MS) and sleep
    setNumThreads(3);
    const g = gemm(64, 120, 400, 5);
    cpuBackend.matmul(g);
    const first = g.out.slice();
    const spin = (us: number) => {
      const until = performance.now() + us / 1000;
      while (performance.now() < until);
    };
    for (let i = 0; i < 300; i++) {
      spin((i * 113) % 3300);
      g.out.fill(NaN);
      cpuBackend.matmul(g);
      expectIdentical(g.out, first, `job ${i}`);
    }
  });

  it("interleaves jobs from concurrent async tasks and thread-count changes", async () => {
    const worker = async (id: number) => {
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setImmediate(r));
        if (id === 0) setNumThreads(1 + (i % 3));
        checkGemm(150, 97, 130, id * 100 + i);
      }
    };
    await Promise.all([0, 1, 2, 3].map(worker));
  });

  it("parks the workers beyond a lowered thread count (they take no task) and wakes the same ones when it rises", () => {
    const kernels = loadKernels();
    if (typeof kernels === "string") throw new Error(kernels);
    const pool = new ThreadPool(kernels, 3);
    try {
      const workers = () => (pool as unknown as { workers: { worker: { threadId: number } }[] }).workers.map((w) => w.worker.threadId);
      // failJob throws in any task run by `thread`. A job does not wait for a worker that has not
      // woken up yet (on a loaded machine that can take milliseconds), so a working thread is one
      // that takes a task within some jobs, and a parked one never takes any.
      const takesPart = (thread: number, jobs: number): boolean => {
        for (let j = 0; j < jobs; j++) {
          try {
            pool.run(failJob, { thread, spinUs: 100 }, { tasks: 64 });
          } catch (e) {
            expect(String(e)).toMatch(new RegExp(`on thread ${thread}`));
            return true;
          }
        }
        return false;
      };
      expect(takesPart(2, 200), "3 threads: worker 2 takes part").toBe(true);
      const booted = workers();
      expect(booted).toHaveLength(2);
      pool.setThreads(2);
      expect(takesPart(2, 20), "parked at 2 threads: never a task on thread 2").toBe(false);
      expect(takesPart(1, 200), "worker 1 still works").toBe(true);
      pool.setThreads(1);
      expect(takesPart(2, 2)).toBe(false);
      pool.setThreads(3);
      expect(takesPart(2, 200), "back at 3 threads").toBe(true);
      expect(workers(), "the same workers, none booted again").toEqual(booted);
    } finally {
      pool.close();
    }
    expect(() => pool.run(failJob, { thread: 1, spinUs: 0 }, { tasks: 8 }), "closed: the main thread runs every task").not.toThrow();
  });

  it("surfaces an exception thrown inside a worker as an Error, then keeps working", () => {
    setNumThreads(2);
    expect(() => __failJobForTests(1, 64)).toThrow(/worker thread failed: deliberate failure in task \d+ on thread 1/);
    checkGemm(300, 200, 100, 1);
    expect(() => __failJobForTests(-1, 64)).toThrow(/deliberate failure/);
    checkGemm(301, 199, 101, 2);
  });

  it("surfaces an exception thrown on the calling thread and keeps working", () => {
    setNumThreads(3);
    expect(() => __failJobForTests(0, 64)).toThrow(/deliberate failure in task \d+ on thread 0/);
    checkGemm(256, 256, 256, 3);
  });

  it("rejects bad thread counts and bad kernel arguments with clear errors", () => {
    expect(() => setNumThreads(0)).toThrow(/between 1 and/);
    expect(() => setNumThreads(1.5)).toThrow(/got 1.5/);
    const g = gemm(10, 10, 10, 1);
    expect(() => cpuBackend.matmul({ ...g, out: new Float32Array(5) })).toThrow(/out \(1×10×10\) has 5 elements but the shapes need 100/);
    const p = { n: 1, c: 3, h: 4, w: 4, cOut: 4, kh: 3, kw: 3, groups: 2, strideH: 1, strideW: 1, padH: 0, padW: 0, dilH: 1, dilW: 1, outH: 2, outW: 2 };
    expect(() => cpuBackend.conv2d(new Float32Array(48), new Float32Array(100), null, p, new Float32Array(16))).toThrow(/divisible by groups/);
  });

  it("reports why it cannot run where the kernels are missing", () => {
    expect(loadKernels(join(root, "no-such-dir"))).toMatch(/not built/);
  });

  it("computes the same products with the plain-SIMD kernels (no relaxed SIMD)", async () => {
    const script = `
      const cpu = require(${JSON.stringify(join(root, "dist/backend/cpu/index.js"))});
      const { referenceBackend } = require(${JSON.stringify(join(root, "dist/backend/reference/index.js"))});
      cpu.setNumThreads(2);
      const m = 70, n = 50, k = 300, a = new Float32Array(m * k).map((_, i) => Math.sin(i)), b = new Float32Array(k * n).map((_, i) => Math.cos(i));
      const g = (out) => ({ batch: 1, m, n, k, a, aOffset: 0, aBatchStride: 0, transA: false, b, bOffset: 0, bBatchStride: 0, transB: true, out });
      const o1 = new Float32Array(m * n), o2 = new Float32Array(m * n);
      cpu.cpuBackend.matmul(g(o1)); referenceBackend.matmul(g(o2));
      let err = 0; for (let i = 0; i < o1.length; i++) err = Math.max(err, Math.abs(o1[i] - o2[i]));
      console.log(JSON.stringify({ relaxed: cpu.cpuBackendInfo().relaxedSimd, err }));`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["-e", script], { env: { ...process.env, GRADWORK_RELAXED_SIMD: "0" }, stdio: ["ignore", "pipe", "inherit"] });
      let stdout = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`child exited with ${code}`))));
    });
    const r = JSON.parse(out);
    expect(r.relaxed).toBe(false);
    expect(r.err).toBeLessThan(1e-3);
  });

  it("lets a script that used the pool exit promptly", async () => {
    const script = `
      const cpu = require(${JSON.stringify(join(root, "dist/backend/cpu/index.js"))});
      cpu.setNumThreads(2);
      const n = 256, a = new Float32Array(n * n).fill(1);
      const out = new Float32Array(n * n);
      cpu.cpuBackend.matmul({ batch: 1, m: n, n, k: n, a, aOffset: 0, aBatchStride: 0, transA: false, b: a, bOffset: 0, bBatchStride: 0, transB: false, out });
      if (out[0] !== n) throw new Error("wrong result " + out[0]);
      console.log("done " + Date.now());`;
    const started = Date.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "", stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
    const exited = Date.now();
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const doneAt = Number(/done (\d+)/.exec(stdout)![1]);
    expect(exited - doneAt).toBeLessThan(1000); // no waiting for idle workers
    expect(exited - started).toBeLessThan(3000);
  });
});

describe("a put-off heap sweep and the jobs that hide it", () => {
  it("waits through short jobs and runs during the next long one (hidesSweep), on the main thread while the workers compute", () => {
    const kernels = loadKernels();
    if (typeof kernels === "string") throw new Error(kernels);
    const MiB = 2 ** 20, limit = 64 * MiB;
    const pool = new ThreadPool(kernels, 2, { value: limit, source: "test", detail: "a test pool" });
    try {
      expect(pool.heap.overlapSweeps).toBe(true);
      // drop tensors until a sweep is due (a nursery on Node 26, the full-sweep slack on Node 20)
      const due = sweepIntervalBytes(limit);
      for (let b = 0; b <= due; b += MiB) pool.allocTensor(MiB / 4, true);
      const sweeps = () => pool.heap.stats().sweeps;
      expect(sweeps(), "put off").toBe(0);
      // failJob with no failing thread: every task spins for spinUs
      const spin = { thread: 99, spinUs: 50 };
      for (let i = 0; i < 5; i++) pool.run(failJob, spin, { tasks: 8 });
      expect(sweeps(), "short jobs leave it").toBe(0);
      pool.run(failJob, spin, { tasks: 8, threads: 1, hidesSweep: true });
      expect(sweeps(), "a long job on one thread has no workers to overlap").toBe(0);
      pool.run(failJob, spin, { tasks: 8, hidesSweep: true });
      expect(sweeps(), "a long job on the threads runs it").toBe(1);
      expect(pool.heap.stats().tensorBytes, "and it freed the dropped tensors").toBeLessThan(due / 2);
      pool.run(failJob, spin, { tasks: 8, hidesSweep: true });
      expect(sweeps(), "once").toBe(1);
    } finally {
      pool.close();
    }
  });
});

describe("waiting threads busy-wait, then sleep (GRADWORK_SPIN_MS)", () => {
  const kernels = loadKernels();
  if (typeof kernels === "string") throw new Error(kernels);
  const heap = { value: 64 * 2 ** 20, source: "test", detail: "a test pool" };
  /** CPU time (ms) this process uses over `ms` of wall time while the test's thread sleeps. */
  const idleCpu = async (ms: number): Promise<number> => {
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, ms));
    const d = process.cpuUsage(before);
    return (d.user + d.system) / 1000;
  };
  /** Run 20 short jobs (8 tasks of 20 µs each) on `pool`, so that its worker has just taken part. */
  const runJobs = (pool: ThreadPool): void => {
    for (let i = 0; i < 20; i++) pool.run(failJob, { thread: 99, spinUs: 20 }, { tasks: 8 });
  };

  it("a worker waits for the next job on its core for spinMs, then sleeps", async () => {
    const fixed = (ms: number) => ({ value: ms, auto: false, source: "test", detail: `${ms} ms` });
    const spinning = new ThreadPool(kernels, 2, heap, fixed(2000));
    const sleepy = new ThreadPool(kernels, 2, heap, fixed(5));
    try {
      runJobs(spinning);
      runJobs(sleepy);
      // the sleepy pool's worker stopped within 5 ms; the spinning pool's keeps a core busy
      const busy = await idleCpu(500);
      expect(busy, "a worker spinning up to 2 s uses CPU while idle").toBeGreaterThan(150);
      spinning.close();
      await new Promise((r) => setTimeout(r, 50));
      runJobs(sleepy);
      const idle = await idleCpu(500);
      expect(idle, "a worker spinning up to 5 ms sleeps after it").toBeLessThan(100);
    } finally {
      spinning.close();
      sleepy.close();
    }
  });

  it("by default, spins only while the machine is not busy: none while other work waits for the CPUs", async () => {
    const pool = new ThreadPool(kernels, 2, heap, { value: 2000, auto: true, source: "test", detail: "auto" });
    try {
      let pressure = { waitingPercent: 38, load1: 2.9, cpus: 2 };
      pool.pressureProbe = () => pressure;
      runJobs(pool);
      expect(pool.spinNow(), "another busy process: no spin").toBe(0);
      expect(await idleCpu(500), "so the worker sleeps at once").toBeLessThan(100);
      pressure = { waitingPercent: 2, load1: 1.9, cpus: 2 };
      (pool as unknown as { spinCheckAt: number }).spinCheckAt = -Infinity; // (it looks once a second)
      runJobs(pool);
      expect(pool.spinNow(), "only our own threads: the full spin").toBe(2000);
      expect(await idleCpu(500), "and the worker spins for the next job").toBeGreaterThan(150);
    } finally {
      pool.close();
    }
  });

  it("spinFor: no spin while tasks wait for a CPU >10 % of the time (PSI), or without PSI, while the load exceeds the CPUs by a half", () => {
    expect(spinFor(2, { waitingPercent: 2, load1: 9, cpus: 2 })).toBe(2);
    expect(spinFor(2, { waitingPercent: 10.5, load1: 0, cpus: 2 })).toBe(0);
    expect(spinFor(2, { waitingPercent: null, load1: 2.5, cpus: 2 })).toBe(2);
    expect(spinFor(2, { waitingPercent: null, load1: 2.51, cpus: 2 })).toBe(0);
    expect(spinFor(2, { waitingPercent: null, load1: 40, cpus: 64 })).toBe(2);
  });

  it("cpuPressure reads PSI when the file is there, null when not", () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-psi-"));
    try {
      writeFileSync(join(dir, "cpu"), "some avg10=12.63 avg60=18.19 avg300=9.23 total=2371426743\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
      const p = cpuPressure(join(dir, "cpu"));
      expect(p.waitingPercent).toBe(12.63);
      expect(p.cpus).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(p.load1)).toBe(true);
      expect(cpuPressure(join(dir, "missing")).waitingPercent).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("waitWhile returns when the slot changes: at once, after the spin, and (with slices) without a notify", async () => {
    const sab = new SharedArrayBuffer(16), ctl = new Int32Array(sab);
    ctl[0] = 7;
    waitWhile(ctl, 0, 6, 1000); // not the value: returns at once (a spin of 1 s would time the test out)
    const { Worker } = await import("node:worker_threads");
    const later = (notify: boolean) => new Worker(
      `const { workerData: sab } = require("node:worker_threads"); const c = new Int32Array(sab);
       setTimeout(() => { Atomics.store(c, 0, 8); if (${notify}) Atomics.notify(c, 0); }, 100);`,
      { eval: true, workerData: sab },
    );
    const w1 = later(true);
    waitWhile(ctl, 0, 7, 0); // sleeps at once, woken by the notify
    expect(ctl[0]).toBe(8);
    await w1.terminate();
    ctl[0] = 7;
    const w2 = later(false);
    waitWhile(ctl, 0, 7, 1, 10); // no notify: a 10 ms slice notices the change
    expect(ctl[0]).toBe(8);
    await w2.terminate();
  });
});
