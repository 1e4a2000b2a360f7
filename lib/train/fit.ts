// The training loop: epochs of forward, loss, backward and optimizer steps, with evaluation,
// learning-rate schedules, progress, and a history to plot. It is async and yields to the
// event loop after every step, so a notebook's live plot redraws and its stop button works.
import { noGrad } from "../autograd/grad-mode";
import type { DataLoader } from "../data/dataloader";
import { ProgressBar } from "../io/progress";
import { crossEntropy } from "../nn/losses";
import type { Module } from "../nn/module";
import type { Tensor } from "../tensor/tensor";
import { predictions } from "./metrics";
import { applySchedule, cosineLR, oneCycleLR, stepLR } from "./schedules";
import type { LRSchedule } from "./schedules";
import { inKernel, yieldToKernel } from "../notebook/bridge";
import { InterruptedError, withoutInterrupts } from "../notebook/interrupt";

/** What `fit` needs from an optimizer (every gw.optim optimizer). */
export interface OptimizerLike {
  lr: number;
  step(): void;
  zeroGrad(): void;
}

export type LossFn = (logits: Tensor, targets: Tensor) => Tensor;

/** Result of `evaluate`: mean loss, accuracy, and every prediction with its label (for confusion matrices). */
export interface Evaluation {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
  labels: Int32Array;
}

/** One epoch's figures. Losses are means over samples; accuracies are fractions in [0, 1]. */
export interface EpochStats {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  /** NaN when no test loader was given. */
  testLoss: number;
  testAccuracy: number;
  /** Training images per second (the training part of the epoch only). */
  imagesPerSecond: number;
  /** Wall time of the epoch, evaluation included. */
  seconds: number;
  /** Learning rate at the end of the epoch. */
  lr: number;
}

export interface StepInfo {
  epoch: number;
  /** Step number over the whole run (0-based). */
  step: number;
  /** Batch number in this epoch (0-based) and batches per epoch. */
  batch: number;
  batches: number;
  loss: number;
  /** Accuracy on this batch. */
  accuracy: number;
  lr: number;
  imagesPerSecond: number;
}

export interface FitHistory {
  epochs: EpochStats[];
  /** Training loss of every step, in order. */
  stepLosses: number[];
  /** True when training was stopped early (signal, interrupt, or onStep/onEpoch returned false). */
  stopped: boolean;
  /**
   * True when Jupyter's stop button (or Ctrl+C) ended training. The model then holds the weights
   * of the last finished step (an interrupted step changes no weight) and `epochs` lists the
   * finished epochs plus the interrupted one's figures so far.
   */
  interrupted: boolean;
}

export interface FitOptions {
  train: DataLoader;
  test?: DataLoader;
  epochs: number;
  optimizer: OptimizerLike;
  lossFn?: LossFn;
  /** "step" (×0.1 after each third of the run), "cosine", "onecycle" (peak = the optimizer's lr) or lr = f(step). */
  schedule?: "step" | "cosine" | "onecycle" | LRSchedule;
  /** Called after every step; return false to stop. May be async (it is awaited). */
  onStep?: (info: StepInfo) => void | boolean | Promise<void | boolean>;
  /** Called after every epoch; return false to stop. May be async. */
  onEpoch?: (stats: EpochStats, history: FitHistory) => void | boolean | Promise<void | boolean>;
  /** Stop (after the current step) when this signal aborts. */
  signal?: AbortSignal;
  /** Draw a progress bar on a terminal or in a notebook (default true). */
  progress?: boolean;
}

// Yields to the event loop; inside a kernel it also throws InterruptedError after the stop button
// (ops throw it too, at their next dispatch). fit catches it and returns its history marked
// `interrupted: true`, so the cell goes on and keeps everything it declared.
const tick = () => yieldToKernel();

/**
 * Resolve fit's `schedule` option to a function of the step (or undefined).
 *
 * @example
 * const sched = gw.train.makeSchedule("onecycle", 0.1, 10 * loader.length);
 */
export function makeSchedule(schedule: FitOptions["schedule"], baseLR: number, totalSteps: number): LRSchedule | undefined {
  if (schedule === undefined) return undefined;
  if (typeof schedule === "function") return schedule;
  if (schedule === "step") return stepLR(baseLR, { stepSize: Math.max(1, Math.ceil(totalSteps / 3)), gamma: 0.1 });
  if (schedule === "cosine") return cosineLR(baseLR, { totalSteps: Math.max(1, totalSteps) });
  if (schedule === "onecycle") return oneCycleLR(baseLR, { totalSteps: Math.max(2, totalSteps) });
  throw new Error(`fit: unknown schedule ${JSON.stringify(schedule)} (use "step", "cosine", "onecycle" or a function of the step)`);
}

function countCorrect(logits: Tensor, labels: Tensor): number {
  const p = predictions(logits);
  const y = labels.toFloat32Array();
  let hit = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === y[i]) hit++;
  return hit;
}

/**
 * Mean loss and accuracy of `model` over `loader`, in eval mode and without recording
 * gradients (the model's previous mode is restored). Yields to the event loop between batches.
 *
 * @example
 * const { loss, accuracy, predictions, labels } = await gw.train.evaluate(model, testLoader);
 * gw.train.confusionMatrix(predictions, labels, 10);
 */
export async function evaluate(model: Module, loader: DataLoader, opts: { lossFn?: LossFn } = {}): Promise<Evaluation> {
  const lossFn = opts.lossFn ?? crossEntropy;
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  const preds: number[] = [];
  const labels: number[] = [];
  try {
    for (const [x, y] of loader) {
      const n = x.shape[0];
      noGrad(() => {
        const logits = model.forward(x) as Tensor;
        lossSum += lossFn(logits, y).item() * n;
        const p = predictions(logits);
        const t = y.toFloat32Array();
        for (let i = 0; i < n; i++) {
          preds.push(p[i]);
          labels.push(t[i]);
          if (p[i] === t[i]) correct++;
        }
      });
      count += n;
      await tick();
    }
  } finally {
    model.train(wasTraining);
  }
  return {
    loss: count ? lossSum / count : NaN,
    accuracy: count ? correct / count : NaN,
    predictions: Int32Array.from(preds),
    labels: Int32Array.from(labels),
  };
}

/**
 * Train `model` for `epochs` epochs and return the history. The model is in train mode while
 * training and in eval mode (inside noGrad) while evaluating on `test`.
 *
 * @example
 * const model = gw.train.models.chapterConvNet();
 * const optimizer = new gw.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * const history = await gw.train.fit(model, { train: trainLoader, test: testLoader, epochs: 5, optimizer, schedule: "cosine" });
 * history.epochs.map((e) => e.testAccuracy);
 */
export async function fit(model: Module, opts: FitOptions): Promise<FitHistory> {
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${opts.epochs}`);
  if (!opts.optimizer || typeof opts.optimizer.step !== "function") throw new Error("fit: give an optimizer, e.g. new gw.optim.SGD(model.parameters(), { lr: 0.01 })");
  const lossFn = opts.lossFn ?? crossEntropy;
  const batches = opts.train.length;
  const schedule = makeSchedule(opts.schedule, opts.optimizer.lr, opts.epochs * batches);
  const history: FitHistory = { epochs: [], stepLosses: [], stopped: false, interrupted: false };

  // Inside a notebook kernel (or a CLI that handles Ctrl+C) SIGINT already has a listener:
  // then an interrupt stops training cleanly after the current step.
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  // (not inside tslab: a SIGINT listener added during a cell's synchronous part would stop interrupts
  // from reaching the kernel; there yieldToKernel notices the stop button instead)
  const listen = process.listenerCount("SIGINT") > 0 && !inKernel();
  if (listen) process.on("SIGINT", onSigint);
  const shouldStop = () => interrupted || opts.signal?.aborted === true;

  let step = 0;
  try {
    for (let epoch = 1; epoch <= opts.epochs && !history.stopped; epoch++) {
      const start = performance.now();
      const bar = opts.progress === false ? undefined : new ProgressBar({ label: `epoch ${epoch}/${opts.epochs}`, total: batches });
      model.train();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let batch = 0;
      try {
        for (const [x, y] of opts.train) {
          const lr = schedule ? applySchedule(opts.optimizer, schedule, step) : opts.optimizer.lr;
          opts.optimizer.zeroGrad();
          const logits = model.forward(x) as Tensor;
          const loss = lossFn(logits, y);
          loss.backward();
          // all parameters or none, and a finished step is always recorded: a stop that comes
          // during the update and its bookkeeping takes effect at the next op after them
          const [lossValue, hit] = withoutInterrupts(() => {
            opts.optimizer.step();
            return [loss.item(), countCorrect(logits, y)];
          });
          const n = x.shape[0];
          lossSum += lossValue * n;
          correct += hit;
          seen += n;
          history.stepLosses.push(lossValue);
          const rate = seen / ((performance.now() - start) / 1000);
          bar?.update(batch + 1, `loss ${(lossSum / seen).toFixed(4)} acc ${((100 * correct) / seen).toFixed(1)}% ${rate.toFixed(0)} img/s`);
          const verdict = await opts.onStep?.({ epoch, step, batch, batches, loss: lossValue, accuracy: hit / n, lr, imagesPerSecond: rate });
          step++;
          batch++;
          await tick();
          if (verdict === false || shouldStop()) {
            history.stopped = true;
            break;
          }
        }
      } catch (e) {
        // Stop pressed: the step in progress is dropped (forward/backward change no weight).
        if (!(e instanceof InterruptedError)) throw e;
        interrupted = true;
        history.stopped = true;
      }
      const trainSeconds = (performance.now() - start) / 1000;
      let test = { loss: NaN, accuracy: NaN };
      try {
        if (opts.test && !history.stopped) test = await evaluate(model, opts.test, { lossFn });
      } catch (e) {
        // Stop pressed during the test pass: the epoch's training figures are still recorded
        if (!(e instanceof InterruptedError)) throw e;
        interrupted = true;
        history.stopped = true;
      }
      const stats: EpochStats = {
        epoch,
        trainLoss: seen ? lossSum / seen : NaN,
        trainAccuracy: seen ? correct / seen : NaN,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
        imagesPerSecond: trainSeconds > 0 ? seen / trainSeconds : 0,
        seconds: (performance.now() - start) / 1000,
        lr: opts.optimizer.lr,
      };
      history.epochs.push(stats);
      const testNote = Number.isNaN(stats.testAccuracy) ? "" : ` test loss ${stats.testLoss.toFixed(4)} acc ${(100 * stats.testAccuracy).toFixed(1)}%`;
      bar?.finish(batch, `loss ${stats.trainLoss.toFixed(4)} acc ${(100 * stats.trainAccuracy).toFixed(1)}%${testNote} ${stats.imagesPerSecond.toFixed(0)} img/s${history.stopped ? " (stopped)" : ""}`);
      if ((await opts.onEpoch?.(stats, history)) === false || shouldStop()) history.stopped = true;
    }
  } catch (e) {
    // stopped during the evaluation or a callback after the last step
    if (!(e instanceof InterruptedError)) throw e;
    interrupted = true;
    history.stopped = true;
  } finally {
    if (listen) process.off("SIGINT", onSigint);
    model.train();
  }
  history.interrupted = interrupted;
  return history;
}
