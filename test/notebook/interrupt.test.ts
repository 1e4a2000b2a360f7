import { afterEach, describe, expect, it } from "vitest";
import * as gw from "../../lib";
import { isGradEnabled, noGrad, setGradEnabled } from "../../lib/autograd/grad-mode";
import { InterruptedError, checkInterrupt, clearInterrupt, interruptPending, interruptState, requestInterrupt, withoutInterrupts } from "../../lib/notebook/interrupt";

afterEach(() => clearInterrupt());

describe("the interrupt flag", () => {
  it("throws InterruptedError once, then lets code run again", () => {
    expect(() => checkInterrupt()).not.toThrow();
    requestInterrupt();
    expect(interruptPending()).toBe(true);
    expect(() => checkInterrupt()).toThrow(InterruptedError);
    expect(interruptPending()).toBe(false);
    expect(() => checkInterrupt()).not.toThrow();
  });

  it("stops a synchronous loop of ops at the next op dispatch", () => {
    let steps = 0;
    const loop = () => {
      for (;;) {
        gw.randn([4, 4]).matmul(gw.randn([4, 4]));
        if (++steps === 10) requestInterrupt();
      }
    };
    expect(loop).toThrow(InterruptedError);
    expect(steps).toBe(10);
  });

  it("holds back inside withoutInterrupts and strikes at the next op after it", () => {
    const out = withoutInterrupts(() => {
      requestInterrupt();
      return gw.tensor([1, 2]).add(1).toArray();
    });
    expect(out).toEqual([2, 3]);
    expect(() => gw.tensor([1]).add(1)).toThrow(InterruptedError);
  });

  it("an interrupt inside noGrad leaves gradients on", () => {
    requestInterrupt();
    expect(() => noGrad(() => gw.tensor([1]).add(1))).toThrow(InterruptedError);
    expect(isGradEnabled()).toBe(true);
  });

  it("the cell-start hooks switch autograd back on", () => {
    const prev = gw.noGrad(() => isGradEnabled());
    expect(prev).toBe(false);
    // simulate a stop that ended a cell inside noGrad without running its finally
    setGradEnabled(false);
    for (const fn of interruptState().cellStart) fn();
    expect(isGradEnabled()).toBe(true);
  });
});

describe("fit under Stop", () => {
  it("returns its history marked interrupted, with the weights of the last finished step", async () => {
    gw.manualSeed(0);
    const x = gw.randn([64, 4]);
    const y = gw.tensor(Array.from({ length: 64 }, (_, i) => i % 3));
    const loader = new gw.data.DataLoader(new gw.data.TensorDataset(x, y), { batchSize: 8 });
    const model = new gw.nn.Sequential(new gw.nn.Linear(4, 8), new gw.nn.ReLU(), new gw.nn.Linear(8, 3));
    const optimizer = new gw.optim.Adam(model.parameters(), { lr: 0.01 });
    let snapshot: Float32Array[] = [];
    const history = await gw.train.fit(model, {
      train: loader,
      epochs: 3,
      optimizer,
      progress: false,
      onStep: (s) => {
        if (s.step === 5) {
          snapshot = model.parameters().map((p) => p.toFloat32Array());
          requestInterrupt(); // Stop pressed after step 5: step 6's forward throws
        }
      },
    });
    expect(history.interrupted).toBe(true);
    expect(history.stopped).toBe(true);
    expect(history.stepLosses.length).toBe(6);
    expect(model.parameters().map((p) => Array.from(p.toFloat32Array()))).toEqual(snapshot.map((s) => Array.from(s)));
    expect(isGradEnabled()).toBe(true);
    expect(model.training).toBe(true);
  });

  it("Stop during the test pass keeps the epoch's training figures", async () => {
    gw.manualSeed(0);
    const ds = new gw.data.TensorDataset(gw.randn([32, 4]), gw.tensor(Array.from({ length: 32 }, (_, i) => i % 2)));
    const model = new gw.nn.Linear(4, 2);
    const test = new gw.data.DataLoader(ds, { batchSize: 4 });
    let testBatches = 0;
    const stopInTest = {
      get length() {
        return test.length;
      },
      *[Symbol.iterator]() {
        for (const b of test) {
          if (++testBatches === 3) requestInterrupt(); // the 4th test batch's forward throws
          yield b;
        }
      },
    } as unknown as gw.data.DataLoader;
    const history = await gw.train.fit(model, {
      train: new gw.data.DataLoader(ds, { batchSize: 8 }),
      test: stopInTest,
      epochs: 2,
      optimizer: new gw.optim.SGD(model.parameters(), { lr: 0.1 }),
      progress: false,
    });
    expect(history.interrupted).toBe(true);
    expect(history.stepLosses.length).toBe(4);
    expect(history.epochs.length).toBe(1);
    expect(history.epochs[0].trainLoss).toBeCloseTo(history.stepLosses.reduce((a, b) => a + b, 0) / 4, 5);
    expect(history.epochs[0].testAccuracy).toBeNaN();
    expect(model.training).toBe(true);
  });

  it("a run without Stop is not marked interrupted", async () => {
    const loader = new gw.data.DataLoader(new gw.data.TensorDataset(gw.randn([8, 2]), gw.tensor([0, 1, 0, 1, 0, 1, 0, 1])), { batchSize: 4 });
    const model = new gw.nn.Linear(2, 2);
    const history = await gw.train.fit(model, { train: loader, epochs: 1, optimizer: new gw.optim.SGD(model.parameters(), { lr: 0.1 }), progress: false });
    expect(history.interrupted).toBe(false);
    expect(history.stepLosses.length).toBe(2);
  });
});
