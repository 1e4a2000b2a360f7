// The cpu backend's fast kernels: backend kernel name → its implementation on the thread pool.
// Importing this module declares every job (the workers import it too). A kernel missing here
// runs the reference kernel; so does every kernel where the pool cannot start or when a call
// needs more memory than the shared memory has (see cpu/index.ts).
import type { Kernels } from "../../backend";
import type { ThreadPool } from "../threads/thread-pool";
import { checkConv2d, checkConv2dBackwardInput, checkConv2dBackwardWeight, conv2dBackwardInputCpu, conv2dBackwardWeightCpu, conv2dCpu } from "./conv";
import { binaryCpu, unaryCpu, whereCpu } from "./elementwise";
import { checkGemm, matmulCpu } from "./matmul";
import { pool2dBackwardCpu, pool2dCpu } from "./pooling";
import { reduceCpu } from "./reduce";
import { channelAffineCpu, channelSumsCpu, checkChannelAffine, checkChannelSums } from "./channel";
import { checkSgdUpdate, sgdUpdateCpu } from "./optim";

/** A kernel on the pool: `check` validates the arguments (also before a fallback), `run` computes. */
export interface FastKernel<K extends keyof Kernels> {
  check?: (...args: Parameters<Kernels[K]>) => void;
  run: (pool: ThreadPool, ...args: Parameters<Kernels[K]>) => void;
}

export type FastKernels = { [K in keyof Kernels]?: FastKernel<K> };

export const FAST_KERNELS: FastKernels = {
  unary: { run: unaryCpu },
  binary: { run: binaryCpu },
  where: { run: whereCpu },
  reduce: { run: reduceCpu },
  matmul: { check: checkGemm, run: matmulCpu },
  conv2d: { check: checkConv2d, run: conv2dCpu },
  conv2dBackwardInput: { check: checkConv2dBackwardInput, run: conv2dBackwardInputCpu },
  conv2dBackwardWeight: { check: checkConv2dBackwardWeight, run: conv2dBackwardWeightCpu },
  pool2d: { run: pool2dCpu },
  pool2dBackward: { run: pool2dBackwardCpu },
  channelSums: { check: checkChannelSums, run: channelSumsCpu },
  channelAffine: { check: checkChannelAffine, run: channelAffineCpu },
  sgdUpdate: { check: checkSgdUpdate, run: sgdUpdateCpu },
  // take and scatterAdd (gathers and scatters) are memory-bound and order-sensitive: the reference loops
};
