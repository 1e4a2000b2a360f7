// The thread pool: node:worker_threads workers over one shared WasmMemory.
//
// A job is a list of independent tasks (ranges of a kernel's output). The main thread writes the
// job into the control block, opens every worker's gate, bumps SEQ and notifies; workers wake up,
// enter through their gate, and every thread (the main thread included) claims tasks with
// Atomics.add until none are left. The main thread then closes the gates of workers that have not
// entered yet (they find the gate closed when they wake and skip the job) and waits only for the
// workers inside, so a kernel call is synchronous for its caller and never waits for a worker to
// wake up (on a busy machine a sleeping worker can take a scheduler slice, milliseconds, to run).
// The control block is only rewritten while no worker is inside a gate.
// Lowering the thread count parks the workers beyond it (they sleep on ACTIVE and take no job)
// instead of stopping them: raising it again wakes the same workers, booted and with their
// JavaScript compiled, where a fresh worker took ~40 ms to boot and ran its first ~100 jobs
// slower than the main thread alone. A parked worker costs its memory, no CPU time.
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from "node:worker_threads";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { ACTIVE, BOOTFAIL, CLOSED, ERROR, GATE, JOB, KIND, MAX_THREADS, NEXT, NTASKS, READY, GEN, BOOTED, SCRATCH, SCRATCH_BYTES, SEQ, SPIN_US, STOP, waitWhile } from "./control";
import { type ThreadCtx, makeCtx, refreshViews } from "./context";
import { type FieldSpecs, type Job, type JobValues, runTasks } from "./job";
import { type CompiledKernels, MAX_PAGES, type WasmMemory, builtDir, instantiate, wasmApi } from "../wasm-loader";
import { Heap, MAX_BYTES } from "../memory/heap";
import { Arena } from "../memory/arena";
import { type CpuPressure, type Sized, type SpinPolicy, chooseHeapLimit, chooseSpin, chooseThreads, cpuPressure, spinFor } from "../share";

/** Put-off heap sweeps run while workers compute (see memory/heap.ts); GRADWORK_OVERLAP_SWEEPS=0 turns that off. */
const OVERLAP_SWEEPS = process.env.GRADWORK_OVERLAP_SWEEPS !== "0";
/** How long to wait for workers to boot before running single-threaded. */
const BOOT_TIMEOUT_MS = 20_000;


interface WorkerHandle {
  worker: Worker;
  /** Errors thrown inside the worker's tasks arrive here (read synchronously). */
  port: MessagePort;
}

/** How a job runs: how many tasks, the scratch bytes each thread owns, and at most how many threads. */
export interface RunOptions {
  tasks: number;
  scratchBytes?: number;
  threads?: number;
  /**
   * The job computes long enough (a convolution, a GEMM: milliseconds) for the main thread to run a
   * put-off heap sweep (~1 ms minor, ~10 ms full) while the workers compute. Only such jobs take
   * one: during a short pass (pooling, an elementwise op) the workers would finish and wait for
   * the sweep. Measured: a VGG step at 2 threads 0–9 % faster (median of 7 A/B runs 2 %).
   */
  hidesSweep?: boolean;
}

export class ThreadPool {
  readonly memory: WasmMemory;
  readonly arena: Arena;
  /** Tensor storage and kernel scratch inside the shared memory. */
  readonly heap: Heap;
  /** The main thread's context (thread 0). */
  readonly ctx: ThreadCtx;
  private readonly workers: WorkerHandle[] = [];
  private threads: number;
  /** Workers whose gates the current job opened (0 when idle): join() closes or waits for them. */
  private pending = 0;
  private bootFailed = false;
  /** The spin in use (spin.value, or 0 while the machine is busy when spin.auto) and when to look again. */
  private spinMs = 0;
  private spinCheckAt = -Infinity;
  /** How busy the machine is (replaced by tests). */
  pressureProbe = (): CpuPressure => cpuPressure();

  constructor(
    readonly kernels: CompiledKernels,
    threads = chooseThreads(MAX_THREADS).value,
    /** The heap's soft limit and where it came from. */
    readonly heapLimit: Sized = chooseHeapLimit(MAX_BYTES),
    /** How long a waiting thread busy-waits before it sleeps: workers for the next job, this thread for the workers' last tasks (see waitWhile). */
    readonly spin: SpinPolicy = chooseSpin(),
  ) {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new RangeError(`cpu backend: expected a thread count between 1 and ${MAX_THREADS}, got ${threads}`);
    }
    this.memory = new wasmApi!.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    this.heap = new Heap(this.memory, heapLimit.value);
    this.heap.overlapSweeps = threads > 1 && OVERLAP_SWEEPS;
    this.arena = new Arena(this.memory, this.heap);
    this.ctx = makeCtx(0, this.memory, instantiate(kernels.module, this.memory));
    this.threads = threads;
    this.ctx.ctl[ACTIVE] = threads - 1;
    if (!spin.auto) this.setSpin(spin.value);
  }

  /**
   * Start a kernel call: wait for workers of an interrupted earlier call, then give back the
   * previous call's working memory. Returns the arena to take this call's memory from.
   */
  begin(): Arena {
    this.settle();
    this.arena.reset();
    return this.arena;
  }

  /** Storage for a tensor of `size` floats in the shared memory (zeroed unless `uninitialized`), or null when the heap is full. */
  allocTensor(size: number, uninitialized: boolean): Float32Array | null {
    this.settle(); // an interrupted call may still write into blocks freed since
    return this.heap.floats(size, uninitialized);
  }

  getThreads(): number {
    return this.threads;
  }

  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) throw new RangeError(`cpu backend: expected a thread count between 1 and ${MAX_THREADS}, got ${n}`);
    this.threads = n;
    this.heap.overlapSweeps = n > 1 && OVERLAP_SWEEPS && !this.bootFailed;
    // workers beyond n − 1 park when they next wake; parked ones up to it wake up
    if (Atomics.exchange(this.ctx.ctl, ACTIVE, n - 1) < n - 1) Atomics.notify(this.ctx.ctl, ACTIVE);
  }

  /**
   * Stop every worker (terminated; one that runs again first sees its stale generation and
   * returns, a parked one too: it is woken for that); the pool then runs single-threaded. For
   * pools made by tests: the backend's own pool lives as long as the process.
   */
  close(): void {
    this.settle();
    for (let id = 1; id <= this.workers.length; id++) Atomics.add(this.ctx.ctl, GEN + id, 1);
    Atomics.notify(this.ctx.ctl, ACTIVE); // parked workers check their generation when woken
    for (const w of this.workers.splice(0)) void w.worker.terminate();
    this.setThreads(1);
  }

  /**
   * Run `opts.tasks` tasks of `job` with the field values `fields`, on at most `opts.threads`
   * threads, each thread owning `opts.scratchBytes` of scratch memory (see scratchOf). Throws the
   * first error raised by any task (after every thread has stopped), leaving the pool usable.
   */
  run<S extends FieldSpecs>(job: Job<S>, fields: JobValues<S>, opts: RunOptions): void {
    const ctl = this.ctx.ctl;
    const { tasks: nTasks, scratchBytes = 0, threads: maxThreads = this.threads, hidesSweep = false } = opts;
    this.settle();
    if (nTasks <= 0) return;
    let nThreads = Math.max(1, Math.min(maxThreads, this.threads, nTasks));
    const active = this.threads - 1; // the workers that are not parked
    if (nThreads > 1 && !this.ensureWorkers(active)) nThreads = 1;
    const perThread = Math.ceil(scratchBytes / 64) * 64;
    const participants = nThreads > 1 ? active + 1 : 1; // every active worker may claim tasks
    ctl[SCRATCH] = perThread > 0 ? this.arena.alloc(perThread * participants) : 0;
    ctl[SCRATCH_BYTES] = perThread;
    ctl[JOB]++;
    ctl[KIND] = job.id;
    job.write(ctl, fields);
    ctl[NTASKS] = nTasks;
    ctl[NEXT] = 0;
    ctl[ERROR] = 0;
    refreshViews(this.ctx);
    if (nThreads > 1) {
      this.updateSpin();
      this.pending = active;
      let seq = (ctl[SEQ] + 1) | 0;
      if (seq === CLOSED || ~seq === CLOSED) seq = 1; // (after 2^32 jobs) neither the open nor the inside mark may read as closed
      for (let id = 1; id <= this.pending; id++) Atomics.store(ctl, GATE + id, seq);
      Atomics.store(ctl, SEQ, seq); // publishes the writes above
      Atomics.notify(ctl, SEQ);
    }
    let failure: unknown = null;
    try {
      // a put-off heap sweep (a garbage collection on this thread) overlaps the workers' tasks of a
      // long job; the job's own arrays are safe: its caller holds them
      if (nThreads > 1 && hidesSweep) this.heap.overlapSweep();
      runTasks(this.ctx);
    } catch (e) {
      failure = e;
      Atomics.store(ctl, NEXT, STOP);
    }
    this.join();
    if (failure) throw failure;
    if (Atomics.load(ctl, ERROR)) throw this.collectWorkerError();
  }

  /** The spin in use now, in ms: spin.value, or 0 while other work waits for the CPUs (spin.auto, see spinFor). */
  spinNow(): number {
    this.updateSpin();
    return this.spinMs;
  }

  /** With an automatic spin, look at how busy the machine is at most once a second and set the spin to use. */
  private updateSpin(): void {
    const now = performance.now();
    if (!this.spin.auto || now < this.spinCheckAt) return;
    this.spinCheckAt = now + 1000;
    this.setSpin(spinFor(this.spin.value, this.pressureProbe()));
  }

  /** The spin this thread uses at joins, and (through the control block) the workers for the next job. */
  private setSpin(ms: number): void {
    this.spinMs = ms;
    Atomics.store(this.ctx.ctl, SPIN_US, Math.round(ms * 1000));
  }

  /**
   * If an earlier call was interrupted (e.g. Jupyter's stop button) while workers ran, let them
   * finish before the memory is reused, and forget their errors.
   */
  private settle(): void {
    if (this.pending === 0) return;
    this.join();
    this.collectWorkerError();
  }

  /**
   * End the current (or an interrupted earlier) job: close the gates of workers that have not
   * entered it, wait for those inside.
   */
  private join(): void {
    if (this.pending === 0) return;
    const ctl = this.ctx.ctl, seq = Atomics.load(ctl, SEQ), inside = ~seq;
    for (let id = 1; id <= this.pending; id++) {
      if (Atomics.compareExchange(ctl, GATE + id, seq, CLOSED) !== inside) continue;
      waitWhile(ctl, GATE + id, inside, this.spinMs, 100);
    }
    this.pending = 0;
  }

  private collectWorkerError(): Error {
    let first: { message: string; stack?: string } | null = null;
    for (const w of this.workers) {
      for (let msg = receiveMessageOnPort(w.port); msg; msg = receiveMessageOnPort(w.port)) first ??= msg.message;
    }
    const err = new Error(`cpu backend: a worker thread failed: ${first ? first.message : "unknown error"}`);
    if (first?.stack) err.stack = `${err.message}\n--- in the worker ---\n${first.stack}`;
    return err;
  }

  /** Start workers 1..n if missing and wait until they have booted. False if they cannot start. */
  private ensureWorkers(n: number): boolean {
    if (this.bootFailed) return false;
    if (this.workers.length >= n) return true;
    const ctl = this.ctx.ctl;
    const file = join(builtDir(), "worker.js");
    if (!existsSync(file)) return this.giveUp(`the worker script ${file} is missing (run "npm run build")`);
    while (this.workers.length < n) {
      const id = this.workers.length + 1;
      const gen = Atomics.add(ctl, GEN + id, 1) + 1;
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(file, {
        workerData: { memory: this.memory, module: this.kernels.module, relaxed: this.kernels.relaxed, id, gen, seq: Atomics.load(ctl, SEQ), port: port2 },
        transferList: [port2],
        execArgv: [],
      });
      worker.unref(); // a finished script exits at once
      port1.unref();
      worker.on("error", (e) => process.emitWarning(`gradwork cpu backend: worker ${id} stopped: ${e.message}`));
      this.workers.push({ worker, port: port1 });
    }
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    for (;;) {
      const ready = Atomics.load(ctl, READY);
      if (Atomics.load(ctl, BOOTFAIL)) return this.giveUp(this.collectWorkerError().message);
      if (this.workers.every((_, i) => Atomics.load(ctl, BOOTED + i + 1) === Atomics.load(ctl, GEN + i + 1))) return true;
      if (Date.now() > deadline) return this.giveUp(`workers did not start within ${BOOT_TIMEOUT_MS / 1000} s`);
      Atomics.wait(ctl, READY, ready, 50);
    }
  }

  private giveUp(reason: string): false {
    this.bootFailed = true;
    this.heap.overlapSweeps = false;
    process.emitWarning(`gradwork cpu backend: running single-threaded: ${reason}`);
    return false;
  }
}
