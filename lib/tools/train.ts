// `npm run train -- --model convnet --epochs 2 …`: train a course model on CIFAR-10 from the
// command line, with a progress bar, a final report and a safetensors checkpoint.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

interface Flag {
  name: string;
  arg?: string;
  help: string;
  default?: string;
}

const FLAGS: Flag[] = [
  { name: "model", arg: "convnet|vgg|vgg-bn", help: "which course model to train", default: "convnet" },
  { name: "epochs", arg: "N", help: "passes over the training set", default: "2" },
  { name: "batch-size", arg: "B", help: "images per step", default: "64" },
  { name: "lr", arg: "X", help: "learning rate (the peak rate with --schedule onecycle)", default: "0.01" },
  { name: "momentum", arg: "M", help: "SGD momentum", default: "0.9" },
  { name: "schedule", arg: "none|step|cosine|onecycle", help: "learning-rate schedule over the run", default: "none" },
  { name: "data", arg: "DIR|ARCHIVE|URL", help: "extracted CIFAR-10 folder, or an archive / URL to download and extract into ./data/cifar10", default: "GRADWORK_CIFAR10_URL if set, else the shared mirror ../shared/cifar10, else the official URL" },
  { name: "md5", arg: "HEX", help: "MD5 of the --data archive (default: the .md5 file beside it, or the official one)" },
  { name: "limit", arg: "N", help: "use only the first N training and test images (quick runs)" },
  { name: "augment", help: "random crop (padding 4) and horizontal flip on training batches" },
  { name: "threads", arg: "N", help: "worker threads for the CPU backend (default: GRADWORK_THREADS or all cores)" },
  { name: "backend", arg: "cpu|reference", help: "compute backend (default: the library's default)" },
  { name: "seed", arg: "N", help: "seed for initialisation, shuffling and augmentation", default: "0" },
  { name: "out", arg: "FILE", help: "checkpoint to write", default: "checkpoints/<model>.safetensors" },
  { name: "help", help: "show this help" },
];

export function usage(): string {
  const lefts = FLAGS.map((f) => `  --${f.name}${f.arg ? ` ${f.arg}` : ""}`);
  const width = Math.max(...lefts.map((l) => l.length)) + 2;
  const lines = FLAGS.map((f, i) => {
    return `${lefts[i].padEnd(width)}${f.help}${f.default ? ` (default: ${f.default})` : ""}`;
  });
  return [
    "Train a gradwork course model on CIFAR-10.",
    "",
    "Usage: npm run train -- [flags]",
    "",
    ...lines,
    "",
    "Example: npm run train -- --model convnet --epochs 2 --batch-size 64 --lr 0.01 --limit 5000",
    "Ctrl+C stops after the current step and still writes the checkpoint; press it twice to quit at once.",
  ].join("\n");
}

export interface TrainArgs {
  model: "convnet" | "vgg" | "vgg-bn";
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  schedule: "none" | "step" | "cosine" | "onecycle";
  data?: string;
  md5?: string;
  limit?: number;
  augment: boolean;
  threads?: number;
  backend?: string;
  seed: number;
  out: string;
  help: boolean;
}

/** A bad command line; the message says which flag and why. */
export class UsageError extends Error {}

function num(flag: string, value: string, opts: { integer?: boolean; min?: number } = {}): number {
  const v = Number(value);
  if (value.trim() === "" || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v)) || (opts.min !== undefined && v < opts.min)) {
    const kind = opts.integer ? "an integer" : "a number";
    throw new UsageError(`--${flag} must be ${kind}${opts.min !== undefined ? ` >= ${opts.min}` : ""}, got "${value}"`);
  }
  return v;
}

function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${choices.join(", ")}, got "${value}"`);
  return value as T;
}

/** Parse `--flag value` / `--flag=value` arguments. */
export function parseArgs(argv: string[]): TrainArgs {
  const raw = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument "${a}" (flags start with --)`);
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const flag = FLAGS.find((f) => f.name === name);
    if (!flag) throw new UsageError(`unknown flag --${name}`);
    if (!flag.arg) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      raw.set(name, true);
      continue;
    }
    let value: string | undefined = eq >= 0 ? a.slice(eq + 1) : argv[i + 1];
    if (eq < 0) {
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name} needs a value (${flag.arg})`);
      i++;
    }
    raw.set(name, value);
  }
  const get = (name: string) => {
    const v = raw.get(name);
    return typeof v === "string" ? v : FLAGS.find((f) => f.name === name)?.default;
  };
  const model = oneOf("model", get("model")!, ["convnet", "vgg", "vgg-bn"] as const);
  return {
    model,
    epochs: num("epochs", get("epochs")!, { integer: true, min: 1 }),
    batchSize: num("batch-size", get("batch-size")!, { integer: true, min: 1 }),
    lr: num("lr", get("lr")!, { min: 0 }),
    momentum: num("momentum", get("momentum")!, { min: 0 }),
    schedule: oneOf("schedule", get("schedule")!, ["none", "step", "cosine", "onecycle"] as const),
    data: raw.has("data") ? (raw.get("data") as string) : undefined,
    md5: raw.has("md5") ? (raw.get("md5") as string) : undefined,
    limit: raw.has("limit") ? num("limit", raw.get("limit") as string, { integer: true, min: 1 }) : undefined,
    augment: raw.has("augment"),
    threads: raw.has("threads") ? num("threads", raw.get("threads") as string, { integer: true, min: 1 }) : undefined,
    backend: raw.has("backend") ? oneOf("backend", raw.get("backend") as string, ["cpu", "reference"] as const) : undefined,
    seed: num("seed", get("seed")!, { integer: true, min: 0 }),
    out: raw.has("out") ? (raw.get("out") as string) : join("checkpoints", `${model}.safetensors`),
    help: raw.has("help"),
  };
}

/** Where the batches are: an extracted folder as is; an archive or URL downloaded into ./data/cifar10. */
async function prepareData(args: TrainArgs, data: typeof import("../data")): Promise<string> {
  const root = resolve("data", "cifar10");
  const src = args.data;
  if (src && !/^(https?|file):/i.test(src) && existsSync(src) && statSync(src).isDirectory()) return src;
  const t0 = Date.now();
  const result = await data.cifar10.download({ root, url: src, md5: args.md5 });
  if (!result.skipped) console.log(`CIFAR-10 ready in ${result.dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return root;
}

export async function main(argv: string[]): Promise<number> {
  let args: TrainArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`train: ${err.message}\n\n${usage()}`);
    return 2;
  }
  if (args.help) {
    console.log(usage());
    return 0;
  }
  if (args.threads !== undefined) process.env.GRADWORK_THREADS = String(args.threads);
  const gw = await import("../index"); // after GRADWORK_THREADS is set
  const data = await import("../data");
  const train = await import("../train");
  const { save } = await import("../io/safetensors");
  const setNumThreads = (gw as { setNumThreads?: (n: number) => void }).setNumThreads;
  if (args.threads !== undefined && setNumThreads) setNumThreads(args.threads);
  if (args.backend) gw.setBackend(args.backend);

  const root = await prepareData(args, data);
  const t0 = Date.now();
  const trainSet = data.cifar10.load({ root, split: "train", limit: args.limit });
  const testSet = data.cifar10.load({ root, split: "test", limit: args.limit });
  console.log(`loaded ${trainSet.length} training and ${testSet.length} test images in ${((Date.now() - t0) / 1000).toFixed(2)} s`);

  gw.manualSeed(args.seed);
  const norm = [data.toTensor(), data.normalize(data.cifar10.MEAN, data.cifar10.STD)];
  const augment = args.augment ? [data.randomCrop(32, { padding: 4 }), data.randomHorizontalFlip()] : [];
  const trainLoader = new data.DataLoader(trainSet, { batchSize: args.batchSize, shuffle: true, seed: args.seed, transform: [...augment, ...norm] });
  const testLoader = new data.DataLoader(testSet, { batchSize: Math.max(args.batchSize, 256), transform: norm });
  const model = args.model === "convnet" ? train.models.chapterConvNet() : train.models.vggNet({ batchNorm: args.model === "vgg-bn" });
  const params = model.parameters().reduce((n, p) => n + p.numel, 0);
  const optimizer = new gw.optim.SGD(model.parameters(), { lr: args.lr, momentum: args.momentum });
  console.log(
    `model ${args.model} (${params.toLocaleString("en")} parameters), backend ${gw.getBackend()}, ${args.epochs} epochs × ${trainLoader.length} steps of ${args.batchSize}, lr ${args.lr}, momentum ${args.momentum}, schedule ${args.schedule}${args.augment ? ", augmented" : ""}`,
  );

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    console.error("\nstopping after this step (Ctrl+C again to quit now)…");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  const started = Date.now();
  let history;
  try {
    history = await train.fit(model, {
      train: trainLoader,
      test: testLoader,
      epochs: args.epochs,
      optimizer,
      schedule: args.schedule === "none" ? undefined : args.schedule,
      signal: controller.signal,
      onEpoch: (s) => {
        if (!process.stderr.isTTY) {
          console.log(
            `epoch ${s.epoch}: train loss ${s.trainLoss.toFixed(4)} acc ${(100 * s.trainAccuracy).toFixed(1)}% | test loss ${s.testLoss.toFixed(4)} acc ${(100 * s.testAccuracy).toFixed(1)}% | ${s.imagesPerSecond.toFixed(0)} img/s, ${s.seconds.toFixed(1)} s`,
          );
        }
      },
    });
  } finally {
    process.off("SIGINT", onSigint);
  }

  const final = await train.evaluate(model, testLoader);
  const perClass = train.perClassAccuracy(final.predictions, final.labels, 10);
  const minutes = (Date.now() - started) / 60000;
  console.log(`\n${history.stopped ? "stopped early" : "done"} after ${history.epochs.length} epoch(s), ${minutes.toFixed(1)} min`);
  console.log("epoch  train loss  train acc  test loss  test acc   img/s   seconds");
  for (const e of history.epochs) {
    console.log(
      `${String(e.epoch).padStart(5)}  ${e.trainLoss.toFixed(4).padStart(10)}  ${(100 * e.trainAccuracy).toFixed(1).padStart(8)}%  ${e.testLoss.toFixed(4).padStart(9)}  ${(100 * e.testAccuracy).toFixed(1).padStart(7)}%  ${e.imagesPerSecond.toFixed(0).padStart(6)}  ${e.seconds.toFixed(1).padStart(8)}`,
    );
  }
  console.log(`test accuracy ${(100 * final.accuracy).toFixed(2)}% (loss ${final.loss.toFixed(4)}) on ${testSet.length} images`);
  console.log("per class: " + trainSet.classes.map((c, i) => `${c} ${(100 * perClass[i]).toFixed(0)}%`).join(", "));

  mkdirSync(dirname(resolve(args.out)), { recursive: true });
  save(model, args.out, {
    model: args.model,
    epochs: String(history.epochs.length),
    testAccuracy: final.accuracy.toFixed(4),
    seed: String(args.seed),
  });
  console.log(`checkpoint written to ${args.out}`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`train: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
