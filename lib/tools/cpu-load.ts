/**
 * Busy threads beside a test run, to show timing-dependent failures (the notebooks' CI run uses
 * it: `npm run notebooks -- --cpu-load`). Each worker spins until `stop()`.
 * @example const load = startCpuLoad(2); await runTests(); await load.stop();
 */
import { Worker } from "node:worker_threads";

const SPIN = `
const { workerData } = require("node:worker_threads");
const flag = new Int32Array(workerData);
let x = 0;
while (Atomics.load(flag, 0) === 0) for (let i = 0; i < 1e5; i++) x = (x * 1.0000001 + i) % 1e9;
`;

export function startCpuLoad(threads: number): { stop(): Promise<void> } {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`startCpuLoad: threads must be a positive integer, got ${threads}`);
  const flag = new SharedArrayBuffer(4);
  const workers = Array.from({ length: threads }, () => new Worker(SPIN, { eval: true, workerData: flag }));
  return {
    async stop() {
      Atomics.store(new Int32Array(flag), 0, 1);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
