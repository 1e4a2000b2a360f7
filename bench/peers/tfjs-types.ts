// The few TensorFlow.js types and functions the bench uses, declared here so that the repository
// type-checks without the peers installed (they live in bench/node_modules, installed by `npm run bench`).
/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Tensor {
  shape: number[];
  dataSync(): Float32Array | Int32Array | Uint8Array;
  dispose(): void;
}
export type Tensor1D = Tensor;
export type Tensor2D = Tensor;
export type Tensor4D = Tensor;
export type Scalar = Tensor;
export type Variable = Tensor;
type Pad = "valid" | "same";

/** The subset of `@tensorflow/tfjs-core`'s namespace that bench/peers/tfjs.ts calls. */
export interface Tfjs {
  version_core: string;
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  variable(t: Tensor): Variable;
  randomNormal(shape: number[], mean?: number, std?: number): Tensor;
  randomUniform(shape: number[], min?: number, max?: number, dtype?: "float32" | "int32"): Tensor;
  zeros(shape: number[]): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  matMul(a: Tensor, b: Tensor): Tensor;
  relu(x: Tensor): Tensor;
  reshape(x: Tensor, shape: number[]): Tensor;
  conv2d(x: Tensor, w: Tensor, strides: number, pad: Pad): Tensor;
  maxPool(x: Tensor, size: number, strides: number, pad: Pad): Tensor;
  avgPool(x: Tensor, size: number, strides: number, pad: Pad): Tensor;
  oneHot(indices: Tensor, depth: number): Tensor;
  grads(f: (...args: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[];
  train: { momentum(lr: number, momentum: number): { minimize(f: () => Scalar, returnCost: boolean, vars: Variable[]): Scalar | null } };
  losses: { softmaxCrossEntropy(labels: Tensor, logits: Tensor): Tensor };
}
