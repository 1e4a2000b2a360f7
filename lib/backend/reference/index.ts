/**
 * The reference backend: every kernel as plain, single-threaded TypeScript loops. It is the
 * oracle the fast "cpu" backend is tested against, and the fallback where WebAssembly is missing.
 */
import type { Backend } from "../backend";
import { binary, unary, where } from "./elementwise";
import { reduce } from "./reduce";
import { matmul } from "./gemm";
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from "./conv";
import { pool2d, pool2dBackward } from "./pool";
import { channelAffine, channelSums } from "./channel";
import { sgdUpdate } from "./optim";

export const referenceBackend: Backend = {
  name: "reference",
  alloc: (size) => new Float32Array(size),
  unary,
  binary,
  where,
  reduce,
  matmul,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  pool2d,
  pool2dBackward,
  channelSums,
  channelAffine,
  sgdUpdate,
  take(x, index, out) {
    for (let i = 0; i < index.length; i++) out[i] = x[index[i]];
  },
  scatterAdd(src, index, out) {
    for (let i = 0; i < index.length; i++) out[index[i]] += src[i];
  },
};
