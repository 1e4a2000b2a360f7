/**
 * Graded tests for exercises/05-cifar10.ts (tasks 5.1–5.4). Expected values are computed by the grader
 * with gw ops. Task 5.4 trains the student's model in the sandbox on the first 2,000 CIFAR-10 training
 * images and scores its logits for the first 500 test images here, in the grader (whose copy of the
 * test labels is never sent to the sandbox): it passes at a test accuracy of at least 35 % (chance is
 * 10 %) within the task's time limit (30 s by default). The grader loads the images (see
 * `gradingImages`); without CIFAR-10 (no ../shared mirror, nothing in data/cifar10) it uses a synthetic
 * CIFAR-shaped set instead and says so in the test's output.
 */
import * as gw from "gradwork";
import { suite, expectClose, expectTrue, rng, asNumbers, gradingImages } from "../../lib/grader/harness";
import type * as M from "../../exercises/05-cifar10";

const { task } = suite<typeof M>("05-cifar10");

const images = (seed: number, shape: number[], lo = 0, hi = 1) => () => {
  const r = rng(seed);
  return { data: r.array(shape.reduce((a, b) => a * b, 1), lo, hi), shape };
};
const T = (d: { data: number[]; shape: number[] }) => gw.tensor(d.data, { shape: d.shape });

task("5.1", "channel statistics (mean and population std per channel)", 2, {
  inputs: images(61, [4, 3, 5, 6], -1, 3),
  run: (m, d) => m.channelStats(T(d)),
  check: (got, d) => {
    const x = T(d);
    expectClose(got?.mean, x.mean([0, 2, 3]), { atol: 1e-4, what: "mean" });
    expectClose(got?.std, x.var([0, 2, 3], false, { correction: 0 }).sqrt(), { atol: 1e-4, what: "std (divide by the count, not count − 1)" });
  },
});

task("5.1", "normalize per channel", 2, {
  inputs: images(62, [3, 3, 4, 4]),
  run: (m, d) => m.normalize(T(d), [0.5, 0.4, 0.3], [0.25, 0.5, 2]),
  check: (got, d) => expectClose(got, T(d).sub(gw.tensor([0.5, 0.4, 0.3], { shape: [1, 3, 1, 1] })).div(gw.tensor([0.25, 0.5, 2], { shape: [1, 3, 1, 1] })), { atol: 1e-5, what: "normalized images" }),
});

const mirrored = (d: { data: number[]; shape: number[] }) => {
  const [N, C, H, W] = d.shape;
  const idx = gw.tensor(Array.from({ length: W }, (_, j) => W - 1 - j));
  return T(d).indexSelect(3, idx).reshape([N, C, H, W]);
};

task("5.2", "horizontal flip", 2, {
  inputs: images(63, [2, 3, 4, 5]),
  run: (m, d) => m.horizontalFlip(T(d)),
  check: (got, d) => expectClose(got, mirrored(d), { atol: 0, rtol: 0, what: "flipped images" }),
});

task("5.2", "random horizontal flip draws once per image, in order", 2, {
  inputs: images(64, [6, 2, 3, 4]),
  run: (m, d) => {
    const r = rng(99);
    return m.randomHorizontalFlip(T(d), 0.5, () => r.next());
  },
  check: (got, d) => {
    const r = rng(99);
    const flips = Array.from({ length: 6 }, () => r.next() < 0.5);
    const orig = T(d).toArray(4);
    const flip = mirrored(d).toArray(4);
    expectClose(got, flips.map((f, n) => (f ? flip[n] : orig[n])), { atol: 0, rtol: 0, what: `images (image n is flipped when the n-th random number is below p; here [${flips.map(Number)}])` });
  },
});

task("5.3", "accuracy", 1, {
  run: (m) => [m.accuracy(gw.tensor([[2, 1, 0], [0, 3, 1], [1, 0, 5], [4, 4.5, 0]]), [0, 1, 1, 0]), m.accuracy(gw.tensor([[0, 1], [1, 0]]), [1, 0])],
  check: (got) => expectClose(got, [0.5, 1], { what: "accuracy" }),
});

const linearSetup = (seed: number) => () => {
  const r = rng(seed);
  return { w: r.array(12, -1, 1), b: r.array(3, -0.5, 0.5), x: r.array(40, -2, 2), y: Array.from({ length: 10 }, () => r.int(0, 3)) };
};
type LS = ReturnType<ReturnType<typeof linearSetup>>;

function linear(s: LS, dropout = false): gw.nn.Module {
  const lin = new gw.nn.Linear(4, 3);
  lin.loadStateDict({ weight: gw.tensor(s.w, { shape: [3, 4] }), bias: gw.tensor(s.b) });
  return dropout ? new gw.nn.Sequential(lin, new gw.nn.Dropout(0.5)) : lin;
}

task("5.3", "evaluate: mean loss and accuracy in batches, in eval mode", 2, {
  inputs: linearSetup(71),
  run: (m, s) => m.evaluate(linear(s, true), gw.tensor(s.x, { shape: [10, 4] }), s.y, 4),
  check: (got, s) => {
    const logits = linear(s).forward(gw.tensor(s.x, { shape: [10, 4] }));
    expectClose(got?.loss, gw.F.crossEntropy(logits, s.y).item(), { atol: 1e-5, rtol: 1e-4, what: "loss (the model contains dropout: evaluate must switch to eval mode)" });
    const pred = logits.argmax(1).toFloat32Array();
    expectClose(got?.accuracy, s.y.filter((v, i) => pred[i] === v).length / 10, { what: "accuracy" });
  },
});

task("5.3", "one training epoch in batches (SGD, no shuffling)", 3, {
  inputs: linearSetup(72),
  run: (m, s) => {
    const model = linear(s) as gw.nn.Linear;
    const loss = m.trainEpoch(model, new gw.optim.SGD(model.parameters(), { lr: 0.1 }), gw.tensor(s.x, { shape: [10, 4] }), s.y, 4);
    return { loss, weight: model.weight, bias: model.bias };
  },
  check: (got, s) => {
    const model = linear(s) as gw.nn.Linear;
    const opt = new gw.optim.SGD(model.parameters(), { lr: 0.1 });
    const x = gw.tensor(s.x, { shape: [10, 4] });
    let total = 0;
    for (const [a, b] of [[0, 4], [4, 8], [8, 10]]) {
      opt.zeroGrad();
      const l = gw.F.crossEntropy(model.forward(x.slice(0, a, b)), s.y.slice(a, b));
      l.backward();
      opt.step();
      total += l.item() * (b - a);
    }
    expectClose(got?.weight, model.weight, { atol: 1e-5, rtol: 1e-4, what: "weights after the epoch (3 batches: 4, 4 and 2 examples)" });
    expectClose(got?.bias, model.bias, { atol: 1e-5, rtol: 1e-4, what: "bias after the epoch" });
    expectClose(got?.loss, total / 10, { atol: 1e-5, rtol: 1e-4, what: "mean loss per example" });
  },
});

/** Task 5.4's data: sizes, the pass mark, and the batch size of the test-set forward pass. */
const TRAIN = 2000;
const TEST = 500;
const THRESHOLD = 0.35;
const EVAL_BATCH = 100;

/** Bytes 0–255 → a float tensor [n, 3, 32, 32] in 0–1. */
function pixels(bytes: Uint8Array): gw.Tensor {
  const n = bytes.length / 3072;
  const f = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) f[i] = bytes[i] / 255;
  return gw.tensor(f, { shape: [n, 3, 32, 32] });
}

task("5.4", `the model reaches ${THRESHOLD * 100} % test accuracy on a CIFAR-10 subset (${TRAIN} training, ${TEST} test images)`, 6, {
  // Loaded here in the grader (the sandbox cannot read the dataset); the test labels never leave it.
  prepare: () => gradingImages({ train: TRAIN, test: TEST }),
  withhold: ["testLabels"],
  run: (m, d) => {
    const model = m.buildModel();
    m.fit(model, { x: pixels(d.trainImages), y: Array.from(d.trainLabels) });
    model.eval();
    const x = pixels(d.testImages);
    const out = new Float32Array(TEST * 10);
    gw.noGrad(() => {
      for (let s = 0; s < TEST; s += EVAL_BATCH) {
        const logits = model.forward(x.slice(0, s, Math.min(TEST, s + EVAL_BATCH)));
        if (!Array.isArray(logits?.shape) || logits.shape.join() !== `${Math.min(TEST, s + EVAL_BATCH) - s},10`) {
          throw new Error(`the model must map images [N, 3, 32, 32] to logits [N, 10]; got shape [${logits?.shape}] for N = ${Math.min(TEST, s + EVAL_BATCH) - s}`);
        }
        out.set(logits.toFloat32Array(), s * 10);
      }
    });
    return gw.tensor(out, { shape: [TEST, 10] });
  },
  check: (got, d) => {
    const scores = asNumbers(got, TEST * 10, `logits of the ${TEST} test images (shape [${TEST}, 10])`);
    let ok = 0;
    for (let i = 0; i < TEST; i++) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (scores[i * 10 + k] > scores[i * 10 + best]) best = k;
      if (Number.isFinite(scores[i * 10 + best]) && best === d.testLabels[i]) ok++;
    }
    const acc = ok / TEST;
    const shown = `test accuracy ${(acc * 100).toFixed(1)} % on ${d.note}`;
    expectTrue(acc >= THRESHOLD, `${shown}, below the required ${THRESHOLD * 100} % (chance is 10 %)`);
    return shown;
  },
});
