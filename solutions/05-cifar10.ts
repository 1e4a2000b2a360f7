/**
 * Chapter 5 — CIFAR-10 training pieces: normalisation, augmentation, the train/evaluate loop and a model
 * (reference solutions). Images are N×3×H×W float tensors, labels are arrays of class indices.
 */
import * as gw from "gradwork";

/**
 * Task 5.1 — per-channel mean and (population, divide-by-count) standard deviation over N, H and W.
 *
 * @example
 * channelStats(images); // { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] }
 */
export function channelStats(x: gw.Tensor): { mean: number[]; std: number[] } {
  const [N, C, H, W] = x.shape;
  const d = x.toFloat32Array();
  const mean: number[] = [];
  const std: number[] = [];
  const count = N * H * W;
  for (let c = 0; c < C; c++) {
    let s = 0;
    let s2 = 0;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * H * W;
      for (let i = 0; i < H * W; i++) s += d[base + i];
    }
    const m = s / count;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * H * W;
      for (let i = 0; i < H * W; i++) s2 += (d[base + i] - m) ** 2;
    }
    mean.push(m);
    std.push(Math.sqrt(s2 / count));
  }
  return { mean, std };
}

/**
 * Task 5.1 — (x − mean[c]) / std[c] for every channel c.
 *
 * @example
 * const { mean, std } = channelStats(train); normalize(train, mean, std);
 */
export function normalize(x: gw.Tensor, mean: number[], std: number[]): gw.Tensor {
  const C = x.shape[1];
  const m = gw.tensor(mean, { shape: [1, C, 1, 1] });
  const s = gw.tensor(std, { shape: [1, C, 1, 1] });
  return x.sub(m).div(s);
}

/**
 * Task 5.2 — mirror every image left to right (reverse the W axis).
 *
 * @example
 * horizontalFlip(gw.tensor([[[[1, 2, 3]]]])); // [[[[3, 2, 1]]]]
 */
export function horizontalFlip(x: gw.Tensor): gw.Tensor {
  const [N, C, H, W] = x.shape;
  const d = x.toFloat32Array();
  const out = new Float32Array(d.length);
  for (let r = 0; r < N * C * H; r++) for (let j = 0; j < W; j++) out[r * W + j] = d[r * W + (W - 1 - j)];
  return gw.tensor(out, { shape: [N, C, H, W] });
}

/**
 * Task 5.2 — random horizontal flips for data augmentation: for each image n in order, call
 * `random()` once and flip that image when the number is below p.
 *
 * @example
 * randomHorizontalFlip(batch, 0.5, Math.random);
 */
export function randomHorizontalFlip(x: gw.Tensor, p: number, random: () => number): gw.Tensor {
  const [N, C, H, W] = x.shape;
  const flipped = horizontalFlip(x).toFloat32Array();
  const out = x.toFloat32Array().slice();
  const per = C * H * W;
  for (let n = 0; n < N; n++) if (random() < p) out.set(flipped.subarray(n * per, (n + 1) * per), n * per);
  return gw.tensor(out, { shape: [N, C, H, W] });
}

/**
 * Task 5.3 — the fraction of rows whose largest logit is at the true label.
 *
 * @example
 * accuracy(gw.tensor([[2, 1], [0, 3]]), [0, 0]); // 0.5
 */
export function accuracy(logits: gw.Tensor, labels: number[]): number {
  const pred = logits.argmax(1).toFloat32Array();
  let ok = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) ok++;
  return ok / labels.length;
}

/**
 * Task 5.3 — mean cross-entropy loss and accuracy of `model` over the whole set, in batches of
 * `batchSize`, in evaluation mode and without building a graph.
 *
 * @example
 * evaluate(model, testX, testY, 256); // { loss: 1.2, accuracy: 0.57 }
 */
export function evaluate(model: gw.nn.Module, x: gw.Tensor, y: number[], batchSize: number): { loss: number; accuracy: number } {
  model.eval();
  let loss = 0;
  let correct = 0;
  gw.noGrad(() => {
    for (let s = 0; s < y.length; s += batchSize) {
      const e = Math.min(s + batchSize, y.length);
      const logits = model.forward(x.slice(0, s, e));
      const yb = y.slice(s, e);
      loss += gw.F.crossEntropy(logits, yb).item() * (e - s);
      correct += accuracy(logits, yb) * (e - s);
    }
  });
  return { loss: loss / y.length, accuracy: correct / y.length };
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
  model.train();
  let total = 0;
  for (let s = 0; s < y.length; s += batchSize) {
    const e = Math.min(s + batchSize, y.length);
    opt.zeroGrad();
    const loss = gw.F.crossEntropy(model.forward(x.slice(0, s, e)), y.slice(s, e));
    loss.backward();
    opt.step();
    total += loss.item() * (e - s);
  }
  return total / y.length;
}

/** Subtracts a per-channel mean and divides by a per-channel std (constants set by `fit`, not trained). */
class Standardize extends gw.nn.Module {
  private _mean = gw.tensor(gw.data.cifar10.MEAN, { shape: [1, 3, 1, 1] });
  private _std = gw.tensor(gw.data.cifar10.STD, { shape: [1, 3, 1, 1] });

  /** Use these statistics from now on. */
  set(mean: number[], std: number[]): void {
    this._mean = gw.tensor(mean, { shape: [1, 3, 1, 1] });
    this._std = gw.tensor(std, { shape: [1, 3, 1, 1] });
  }

  forward(x: gw.Tensor): gw.Tensor {
    return x.sub(this._mean).div(this._std);
  }
}

/**
 * Task 5.4 — a model for CIFAR-10 images (N×3×32×32, values 0–1) and 10 classes, and its training on
 * `train` (the grader then measures its accuracy on held-out test images; see the task tests for the
 * threshold and the time limit).
 *
 * A small CNN: normalise, a 5×5 convolution with stride 2 (32×32 → 16×16), pool to 8×8, a 3×3
 * convolution, pool to 4×4, and a linear layer on the 32×4×4 features.
 *
 * @example
 * const model = buildModel(); fit(model, { x, y });
 */
export function buildModel(): gw.nn.Module {
  const nn = gw.nn;
  return new nn.Sequential(
    new Standardize(),
    new nn.Conv2d(3, 16, 5, { stride: 2, padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(32 * 4 * 4, 10),
  );
}

/**
 * Task 5.4 — train `model` on the training set (any optimiser, epochs and batch size you like): here the
 * normalisation statistics of the training images (task 5.1), then 6 epochs of Adam on batches of 50.
 */
export function fit(model: gw.nn.Module, train: { x: gw.Tensor; y: number[] }): void {
  const first = model instanceof gw.nn.Sequential ? model[0] : undefined;
  if (first instanceof Standardize) {
    const { mean, std } = channelStats(train.x);
    first.set(mean, std);
  }
  const opt = new gw.optim.Adam(model.parameters(), { lr: 0.002 });
  for (let epoch = 0; epoch < 6; epoch++) trainEpoch(model, opt, train.x, train.y, 50);
}
