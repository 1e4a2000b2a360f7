/**
 * Image data for graded training tasks, loaded in the trusted grader process (the sandbox cannot read
 * the dataset): a fixed CIFAR-10 subset when the data is available, else a synthetic CIFAR-shaped set
 * so that grading still works offline. Pixels stay bytes (Uint8Array, [N, 3, 32, 32] row-major), which
 * is compact to send to the sandbox.
 *
 * Where CIFAR-10 comes from, in order: a finished extraction in `<repo>/data/cifar10` (any archive:
 * the course mirror's or the official one); else the course mirror `../shared/cifar10/` beside the
 * repository, extracted once into `<repo>/data/cifar10` (under a lock, so parallel graders extract it
 * once); never the network.
 *
 * @example
 * const d = await gradingImages({ train: 2000, test: 500 });
 * d.source;             // "cifar10" (or "synthetic" without the data)
 * d.trainImages.length; // 2000 * 3072
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import * as path from "node:path";
import { download, MARKER } from "../data/cifar10/download";
import { load } from "../data/cifar10/load";
import { BATCHES_DIR, MIRROR, type Cifar10Source } from "../data/cifar10/source";
import { rng } from "./checks";
import { packageRoot } from "../paths";

/** Shape of one image: 3 channels of 32×32, like CIFAR-10. */
export const IMAGE_SHAPE = [3, 32, 32] as const;
const PIXELS = 3 * 32 * 32;
const CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

/** A training set and a test set of 10-class images. */
export interface GradingImages {
  /** "cifar10" for the real images, "synthetic" for the offline stand-in. */
  source: "cifar10" | "synthetic";
  /** One line for the test's output: what data was used (and why, for the stand-in). */
  note: string;
  classes: string[];
  /** [N, 3, 32, 32] bytes (0–255), channel planes in row-major order. */
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

/** Options of `gradingImages`. */
export interface GradingImagesOptions {
  /** Number of training images (the first ones of the training batches). */
  train: number;
  /** Number of test images (the first ones of the test batch). */
  test: number;
  /** Folder with (or for) the extracted batches; default `<repo>/data/cifar10`. */
  root?: string;
  /** Archive to extract when `root` holds none; default the course mirror; null: never extract. */
  mirror?: Cifar10Source | null;
  /** Seed of the synthetic stand-in (default 2024). */
  seed?: number;
}

const cache = new Map<string, GradingImages>();

/**
 * The first `train` training and `test` test images of CIFAR-10, or a synthetic set of the same shape
 * (with a note saying why) when CIFAR-10 is not available. Grader process only.
 *
 * @example
 * task("5.4", "...", 6, { prepare: () => gradingImages({ train: 2000, test: 500 }), withhold: ["testLabels"], run, check });
 */
export async function gradingImages(opts: GradingImagesOptions): Promise<GradingImages> {
  if (process.env.GRADWORK_GRADING === "1") throw new Error("gradingImages runs in the grader process only: call it from a test's prepare(), not from inputs() or run()");
  for (const k of ["train", "test"] as const) {
    if (!Number.isInteger(opts[k]) || opts[k] < 1) throw new Error(`gradingImages: ${k} must be a positive whole number of images, got ${opts[k]}`);
  }
  const root = path.resolve(opts.root ?? path.join(packageRoot(), "data", "cifar10"));
  const mirror = opts.mirror === undefined ? MIRROR : opts.mirror;
  const key = JSON.stringify([root, opts.train, opts.test]);
  const hit = cache.get(key);
  if (hit) return hit;
  const stand = (why: string) => syntheticImages(opts.train, opts.test, opts.seed ?? 2024, why);
  try {
    if (!extracted(root)) {
      if (!mirror) return stand(`no CIFAR-10 in ${root} and no course mirror (../shared/cifar10) beside the repository`);
      await withLock(root, async () => {
        if (!extracted(root)) await download({ root, url: mirror.url, md5: mirror.md5, progress: false });
      });
    }
    const tr = load({ root, split: "train", limit: opts.train });
    const te = load({ root, split: "test", limit: opts.test });
    if (tr.length < opts.train || te.length < opts.test) {
      return stand(`${root} holds only ${tr.length} training and ${te.length} test images (${opts.train} and ${opts.test} needed)`);
    }
    const out: GradingImages = {
      source: "cifar10",
      note: `CIFAR-10: the first ${opts.train} training and ${opts.test} test images`,
      classes: tr.classes,
      trainImages: bytes(tr.images),
      trainLabels: bytes(tr.labels),
      testImages: bytes(te.images),
      testLabels: bytes(te.labels),
    };
    cache.set(key, out);
    return out;
  } catch (e) {
    return stand(`CIFAR-10 could not be read (${(e as Error).message})`);
  }
}

/** load() gives CIFAR-10 as bytes already; copy anything else. */
function bytes(a: ArrayLike<number>): Uint8Array {
  return a instanceof Uint8Array ? a : Uint8Array.from(a);
}

/** True when `root` holds a finished extraction (of any CIFAR-10 archive). */
function extracted(root: string): boolean {
  return existsSync(path.join(root, MARKER)) && existsSync(path.join(root, BATCHES_DIR));
}

/**
 * A synthetic, CIFAR-shaped 10-class set. Class c is a stripe texture: one of 5 orientations (0°, 36°,
 * …, 144°) times 2 periods (4 and 8 pixels), in a class colour, at a random phase per image, on a
 * random brightness, under pixel noise 2.6× the stripes' strength. The random phase averages the
 * stripes away, so a linear model stays near chance (about 11 %); a small CNN gets 70–85 %.
 *
 * @example
 * const d = syntheticImages(2000, 500, 2024, "offline");
 * d.note; // "synthetic CIFAR-shaped data (offline) ..."
 */
export function syntheticImages(train: number, test: number, seed: number, why: string): GradingImages {
  const r = rng(seed);
  const colour = Array.from({ length: 10 }, () => [r.uniform(0.3, 1), r.uniform(0.3, 1), r.uniform(0.3, 1)]);
  const make = (n: number) => {
    const images = new Uint8Array(n * PIXELS);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = r.int(0, 10);
      labels[i] = c;
      const angle = (Math.PI * (c % 5)) / 5;
      const k = (2 * Math.PI) / (c < 5 ? 4 : 8);
      const kx = k * Math.cos(angle);
      const ky = k * Math.sin(angle);
      const phase = r.uniform(0, 2 * Math.PI);
      const bright = 128 + 30 * r.uniform(-1, 1);
      for (let ch = 0; ch < 3; ch++) {
        const amp = 35 * colour[c][ch];
        for (let y = 0; y < 32; y++) {
          for (let x = 0; x < 32; x++) {
            const v = bright + amp * Math.cos(kx * x + ky * y + phase) + 90 * r.normal();
            images[i * PIXELS + ch * 1024 + y * 32 + x] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
          }
        }
      }
    }
    return { images, labels };
  };
  const tr = make(train);
  const te = make(test);
  return {
    source: "synthetic",
    note: `synthetic CIFAR-shaped data (${why}); the real check uses CIFAR-10, so treat this result as indicative`,
    classes: CLASSES,
    trainImages: tr.images,
    trainLabels: tr.labels,
    testImages: te.images,
    testLabels: te.labels,
  };
}

/** Run `fn` while holding `<dir>/.grader.lock` (created exclusively; a lock of a dead process is taken over). */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, ".grader.lock");
  const until = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (!holderAlive(lock)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > until) throw new Error(`waited 10 minutes for ${lock} held by another grader; delete it if no grader is running`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function holderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lock, "utf8").trim());
  } catch {
    return false; // removed meanwhile: try again
  }
  if (!Number.isInteger(pid) || pid <= 0) {
    // Just created and the pid not written yet, or its writer died in between (stale after 30 s).
    try {
      return Date.now() - statSync(lock).mtimeMs < 30_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
