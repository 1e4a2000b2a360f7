import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { DataLoader } from "../../lib/data/dataloader";
import { TensorDataset } from "../../lib/data/dataset";
import { evaluate, fit } from "../../lib/train/fit";

/** Two Gaussian blobs in 2-D, labels 0/1: linearly separable. */
function blobs(n: number, seed: number) {
  gw.manualSeed(seed);
  const y = gw.tensor(Array.from({ length: n }, (_, i) => i % 2));
  const x = gw.randn([n, 2]).mul(0.5).add(y.unsqueeze(1).mul(3).sub(1.5));
  return new TensorDataset(x, y);
}

/** A linear model that records the mode and grad-mode of each forward call. */
class Probe extends gw.nn.Module {
  fc = new gw.nn.Linear(2, 2);
  calls: { training: boolean; grad: boolean }[] = [];
  forward(x: gw.Tensor): gw.Tensor {
    this.calls.push({ training: this.training, grad: gw.isGradEnabled() });
    return this.fc.forward(x);
  }
}

describe("fit", () => {
  it("learns a separable problem and reports per-epoch history", async () => {
    gw.manualSeed(0);
    const model = new Probe();
    const train = new DataLoader(blobs(200, 1), { batchSize: 20, shuffle: true, seed: 0 });
    const test = new DataLoader(blobs(100, 2), { batchSize: 50 });
    const optimizer = new gw.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const epochLog: number[] = [];
    const history = await fit(model, { train, test, epochs: 4, optimizer, progress: false, onEpoch: (s) => void epochLog.push(s.epoch) });
    expect(epochLog).toEqual([1, 2, 3, 4]);
    expect(history.epochs).toHaveLength(4);
    expect(history.stepLosses).toHaveLength(40);
    expect(history.stopped).toBe(false);
    const last = history.epochs[3];
    for (const k of ["trainLoss", "trainAccuracy", "testLoss", "testAccuracy", "imagesPerSecond", "seconds"] as const) {
      expect(Number.isFinite(last[k])).toBe(true);
    }
    expect(last.trainLoss).toBeLessThan(history.epochs[0].trainLoss);
    expect(last.testAccuracy).toBeGreaterThan(0.95);
    expect(history.stepLosses[39]).toBeLessThan(history.stepLosses[0]);
    // evaluate agrees with the last epoch's test figures
    const ev = await evaluate(model, test);
    expect(ev.accuracy).toBeCloseTo(last.testAccuracy, 10);
    expect(ev.loss).toBeCloseTo(last.testLoss, 5);
  });

  it("trains in train mode with gradients and evaluates in eval mode inside noGrad", async () => {
    const model = new Probe();
    const train = new DataLoader(blobs(40, 3), { batchSize: 20 });
    const test = new DataLoader(blobs(30, 4), { batchSize: 10 });
    await fit(model, { train, test, epochs: 1, optimizer: new gw.optim.SGD(model.parameters(), { lr: 0.1 }), progress: false });
    expect(model.calls.slice(0, 2)).toEqual([{ training: true, grad: true }, { training: true, grad: true }]);
    expect(model.calls.slice(2)).toEqual(new Array(3).fill({ training: false, grad: false }));
    expect(model.training).toBe(true);
    model.eval();
    await evaluate(model, test);
    expect(model.training).toBe(false); // evaluate restores the previous mode
    expect(gw.isGradEnabled()).toBe(true);
  });

  it("sets optimizer.lr from the schedule at every step", async () => {
    const model = new Probe();
    const train = new DataLoader(blobs(40, 5), { batchSize: 10 });
    const optimizer = new gw.optim.SGD(model.parameters(), { lr: 0.2 });
    const lrs: number[] = [];
    await fit(model, { train, epochs: 3, optimizer, schedule: "cosine", progress: false, onStep: (s) => void lrs.push(s.lr) });
    expect(lrs).toHaveLength(12);
    expect(lrs[0]).toBeCloseTo(0.2, 12);
    expect(lrs[6]).toBeCloseTo(0.1, 12);
    for (let i = 1; i < 12; i++) expect(lrs[i]).toBeLessThan(lrs[i - 1]);
    const custom: number[] = [];
    await fit(model, { train, epochs: 1, optimizer, schedule: (step) => 1 / (step + 1), progress: false, onStep: () => void custom.push(optimizer.lr) });
    expect(custom).toEqual([1, 1 / 2, 1 / 3, 1 / 4]);
    await expect(fit(model, { train, epochs: 1, optimizer, schedule: "linear" as never })).rejects.toThrow(/unknown schedule "linear"/);
  });

  it("stops early when onStep returns false or the signal aborts, yielding to the event loop between steps", async () => {
    const model = new Probe();
    const train = new DataLoader(blobs(100, 6), { batchSize: 10 });
    const optimizer = new gw.optim.SGD(model.parameters(), { lr: 0.1 });
    const h1 = await fit(model, { train, epochs: 5, optimizer, progress: false, onStep: (s) => s.step < 6 });
    expect(h1.stopped).toBe(true);
    expect(h1.stepLosses).toHaveLength(7);

    const controller = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
      if (ticks === 3) controller.abort();
    }, 0);
    const h2 = await fit(model, { train, epochs: 1000, optimizer, progress: false, signal: controller.signal });
    clearInterval(timer);
    expect(h2.stopped).toBe(true);
    expect(h2.stepLosses.length).toBeLessThan(1000 * 10);
    expect(ticks).toBeGreaterThanOrEqual(3); // timers ran while fit was training
  });

  it("stops after the current step on SIGINT when something (a notebook kernel, the CLI) handles interrupts", async () => {
    const model = new Probe();
    const train = new DataLoader(blobs(100, 7), { batchSize: 10 });
    const optimizer = new gw.optim.SGD(model.parameters(), { lr: 0.1 });
    const kernelHandler = () => {};
    process.on("SIGINT", kernelHandler); // stands in for tslab's own handler
    try {
      const h = await fit(model, {
        train, epochs: 100, optimizer, progress: false,
        onStep: (s) => { if (s.step === 4) process.emit("SIGINT"); },
      });
      expect(h.stopped).toBe(true);
      expect(h.stepLosses).toHaveLength(5);
      expect(process.listenerCount("SIGINT")).toBe(1); // fit removed its listener
    } finally {
      process.off("SIGINT", kernelHandler);
    }
  });
});
