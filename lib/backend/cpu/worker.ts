// Entry point of a cpu-backend worker thread (loaded from dist/backend/cpu/worker.js).
// Waits for jobs on the control block, runs tasks, reports DONE; errors go to the main thread.
// Knows the jobs by importing every kernel family (kernels/index.ts).
import { type MessagePort, workerData } from "node:worker_threads";
import { setFlagsFromString } from "node:v8";
import { CTL_INTS, BOOTFAIL, DONE, ERROR, NEXT, READY, GEN, BOOTED, SEQ, STOP } from "./threads/control";
import { makeCtx, type ThreadCtx } from "./threads/context";
import { runTasks } from "./threads/job";
import { RELAXED_FLAG, instantiate, relaxedNeedsFlag, type WasmMemory, type WasmModule } from "./wasm-loader";
import "./kernels"; // declares every job

const SPIN = 20_000; // busy-wait iterations (~tens of microseconds) before sleeping in Atomics.wait

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
    let seq = Atomics.load(ctl, SEQ);
    for (let spins = 0; seq === seen; spins++) {
      if (spins > SPIN) Atomics.wait(ctl, SEQ, seen);
      seq = Atomics.load(ctl, SEQ);
    }
    seen = seq;
    if (Atomics.load(ctl, GEN + data.id) !== data.gen) return; // retired (setNumThreads lowered the count)
    try {
      runTasks(ctx);
    } catch (e) {
      Atomics.store(ctl, NEXT, STOP);
      report(e);
      Atomics.store(ctl, ERROR, 1);
    }
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

main();
