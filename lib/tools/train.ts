#!/usr/bin/env node
// `npm run train -- --model convnet --epochs 2 …` (or `gradwork-train …` when installed): train a
// course model on CIFAR-10 from the command line, with a progress bar, a final report and a
// safetensors checkpoint (plus the optimizer's state beside it, for `--resume`).
import { packageVersion } from "../paths";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs as parseCommandLine } from "node:util";

interface Flag {
  name: string;
  /** One-letter alias (`-e 3`). */
  short?: string;
  arg?: string;
  help: string;
  default?: string;
}

const FLAGS: Flag[] = [
  { name: "model", short: "m", arg: "convnet|vgg|vgg-bn", help: "which course model to train", default: "convnet, or the --resume checkpoint's" },
  { name: "epochs", short: "e", arg: "N", help: "passes over the training set (with --resume: the total, counting the epochs already done)", default: "2" },
  { name: "batch-size", short: "b", arg: "B", help: "images per step", default: "64" },
  { name: "lr", arg: "X", help: "learning rate (the peak rate with --schedule onecycle)", default: "0.01" },
  { name: "momentum", arg: "M", help: "SGD momentum", default: "0.9" },
  { name: "schedule", arg: "none|step|cosine|onecycle", help: "learning-rate schedule over the run", default: "none" },
  { name: "data", short: "d", arg: "DIR|ARCHIVE|URL", help: "extracted CIFAR-10 folder, or an archive / URL to download and extract into the cache folder", default: "GRADWORK_CIFAR10_URL if set, else the shared mirror ../shared/cifar10, else the official URL" },
  { name: "md5", arg: "HEX", help: "MD5 of the --data archive (default: the .md5 file beside it, or the official one)" },
  { name: "limit", short: "n", arg: "N", help: "use only the first N training and test images (quick runs)" },
  { name: "augment", short: "a", help: "random crop (padding 4) and horizontal flip on training batches" },
  { name: "threads", short: "t", arg: "N", help: "worker threads for the CPU backend (default: GRADWORK_THREADS or all cores)" },
  { name: "backend", arg: "cpu|reference", help: "compute backend (default: the library's default)" },
  { name: "seed", short: "s", arg: "N", help: "seed for initialisation, shuffling and augmentation", default: "0" },
  { name: "out", short: "o", arg: "FILE", help: "checkpoint to write (the optimizer state goes to FILE with .optim.safetensors)", default: "checkpoints/<model>.safetensors" },
  { name: "json", arg: "FILE", help: "also write the run's figures (per epoch: accuracy, loss, seconds, images/s) as JSON" },
  { name: "resume", short: "r", arg: "FILE", help: "continue from a checkpoint written by this command (weights, optimizer state, epochs done)" },
  { name: "version", short: "V", help: "print gradwork's version" },
  { name: "help", short: "h", help: "show this help" },
];

export function usage(): string {
  const lefts = FLAGS.map((f) => `  ${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.arg ? ` ${f.arg}` : ""}`);
  const width = Math.max(...lefts.map((l) => l.length)) + 2;
  const lines = FLAGS.map((f, i) => {
    return `${lefts[i].padEnd(width)}${f.help}${f.default ? ` (default: ${f.default})` : ""}`;
  });
  return [
    "Train a gradwork course model on CIFAR-10.",
    "",
    "Usage: npm run train -- [flags]      (or: npx gradwork-train [flags])",
    "",
    ...lines,
    "",
    "Examples:",
    "  npm run train -- --model convnet --epochs 2 --batch-size 64 --lr 0.01 --limit 5000",
    "  npm run train -- -e 4 --resume checkpoints/convnet.safetensors   # two more epochs after a 2-epoch run",
    "Ctrl+C stops after the current step, writes the checkpoint and exits with code 130; press it twice to quit at once.",
  ].join("\n");
}

export interface TrainArgs {
  model: "convnet" | "vgg" | "vgg-bn";
  /** True when --model was given (with --resume the checkpoint's model is used otherwise). */
  modelGiven: boolean;
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
  /** True when --out was given. */
  outGiven: boolean;
  resume?: string;
  /** --json: where to write the run's figures. */
  json?: string;
  version: boolean;
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

/** node:util's parse errors, reworded to name the flag the way the rest of this command does. */
function usageErrorFrom(e: Error & { code?: string }): UsageError {
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? "";
  const tokens = quoted.split(/[\s,]+/).filter((t) => t.startsWith("-"));
  const flag = tokens.find((t) => t.startsWith("--")) ?? tokens[0] ?? quoted; // "-a, --augment" -> "--augment"
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return new UsageError(`unknown flag ${flag}`);
  if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") return new UsageError(`unexpected argument "${quoted}" (flags start with -- or -)`);
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (/does not take an argument/.test(e.message)) return new UsageError(`${flag} takes no value`);
    const f = FLAGS.find((x) => `--${x.name}` === flag || `-${x.short}` === flag);
    return new UsageError(`${flag} needs a value${f?.arg ? ` (${f.arg})` : ""}`);
  }
  return new UsageError(e.message);
}

/**
 * Parse the command line with node:util's parseArgs: `--flag value`, `--flag=value`, `-f value`.
 *
 * @example
 * parseArgs(["-e", "3", "--batch-size=32", "-a"]); // { epochs: 3, batchSize: 32, augment: true, … }
 */
export function parseArgs(argv: string[]): TrainArgs {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const f of FLAGS) options[f.name] = { type: f.arg ? "string" : "boolean", ...(f.short ? { short: f.short } : {}) };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseCommandLine({ args: argv, options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (e) {
    throw usageErrorFrom(e as Error & { code?: string });
  }
  const str = (name: string) => values[name] as string | undefined;
  const get = (name: string, fallback: string) => str(name) ?? fallback;
  const model = oneOf("model", get("model", "convnet"), ["convnet", "vgg", "vgg-bn"] as const);
  return {
    model,
    modelGiven: str("model") !== undefined,
    epochs: num("epochs", get("epochs", "2"), { integer: true, min: 1 }),
    batchSize: num("batch-size", get("batch-size", "64"), { integer: true, min: 1 }),
    lr: num("lr", get("lr", "0.01"), { min: 0 }),
    momentum: num("momentum", get("momentum", "0.9"), { min: 0 }),
    schedule: oneOf("schedule", get("schedule", "none"), ["none", "step", "cosine", "onecycle"] as const),
    data: str("data"),
    md5: str("md5"),
    limit: str("limit") !== undefined ? num("limit", str("limit")!, { integer: true, min: 1 }) : undefined,
    augment: values.augment === true,
    threads: str("threads") !== undefined ? num("threads", str("threads")!, { integer: true, min: 1 }) : undefined,
    backend: str("backend") !== undefined ? oneOf("backend", str("backend")!, ["cpu", "reference"] as const) : undefined,
    seed: num("seed", get("seed", "0"), { integer: true, min: 0 }),
    out: str("out") ?? join("checkpoints", `${model}.safetensors`),
    outGiven: str("out") !== undefined,
    resume: str("resume"),
    json: str("json"),
    version: values.version === true,
    help: values.help === true,
  };
}

/** The optimizer-state file that goes with a checkpoint: `x.safetensors` -> `x.optim.safetensors`. */
export function optimizerFile(checkpoint: string): string {
  return checkpoint.replace(/(\.safetensors)?$/, ".optim.safetensors");
}

/** A test accuracy for the report: "–" for an epoch that was stopped before its test pass. */
export function percent(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : "–";
}

/** Where the batches are: an extracted folder as is; an archive or URL downloaded into the cache folder. */
async function prepareData(args: TrainArgs, data: typeof import("../data")): Promise<string> {
  const root = data.cifar10.defaultRoot();
  const src = args.data;
  if (src && !/^(https?|file):/i.test(src) && existsSync(src) && statSync(src).isDirectory()) return src;
  const t0 = Date.now();
  const result = await data.cifar10.download({ root, url: src, md5: args.md5 });
  if (!result.skipped) console.log(`CIFAR-10 ready in ${result.dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return root;
}

interface Resumed {
  model: TrainArgs["model"];
  epochsDone: number;
  stepsDone: number;
}

/** Reads what --resume needs from a checkpoint's metadata, checking it against the flags. */
function readResume(file: string, args: TrainArgs, loadMetadata: (f: string) => Record<string, string>): Resumed {
  if (!existsSync(file)) throw new UsageError(`--resume: no checkpoint at ${file}`);
  const meta = loadMetadata(file);
  const model = meta.model as TrainArgs["model"];
  if (!["convnet", "vgg", "vgg-bn"].includes(model)) throw new UsageError(`--resume: ${file} was not written by this command (no "model" in its metadata)`);
  if (args.modelGiven && args.model !== model) throw new UsageError(`--resume: ${file} holds a ${model} model but --model is ${args.model}`);
  const epochsDone = Number(meta.epochsCompleted ?? meta.epochs ?? 0);
  const stepsDone = Number(meta.steps ?? 0);
  if (!Number.isInteger(epochsDone) || epochsDone < 0) throw new UsageError(`--resume: ${file} has a bad "epochsCompleted" (${meta.epochsCompleted})`);
  return { model, epochsDone, stepsDone: Number.isFinite(stepsDone) ? stepsDone : 0 };
}

export async function main(argv: string[]): Promise<number> {
  let args: TrainArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`train: ${err.message} (see --help)`);
    return 2;
  }
  if (args.help) {
    console.log(usage());
    return 0;
  }
  if (args.version) {
    console.log(`gradwork ${packageVersion()}`);
    return 0;
  }
  if (args.threads !== undefined) process.env.GRADWORK_THREADS = String(args.threads);
  const gw = await import("../index"); // after GRADWORK_THREADS is set
  const data = await import("../data");
  const train = await import("../train");
  const { save, load, loadMetadata } = await import("../io/safetensors");
  const setNumThreads = (gw as { setNumThreads?: (n: number) => void }).setNumThreads;
  if (args.threads !== undefined && setNumThreads) setNumThreads(args.threads);
  if (args.backend) gw.setBackend(args.backend);

  let resumed: Resumed | undefined;
  try {
    if (args.resume) {
      resumed = readResume(args.resume, args, loadMetadata);
      args.model = resumed.model;
      if (!args.outGiven) args.out = args.resume; // continue the same checkpoint unless --out says otherwise
      if (resumed.epochsDone >= args.epochs) {
        throw new UsageError(`--resume: ${args.resume} has already done ${resumed.epochsDone} epoch(s); --epochs is the total, so give more than ${resumed.epochsDone}`);
      }
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`train: ${err.message} (see --help)`);
    return 2;
  }

  const root = await prepareData(args, data);
  const t0 = Date.now();
  const trainSet = data.cifar10.load({ root, split: "train", limit: args.limit });
  const testSet = data.cifar10.load({ root, split: "test", limit: args.limit });
  console.log(`loaded ${trainSet.length} training and ${testSet.length} test images in ${((Date.now() - t0) / 1000).toFixed(2)} s`);

  const done = resumed?.epochsDone ?? 0;
  gw.manualSeed(args.seed + done); // a resumed run draws fresh shuffles, not the first epochs' again
  const norm = [data.toTensor(), data.normalize(data.cifar10.MEAN, data.cifar10.STD)];
  const augment = args.augment ? [data.randomCrop(32, { padding: 4 }), data.randomHorizontalFlip()] : [];
  const trainLoader = new data.DataLoader(trainSet, { batchSize: args.batchSize, shuffle: true, seed: args.seed + done, transform: [...augment, ...norm] });
  const testLoader = new data.DataLoader(testSet, { batchSize: Math.max(args.batchSize, 256), transform: norm });
  const model = args.model === "convnet" ? train.chapterConvNet() : train.vggNet({ batchNorm: args.model === "vgg-bn" });
  const params = model.parameters().reduce((n, p) => n + p.numel, 0);
  const optimizer = new gw.optim.SGD(model.parameters(), { lr: args.lr, momentum: args.momentum });
  if (resumed && args.resume) {
    load(model, args.resume);
    const optFile = optimizerFile(args.resume);
    if (existsSync(optFile)) {
      gw.optim.loadState(optimizer, optFile);
      optimizer.lr = args.lr; // the flags decide the rate of the new run
      console.log(`resumed from ${args.resume} after ${done} epoch(s), with the optimizer state of ${optFile}`);
    } else {
      console.warn(`resumed from ${args.resume} after ${done} epoch(s); no ${optFile}, so SGD momentum starts from zero`);
    }
  }
  const epochs = args.epochs - done;
  // The schedule runs over the whole run (all --epochs), continuing where the resumed run stopped.
  const stepsDone = done * trainLoader.length;
  const whole = train.makeSchedule(args.schedule === "none" ? undefined : args.schedule, args.lr, args.epochs * trainLoader.length);
  const schedule = whole && (resumed ? (step: number) => whole(step + stepsDone) : whole);
  console.log(
    `model ${args.model} (${params.toLocaleString("en")} parameters), backend ${gw.getBackend()}, ${resumed ? `epochs ${done + 1}–${args.epochs}` : `${args.epochs} epochs`} × ${trainLoader.length} steps of ${args.batchSize}, lr ${args.lr}, momentum ${args.momentum}, schedule ${args.schedule}${args.augment ? ", augmented" : ""}`,
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
      epochs,
      optimizer,
      schedule,
      signal: controller.signal,
      onEpoch: (s) => {
        if (!process.stderr.isTTY) {
          console.log(
            `epoch ${s.epoch + done}: train loss ${s.trainLoss.toFixed(4)} acc ${percent(s.trainAccuracy)} | test loss ${Number.isFinite(s.testLoss) ? s.testLoss.toFixed(4) : "–"} acc ${percent(s.testAccuracy)} | ${s.imagesPerSecond.toFixed(0)} img/s, ${s.seconds.toFixed(1)} s`,
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
  // An epoch stopped part-way has no test pass (NaN): it does not count as done for --resume.
  const completed = history.epochs.filter((e) => !Number.isNaN(e.testAccuracy)).length;
  console.log(`\n${history.stopped ? "stopped early" : "done"} after ${history.epochs.length} epoch(s), ${minutes.toFixed(1)} min`);
  console.log("epoch  train loss  train acc  test loss  test acc   img/s   seconds");
  for (const e of history.epochs) {
    const testLoss = Number.isFinite(e.testLoss) ? e.testLoss.toFixed(4) : "–";
    console.log(
      `${String(e.epoch + done).padStart(5)}  ${e.trainLoss.toFixed(4).padStart(10)}  ${percent(e.trainAccuracy).padStart(9)}  ${testLoss.padStart(9)}  ${percent(e.testAccuracy).padStart(8)}  ${e.imagesPerSecond.toFixed(0).padStart(6)}  ${e.seconds.toFixed(1).padStart(8)}`,
    );
  }
  console.log(`test accuracy ${percent(final.accuracy, 2)} (loss ${final.loss.toFixed(4)}) on ${testSet.length} images`);
  console.log("per class: " + trainSet.classes.map((c, i) => `${c} ${percent(perClass[i], 0)}`).join(", "));

  mkdirSync(dirname(resolve(args.out)), { recursive: true });
  save(model, args.out, {
    model: args.model,
    epochs: String(done + history.epochs.length),
    epochsCompleted: String(done + completed),
    testAccuracy: final.accuracy.toFixed(4),
    seed: String(args.seed),
    lr: String(args.lr),
    schedule: args.schedule,
  });
  gw.optim.saveState(optimizer, optimizerFile(args.out));
  if (args.json) {
    const report = {
      model: args.model, epochs: history.epochs.map((e) => ({ ...e, epoch: e.epoch + done })), stopped: history.stopped,
      testAccuracy: final.accuracy, testLoss: final.loss, minutes, node: process.version, backend: gw.getBackend(), threads: gw.getNumThreads(),
    };
    mkdirSync(dirname(resolve(args.json)), { recursive: true });
    writeFileSync(args.json, JSON.stringify(report, null, 2) + "\n");
  }
  console.log(`checkpoint written to ${args.out} (optimizer state: ${optimizerFile(args.out)})`);
  if (history.stopped && controller.signal.aborted) {
    console.log(`resume with: npm run train -- --resume ${args.out} --epochs ${args.epochs}`);
    return 130; // stopped by Ctrl+C: like a shell, exit 128 + SIGINT
  }
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
