/**
 * gradwork: tensors with reverse-mode autodiff, CNN layers, optimizers and CIFAR-10 training,
 * on a multithreaded CPU backend — the library behind the course workbook.
 *
 * @example
 * import * as gw from "gradwork";
 * const x = gw.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * x.matmul(x).sum().backward();
 * console.log(x.grad?.toString());
 */
import "./tensor/methods"; // the Tensor methods (x.add(y), x.sum(), …)
import "./backend/cpu/register";

export const version = "0.1.0";

export { Tensor, type GradFn, type NestedNumbers, type ArrayRank, type ArrayOfRank } from "./tensor/tensor";
export { tensor, zeros, ones, full, zerosLike, onesLike, arange, linspace, eye, rand, randn, randint, type TensorOptions, type CreateOptions, type NestedArray } from "./tensor/create";
export { manualSeed, randomGenerator, Generator } from "./tensor/random";
export { broadcastShapes } from "./tensor/shape";

export { neg, exp, log, sqrt, abs, tanh, sin, cos, relu, sigmoid, sign, add, sub, mul, div, pow, maximum, minimum, gt, lt, ge, le, eq, ne, where } from "./ops/elementwise";
export { sum, mean, max, min, argmax, argmin, variance as var, softmax, logSoftmax } from "./ops/reduce";
export { matmul } from "./ops/matmul";
export { contiguous, clone, reshape, transpose, permute, squeeze, unsqueeze, expand, flatten, select, slice, gather, indexSelect, cat, stack, pad, flip } from "./ops/shape";
export { conv2dNaive, convOutputSize, type ConvOptions } from "./ops/conv";
export type { TensorLike } from "./ops/util";

export { noGrad, isGradEnabled } from "./autograd/grad-mode";
export { backward, type BackwardOptions } from "./autograd/engine";
export { gradcheck, type GradcheckOptions, type GradcheckReport } from "./autograd/gradcheck";
export { jacobian } from "./autograd/jacobian";

export * as nn from "./nn";
export * as F from "./nn/functional";
export * as optim from "./optim";

export { setNumThreads, getNumThreads, cpuHeapStats } from "./backend/cpu";
export { cpuBackendInfo, type CpuBackendInfo } from "./backend/cpu";
export { setBackend, getBackend, listBackends, registerBackend, withBackend, type Backend, type KernelName } from "./backend";
export { NotImplementedError } from "./errors";

export { Value, topoSort, valueTable } from "./scalar";
// drawGraph/toDot draw tensor graphs and scalar Value graphs; drawModel draws a Module's layers
export { drawGraph, drawGraphAsync, toDot, tensorGraphDot, type TensorGraphOptions, type GraphOptions } from "./autograd/draw";
export { drawModel, modelToDot, type DrawModelOptions } from "./nn/draw";
export type { ValueLike, ValueRow, DrawOptions, RankDir } from "./scalar";

export * as plot from "./plot";
export { check } from "./notebook";
export { gradeTasks, checkTask } from "./grader/notebook";
export * as data from "./data";
export { save, load, saveTensors, loadTensors, loadMetadata, SafetensorsError } from "./io/safetensors";
export * as train from "./train";
