/**
 * Chapter 5 — CIFAR-10 training pieces: normalisation, augmentation, the train/evaluate loop and a model
 * (exercises: fill in every TODO). Images are N×3×H×W float tensors, labels are arrays of class indices.
 */
import * as gw from "gradwork";
import { NotImplementedError } from "gradwork";

/**
 * Task 5.1 — per-channel mean and (population, divide-by-count) standard deviation over N, H and W.
 *
 * @example
 * channelStats(images); // { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] }
 */
export function channelStats(x: gw.Tensor): { mean: number[]; std: number[] } {
  // TODO: Task 5.1
  throw new NotImplementedError("Task 5.1");
}

/**
 * Task 5.1 — (x − mean[c]) / std[c] for every channel c.
 *
 * @example
 * const { mean, std } = channelStats(train); normalize(train, mean, std);
 */
export function normalize(x: gw.Tensor, mean: number[], std: number[]): gw.Tensor {
  // TODO: Task 5.1
  throw new NotImplementedError("Task 5.1");
}

/**
 * Task 5.2 — mirror every image left to right (reverse the W axis).
 *
 * @example
 * horizontalFlip(gw.tensor([[[[1, 2, 3]]]])); // [[[[3, 2, 1]]]]
 */
export function horizontalFlip(x: gw.Tensor): gw.Tensor {
  // TODO: Task 5.2
  throw new NotImplementedError("Task 5.2");
}

/**
 * Task 5.2 — random horizontal flips for data augmentation: for each image n in order, call
 * `random()` once and flip that image when the number is below p.
 *
 * @example
 * randomHorizontalFlip(batch, 0.5, Math.random);
 */
export function randomHorizontalFlip(x: gw.Tensor, p: number, random: () => number): gw.Tensor {
  // TODO: Task 5.2
  throw new NotImplementedError("Task 5.2");
}

/**
 * Task 5.3 — the fraction of rows whose largest logit is at the true label.
 *
 * @example
 * accuracy(gw.tensor([[2, 1], [0, 3]]), [0, 0]); // 0.5
 */
export function accuracy(logits: gw.Tensor, labels: number[]): number {
  // TODO: Task 5.3
  throw new NotImplementedError("Task 5.3");
}

/**
 * Task 5.3 — mean cross-entropy loss and accuracy of `model` over the whole set, in batches of
 * `batchSize`, in evaluation mode and without building a graph.
 *
 * @example
 * evaluate(model, testX, testY, 256); // { loss: 1.2, accuracy: 0.57 }
 */
export function evaluate(model: gw.nn.Module, x: gw.Tensor, y: number[], batchSize: number): { loss: number; accuracy: number } {
  // TODO: Task 5.3
  throw new NotImplementedError("Task 5.3");
}

/**
 * Task 5.3 — one epoch of training in order (no shuffling): for each batch of `batchSize` examples,
 * zero the gradients, compute the cross-entropy loss, backpropagate and step. Returns the mean loss
 * per example over the epoch.
 *
 * @example
 * trainEpoch(model, new gw.optim.SGD(model.parameters(), { lr: 0.1 }), x, y, 64);
 */
export function trainEpoch(model: gw.nn.Module, opt: { zeroGrad(): void; step(): void }, x: gw.Tensor, y: number[], batchSize: number): number {
  // TODO: Task 5.3
  throw new NotImplementedError("Task 5.3");
}

/**
 * Task 5.4 — a model for CIFAR-10 images (N×3×32×32, values 0–1) and 10 classes, and its training on
 * `train`. The grader trains it on the first 2,000 CIFAR-10 training images (within the task's time
 * limit, 30 s by default, on the "cpu" backend) and passes it when it classifies at least 35 % of the
 * first 500 test images correctly (chance is 10 %; a linear model gets about 30 %, a small CNN about
 * 45 %). `model.forward` must map [N, 3, 32, 32] to logits [N, 10]. Ideas: normalise with your task
 * 5.1 statistics, a small CNN (`gw.nn.Conv2d`, `gw.nn.ReLU`, `gw.nn.MaxPool2d`) and a few epochs of
 * `gw.optim.Adam`. Without CIFAR-10 on your machine the grader uses a synthetic CIFAR-shaped set
 * instead and says so in its output.
 *
 * @example
 * const model = buildModel(); fit(model, { x, y });
 */
export function buildModel(): gw.nn.Module {
  // TODO: Task 5.4
  throw new NotImplementedError("Task 5.4");
}

/** Task 5.4 — train `model` on `train` ({ x: [N, 3, 32, 32] in 0–1, y: labels 0–9 }): any optimiser, epochs and batch size you like. */
export function fit(model: gw.nn.Module, train: { x: gw.Tensor; y: number[] }): void {
  // TODO: Task 5.4
  throw new NotImplementedError("Task 5.4");
}
