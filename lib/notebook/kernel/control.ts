/**
 * The kernel's control channel, served from a worker thread so that Jupyter's Stop reaches the
 * kernel even while the main thread is busy (a synchronous loop after an `await` never lets the
 * main thread read a message or run a SIGINT listener).
 *
 * interrupt_request: sets the shared interrupt flag at once (every gradwork op checks it and
 * throws InterruptedError); if one second later the same cell still runs and no op has taken the
 * stop (a loop without gradwork ops, or a cell waiting on something else), raises SIGINT, which ends tslab's synchronous part
 * or, through the main thread's listener, abandons an awaiting cell.
 */
import { parentPort, workerData } from "node:worker_threads";
import { INTERRUPT, RUNNING } from "../interrupt";
import { decode, encodeReply } from "./wire";

interface ControlData {
  zeromq: string;
  address: string;
  key: string;
  flags: Int32Array;
  kernelInfo: Record<string, unknown>;
  /** Milliseconds between the flag and SIGINT. */
  graceMs: number;
}

async function serve(data: ControlData): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const zmq = require(data.zeromq) as { Router: new () => AsyncIterable<Buffer[]> & { bind(a: string): Promise<void>; send(m: unknown[]): Promise<void>; close(): void } };
  const sock = new zmq.Router();
  await sock.bind(data.address);
  parentPort?.postMessage({ ready: true });
  for await (const frames of sock) {
    let msg;
    try {
      msg = decode(frames, data.key);
    } catch (e) {
      parentPort?.postMessage({ log: `control channel: ${(e as Error).message}` });
      continue;
    }
    const type = String(msg.header.msg_type);
    if (type === "interrupt_request") {
      const cell = Atomics.load(data.flags, RUNNING);
      Atomics.store(data.flags, INTERRUPT, 1);
      await sock.send(encodeReply(msg, "interrupt_reply", { status: "ok" }, data.key));
      if (cell !== 0) {
        setTimeout(() => {
          // only if no gradwork op took the stop (the flag is still set) and the cell still runs
          if (Atomics.load(data.flags, RUNNING) === cell && Atomics.load(data.flags, INTERRUPT) !== 0) process.kill(process.pid, "SIGINT");
        }, data.graceMs);
      }
    } else if (type === "kernel_info_request") {
      await sock.send(encodeReply(msg, "kernel_info_reply", data.kernelInfo, data.key));
    } else if (type === "shutdown_request") {
      const restart = msg.content.restart === true;
      await sock.send(encodeReply(msg, "shutdown_reply", { status: "ok", restart }, data.key));
      // Closed here, before the process exits: a zeromq socket still open in a thread that ends
      // aborts the process ("terminate called after throwing an instance of 'Napi::Error'").
      sock.close();
      parentPort?.postMessage({ shutdown: true });
      // the main thread ends this thread and exits when it gets the message; if it is busy, end the process
      setTimeout(() => process.kill(process.pid, "SIGTERM"), 2000);
      return;
    }
  }
}

if (parentPort) {
  serve(workerData as ControlData).catch((e) => parentPort?.postMessage({ log: `control channel failed: ${(e as Error).stack ?? e}` }));
}
