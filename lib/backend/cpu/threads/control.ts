// Layout of the control block at address 0 of the shared memory (an Int32Array of CTL_INTS
// slots), shared by the main thread and the workers. The slots from ARGS on hold the current job's
// fields, laid out by the job's declaration (see job.ts).

/** Size of the control block in 32-bit slots; the arena for kernel data starts after it. */
export const CTL_INTS = 1024;
export const ARENA_START = CTL_INTS * 4;

// Slots of the control block.
/** Job sequence number: bumped by the main thread to start a job; workers wait on it. */
export const SEQ = 0;
/** Id of the current job (see defineJob in job.ts). */
export const KIND = 1;
/** Next unclaimed task index (claimed with Atomics.add). */
export const NEXT = 2;
/** Number of tasks in the current job. */
export const NTASKS = 3;
/** Set to 1 when a task threw; the message travels on the worker's MessagePort. */
export const ERROR = 6;
/** Bumped (and notified) whenever a worker finished booting. */
export const READY = 7;
/** Set to 1 when a worker failed to boot. */
export const BOOTFAIL = 8;
/** Byte address and per-thread size of the scratch area: thread t owns [SCRATCH + t*SCRATCH_BYTES, ...). */
export const SCRATCH = 9;
export const SCRATCH_BYTES = 10;
/** Counts every job (threaded or inline), for per-thread caches keyed by job. */
export const JOB = 11;
/**
 * How many workers take part in jobs (the thread count − 1). A worker with a higher id parks: it
 * sleeps on this slot, not on SEQ, until the count rises again (see thread-pool.ts).
 */
export const ACTIVE = 12;
/** How long workers busy-wait for the next job, in microseconds (the main thread sets it, see ThreadPool.updateSpin). */
export const SPIN_US = 13;
/** GEN + id: generation of the live worker with that id; a worker whose generation is stale exits. */
export const GEN = 16;
/** Most threads the pool runs (main thread included). */
export const MAX_THREADS = 112;
/** BOOTED + id: generation of the worker with that id once it has booted. */
export const BOOTED = 128;
/**
 * GATE + id: the worker's gate for the current job (see thread-pool.ts). The main thread opens it
 * (stores the job's SEQ value) before publishing a job; the worker enters by swapping SEQ for
 * ~SEQ and leaves by storing CLOSED; the main thread closes a gate the worker never entered by
 * swapping SEQ for CLOSED, so it never waits for a worker that has not woken up yet.
 */
export const GATE = 256;
/** A gate that is not open. */
export const CLOSED = 0;
/** The current job's fields start here (laid out by its declaration, see job.ts). */
export const ARGS = 384;
export const MAX_ARGS = CTL_INTS - ARGS;

/** Value stored into NEXT to stop everyone claiming tasks after an error. */
export const STOP = 1 << 30;

/**
 * Block until ctl[index] no longer holds `value`: busy-wait up to `spinMs`, then sleep in
 * Atomics.wait (in slices of `sliceMs`). A thread woken from Atomics.wait starts ~50–200 µs later on
 * a virtual machine (measured: a worker entered a VGG step's convolutions 80–190 µs after they were
 * published when it slept after ~50 µs of spinning, 5–20 µs when it spun up to 2 ms), which is more than many
 * gaps between a training step's kernel calls. The clock is read every 256 polls.
 */
export function waitWhile(ctl: Int32Array, index: number, value: number, spinMs: number, sliceMs = Infinity): void {
  if (Atomics.load(ctl, index) !== value) return;
  const until = performance.now() + spinMs;
  for (let polls = 1; Atomics.load(ctl, index) === value; polls++) {
    if ((polls & 255) === 0 && performance.now() >= until) {
      while (Atomics.wait(ctl, index, value, sliceMs) !== "not-equal" && Atomics.load(ctl, index) === value);
      return;
    }
  }
}
