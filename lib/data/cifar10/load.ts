// Parse the CIFAR-10 binary batches. Each record is 3,073 bytes: one label byte (0–9), then the
// red, green and blue planes of a 32×32 image, each row-major — i.e. already [3,32,32] order.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ImageDataset } from "../image-dataset";
import { BATCH_FILES } from "./download";
import { BATCHES_DIR, defaultRoot } from "./source";

export const IMAGE_SHAPE = [3, 32, 32] as const;
export const IMAGE_BYTES = 3 * 32 * 32;
export const RECORD_BYTES = 1 + IMAGE_BYTES;
const CIFAR100_RECORD_BYTES = 2 + IMAGE_BYTES;

export interface LoadOptions {
  /** The folder given to `download` (or the `cifar-10-batches-bin` folder itself). Default: `defaultRoot()`, a per-user cache folder. */
  root?: string;
  split?: "train" | "test";
  /** Read only the first `limit` images (handy for quick experiments). */
  limit?: number;
}

/**
 * One split of CIFAR-10 in memory: `images` is a compact Uint8Array [N,3,32,32] (pixels stay
 * bytes until a batch is made), `labels` a Uint8Array [N], `classes` the ten names in label order.
 * It is a `Dataset` too: `get(i)` gives `[image Tensor [3,32,32] (0–255), label]`.
 */
export class Cifar10Dataset extends ImageDataset {
  constructor(
    images: Uint8Array,
    labels: Uint8Array,
    readonly classes: string[],
    readonly split: "train" | "test",
  ) {
    super(images, labels, [...IMAGE_SHAPE]);
  }
}

/** Finds the folder holding the .bin files. */
function batchesDir(root: string): string {
  const abs = resolve(root);
  const nested = join(abs, BATCHES_DIR);
  if (existsSync(nested)) return nested;
  if (existsSync(join(abs, BATCH_FILES.meta)) || existsSync(join(abs, BATCH_FILES.test[0]))) return abs;
  throw new Error(
    `cifar10.load: no ${BATCHES_DIR} folder in ${abs} — run gw.data.cifar10.download({ root: ${JSON.stringify(root)} }) first`,
  );
}

/** Reads the class names (one per line) from batches.meta.txt. */
export function readClasses(dir: string): string[] {
  const path = join(dir, BATCH_FILES.meta);
  if (!existsSync(path)) throw new Error(`cifar10.load: missing class-name file ${path}`);
  const names = readFileSync(path, "utf8")
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length !== 10) throw new Error(`cifar10.load: ${path} lists ${names.length} class names, expected 10`);
  return names;
}

/** Checks a batch file's size and returns how many records it holds. */
function recordCount(path: string, size: number): number {
  if (size === 0) throw new Error(`cifar10.load: ${path} is empty`);
  if (size % RECORD_BYTES === 0) return size / RECORD_BYTES;
  if (size % CIFAR100_RECORD_BYTES === 0) {
    throw new Error(
      `cifar10.load: ${path} has ${CIFAR100_RECORD_BYTES}-byte records (CIFAR-100 format?); CIFAR-10 records are ${RECORD_BYTES} bytes (1 label + 3,072 pixels)`,
    );
  }
  const whole = Math.floor(size / RECORD_BYTES);
  throw new Error(
    `cifar10.load: ${path} is truncated or has the wrong record size: ${size} bytes is not a multiple of ${RECORD_BYTES} (${whole} whole records + ${size - whole * RECORD_BYTES} extra bytes)`,
  );
}

/**
 * Load one split of CIFAR-10 from the binary batches extracted by `download`.
 * Errors name the file: a missing batch, a truncated file, a wrong record size, a label > 9.
 *
 * @example
 * const train = gw.data.cifar10.load({ root: "data/cifar10", split: "train" });
 * train.length;        // 50000
 * train.classes[train.labels[0]]; // e.g. "frog"
 * const loader = new gw.data.DataLoader(train, { batchSize: 64, shuffle: true });
 */
export function load(opts: LoadOptions = {}): Cifar10Dataset {
  const split = opts.split ?? "train";
  if (split !== "train" && split !== "test") throw new Error(`cifar10.load: split must be "train" or "test", got ${JSON.stringify(split)}`);
  if (typeof opts !== "object" || opts === null) throw new Error(`cifar10.load: expected an options object such as { root, split, limit }, got ${opts === null ? "null" : typeof opts}`);
  const limit = opts.limit ?? Infinity;
  if (typeof limit !== "number" || !(limit >= 0) || (limit !== Infinity && !Number.isInteger(limit))) {
    throw new Error(`cifar10.load: limit must be a whole number of images ≥ 0, got ${typeof opts.limit === "string" ? JSON.stringify(opts.limit) : opts.limit}`);
  }
  const dir = batchesDir(opts.root ?? defaultRoot());
  const classes = readClasses(dir);

  const files = BATCH_FILES[split].map((name) => join(dir, name));
  const counts: number[] = [];
  for (const path of files) {
    if (!existsSync(path)) {
      const present = readdirSync(dir).filter((f) => f.endsWith(".bin"));
      throw new Error(`cifar10.load: missing batch file ${path} (found: ${present.join(", ") || "no .bin files"})`);
    }
    counts.push(recordCount(path, statSync(path).size));
  }
  const n = Math.min(limit, counts.reduce((a, b) => a + b, 0));
  const images = new Uint8Array(n * IMAGE_BYTES);
  const labels = new Uint8Array(n);
  let filled = 0;
  for (let f = 0; f < files.length && filled < n; f++) {
    const bytes = readFileSync(files[f]);
    const take = Math.min(counts[f], n - filled);
    for (let r = 0; r < take; r++) {
      const at = r * RECORD_BYTES;
      const label = bytes[at];
      if (label > 9) throw new Error(`cifar10.load: ${files[f]} record ${r} has label ${label} (expected 0–9)`);
      labels[filled] = label;
      images.set(bytes.subarray(at + 1, at + RECORD_BYTES), filled * IMAGE_BYTES);
      filled++;
    }
  }
  return new Cifar10Dataset(images, labels, classes, split);
}
