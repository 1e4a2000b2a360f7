// Learning-rate schedules: functions of the step number, applied by setting `optimizer.lr`
// before each optimizer step.

/** Maps a step index (0-based, over the whole run) to a learning rate. */
export type LRSchedule = (step: number) => number;

/** Anything with a settable learning rate (every gw.optim optimizer). */
export interface HasLR {
  lr: number;
}

/**
 * Multiply the rate by `gamma` every `stepSize` steps.
 *
 * @example
 * const sched = gw.train.stepLR(0.1, { stepSize: 1000, gamma: 0.1 });
 * sched(999); // 0.1
 * sched(1000); // 0.01
 */
export function stepLR(baseLR: number, opts: { stepSize: number; gamma?: number }): LRSchedule {
  const gamma = opts.gamma ?? 0.1;
  if (!(opts.stepSize >= 1)) throw new Error(`stepLR: stepSize must be >= 1, got ${opts.stepSize}`);
  return (step) => baseLR * gamma ** Math.floor(step / opts.stepSize);
}

/**
 * Cosine decay from `baseLR` at step 0 to `minLR` at `totalSteps`.
 *
 * @example
 * const sched = gw.train.cosineLR(0.1, { totalSteps: 100 });
 * sched(50); // 0.05
 */
export function cosineLR(baseLR: number, opts: { totalSteps: number; minLR?: number }): LRSchedule {
  const min = opts.minLR ?? 0;
  if (!(opts.totalSteps >= 1)) throw new Error(`cosineLR: totalSteps must be >= 1, got ${opts.totalSteps}`);
  return (step) => min + ((baseLR - min) * (1 + Math.cos((Math.PI * Math.min(step, opts.totalSteps)) / opts.totalSteps))) / 2;
}

/**
 * One-cycle policy: a cosine warm-up from maxLR/divFactor to maxLR over the first `pctStart`
 * of the steps, then cosine annealing down to maxLR/(divFactor·finalDivFactor).
 *
 * @example
 * const sched = gw.train.oneCycleLR(0.1, { totalSteps: 1000 }); // peak 0.1 at step 300
 */
export function oneCycleLR(
  maxLR: number,
  opts: { totalSteps: number; pctStart?: number; divFactor?: number; finalDivFactor?: number },
): LRSchedule {
  const total = opts.totalSteps;
  if (!(total >= 2)) throw new Error(`oneCycleLR: totalSteps must be >= 2, got ${total}`);
  const pct = opts.pctStart ?? 0.3;
  const start = maxLR / (opts.divFactor ?? 25);
  const end = start / (opts.finalDivFactor ?? 1e4);
  const up = Math.max(1, Math.round(pct * total) - 1);
  const cos = (from: number, to: number, t: number) => to + ((from - to) * (1 + Math.cos(Math.PI * t))) / 2;
  return (step) => {
    if (step <= up) return cos(start, maxLR, step / up);
    return cos(maxLR, end, Math.min(1, (step - up) / Math.max(1, total - 1 - up)));
  };
}

/**
 * Set `optimizer.lr` from `schedule` for `step`; returns the rate (what `fit` does before each step).
 *
 * @example
 * gw.train.applySchedule(optimizer, gw.train.cosineLR(0.1, { totalSteps: 100 }), 50); // optimizer.lr = 0.05
 */
export function applySchedule(optimizer: HasLR, schedule: LRSchedule, step: number): number {
  const lr = schedule(step);
  if (!Number.isFinite(lr) || lr < 0) throw new Error(`learning-rate schedule gave ${lr} at step ${step}`);
  optimizer.lr = lr;
  return lr;
}
