// Entry point of a cpu-backend worker thread (loaded from dist/backend/cpu/worker.js).
// Waits for jobs on the control block, enters each through its gate (see threads/thread-pool.ts),
// runs tasks, leaves the gate; errors go to the main thread.
// Knows the jobs by importing every kernel family (kernels/index.ts).
import { type MessagePort, workerData } from "node:worker_threads";
import { setFlagsFromString } from "node:v8";
import { ACTIVE, CTL_INTS, BOOTFAIL, CLOSED, ERROR, GATE, NEXT, READY, GEN, BOOTED, SEQ, SPIN_US, STOP, waitWhile } from "./threads/control";
import { makeCtx, type ThreadCtx } from "./threads/context";
import { runTasks } from "./threads/job";
import { RELAXED_FLAG, instantiate, relaxedNeedsFlag, type WasmMemory, type WasmModule } from "./wasm-loader";
import "./kernels"; // declares every job

interface Data {
  memory: WasmMemory;
  module: WasmModule;
  relaxed: boolean;
  id: number;
  gen: number;
  seq: number;
  port: MessagePort;
}

const data = workerData as Data;

function report(e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  data.port.postMessage({ message: `${err.message} (worker ${data.id})`, stack: err.stack });
}

function main(): void {
  let ctx: ThreadCtx;
  const ctl = new Int32Array(data.memory.buffer, 0, CTL_INTS);
  try {
    if (data.relaxed && relaxedNeedsFlag()) setFlagsFromString(RELAXED_FLAG);
    ctx = makeCtx(data.id, data.memory, instantiate(data.module, data.memory));
  } catch (e) {
    report(e);
    Atomics.store(ctl, BOOTFAIL, 1);
    Atomics.add(ctl, READY, 1);
    Atomics.notify(ctl, READY);
    return;
  }
  Atomics.store(ctl, BOOTED + data.id, data.gen);
  Atomics.add(ctl, READY, 1);
  Atomics.notify(ctl, READY);
  let seen = data.seq;
  for (;;) {
    // wait for the next job
    waitWhile(ctl, SEQ, seen, Atomics.load(ctl, SPIN_US) / 1000);
    const seq = Atomics.load(ctl, SEQ);
    seen = seq;
    if (Atomics.load(ctl, GEN + data.id) !== data.gen) return; // stopped (ThreadPool.close)
    if (data.id > Atomics.load(ctl, ACTIVE)) {
      // parked (setNumThreads lowered the count): sleep until it rises again or the pool closes
      for (let active = Atomics.load(ctl, ACTIVE); data.id > active; active = Atomics.load(ctl, ACTIVE)) {
        if (Atomics.load(ctl, GEN + data.id) !== data.gen) return;
        Atomics.wait(ctl, ACTIVE, active);
      }
      continue;
    }
    // enter the job unless the main thread has already finished it without us
    if (Atomics.compareExchange(ctl, GATE + data.id, seq, ~seq) !== seq) continue;
    try {
      runTasks(ctx);
    } catch (e) {
      Atomics.store(ctl, NEXT, STOP);
      report(e);
      Atomics.store(ctl, ERROR, 1);
    }
    Atomics.store(ctl, GATE + data.id, CLOSED);
    Atomics.notify(ctl, GATE + data.id);
  }
}

main();
