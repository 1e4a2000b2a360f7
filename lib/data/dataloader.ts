// Mini-batches from a dataset: a new seeded permutation each epoch, optional augmentation,
// synchronous (`for … of`) or asynchronous (`for await … of`) iteration.
import { Generator, randomGenerator } from "../tensor/random";
import { Tensor } from "../tensor/tensor";
import { collateImages, collateSamples } from "./collate";
import { Dataset, Subset, TensorDataset } from "./dataset";
import { ImageDataset } from "./image-dataset";
import { applySteps, toSteps } from "./transforms";
import type { Step, Transform } from "./transforms";

export interface DataLoaderOptions {
  batchSize?: number;
  /** Visit samples in a new random order each epoch (default false). */
  shuffle?: boolean;
  /** Seed for shuffles and augmentation; without it they draw from the global generator (gw.manualSeed). */
  seed?: number;
  /** Skip the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Applied to the images (the first field) of every batch. */
  transform?: Transform | ((x: Tensor) => Tensor) | (Transform | ((x: Tensor) => Tensor))[];
}

/** An image dataset reached through any number of Subsets: its arrays plus the index map. */
function imageSource(ds: Dataset<unknown>): { base: ImageDataset; map: (i: number) => number } | undefined {
  if (ds instanceof ImageDataset) return { base: ds, map: (i) => i };
  if (ds instanceof Subset) {
    const inner = imageSource(ds.dataset);
    if (inner) return { base: inner.base, map: (i) => inner.map(ds.indices[i]) };
  }
  return undefined;
}

/**
 * Iterate over a dataset in mini-batches. Each batch is an array of tensors, one per sample
 * field; for image datasets (CIFAR-10) it is `[images [B,C,H,W] float32, labels [B]]`, built
 * straight from the stored bytes with the transform fused in.
 *
 * @example
 * const train = gw.data.cifar10.load({ root: "data/cifar10", split: "train" });
 * const loader = new gw.data.DataLoader(train, {
 *   batchSize: 128, shuffle: true, seed: 0,
 *   transform: gw.data.compose([gw.data.randomCrop(32, { padding: 4 }), gw.data.randomHorizontalFlip(), gw.data.toTensor()]),
 * });
 * for (const [x, y] of loader) { ... } // or: for await (const [x, y] of loader)
 */
export class DataLoader<T = unknown> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly seed: number | undefined;
  readonly steps: Step[];
  /** Number of epochs started so far (each iteration over the loader is one epoch). */
  epoch = 0;

  constructor(dataset: Dataset<T>, opts: DataLoaderOptions = {}) {
    if (!(dataset instanceof Dataset)) throw new TypeError("DataLoader: the first argument must be a gw.data.Dataset");
    const batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`DataLoader: batchSize must be a positive integer, got ${opts.batchSize}`);
    if (opts.seed !== undefined && !Number.isFinite(opts.seed)) throw new Error(`DataLoader: seed must be a number, got ${opts.seed}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.seed = opts.seed;
    this.steps = toSteps(opts.transform);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Start an epoch: its sample order and its random generator for augmentation. */
  private startEpoch(): { order: Int32Array; rng: Generator } {
    const epoch = this.epoch++;
    const epochSeed = this.seed !== undefined ? mixSeed(this.seed, epoch) : randomGenerator().nextUint32();
    const rng = new Generator(epochSeed);
    const n = this.dataset.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (this.shuffle) {
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(0, i + 1);
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return { order, rng };
  }

  /** Build the batch for the given dataset indices. */
  private makeBatch(indices: Int32Array, rng: Generator): Tensor[] {
    const src = imageSource(this.dataset as Dataset<unknown>);
    if (src) {
      const mapped = Int32Array.from(indices, src.map);
      const { data, dims } = collateImages(src.base.images, src.base.imageShape, mapped, this.steps, rng);
      const labels = new Float32Array(mapped.length);
      for (let b = 0; b < mapped.length; b++) labels[b] = src.base.labels[mapped[b]];
      return [new Tensor(data, [dims.n, dims.c, dims.h, dims.w]), new Tensor(labels, [mapped.length])];
    }
    const fields =
      this.dataset instanceof TensorDataset
        ? this.dataset.gather(indices)
        : collateSamples(Array.from(indices, (i) => this.dataset.get(i)));
    if (this.steps.length > 0) {
      const x = fields[0];
      if (x.ndim !== 4) throw new Error(`DataLoader: the transform needs image batches [B,C,H,W], but the first field has shape [${x.shape}]`);
      const [n, c, h, w] = x.shape;
      const out = applySteps(x.toFloat32Array(), { n, c, h, w }, this.steps, rng);
      fields[0] = new Tensor(out.data, [out.dims.n, out.dims.c, out.dims.h, out.dims.w]);
    }
    return fields;
  }

  /** One epoch of batches. */
  *[Symbol.iterator](): Iterator<Tensor[]> {
    const { order, rng } = this.startEpoch();
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      yield this.makeBatch(order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize)), rng);
    }
  }

  /** One epoch of batches, yielding to the event loop before each (keeps notebooks responsive). */
  async *[Symbol.asyncIterator](): AsyncIterator<Tensor[]> {
    for (const batch of this) {
      await new Promise((r) => setImmediate(r));
      yield batch;
    }
  }
}

/** A 32-bit seed from (seed, epoch), so each epoch of a seeded loader differs but is reproducible. */
function mixSeed(seed: number, epoch: number): number {
  let z = (Math.floor(seed) ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
