/**
 * Graded tests for exercises/05-cifar10.ts (tasks 5.1–5.4). Expected values are computed by the grader
 * with gw ops; task 5.4 trains the student's model in the sandbox on a synthetic CIFAR-shaped set
 * (10 classes, 3×16×16 images: a fixed random pattern per class under noise seven times its strength; 1,000 training and
 * 500 test images) and passes at a test accuracy of at least 80 % (chance is 10 %) within the task's
 * time limit (30 s by default).
 */
import * as gw from "gradwork";
import { suite, expectClose, expectTrue, fail, rng, asNumbers } from "../../lib/grader/harness";
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
    const orig = T(d).toArray() as number[][][][];
    const flip = mirrored(d).toArray() as number[][][][];
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

/** A CIFAR-shaped synthetic set: one random pattern per class plus noise seven times as strong. */
function syntheticSet(seed: number, n: number) {
  const r = rng(seed);
  const templates = Array.from({ length: 10 }, () => Array.from({ length: 768 }, () => r.normal()));
  const y: number[] = [];
  const data = new Float32Array(n * 768);
  for (let i = 0; i < n; i++) {
    const c = r.int(0, 10);
    y.push(c);
    for (let j = 0; j < 768; j++) data[i * 768 + j] = 0.5 + 0.1 * (templates[c][j] + 7 * r.normal());
  }
  return { x: gw.tensor(data, { shape: [n, 3, 16, 16] }), y };
}

const THRESHOLD = 0.8;

task("5.4", `the model reaches ${THRESHOLD * 100} % test accuracy on the synthetic 10-class set`, 6, {
  run: (m) => {
    const all = syntheticSet(2024, 1500);
    const train = { x: all.x.slice(0, 0, 1000), y: all.y.slice(0, 1000) };
    const model = m.buildModel();
    m.fit(model, train);
    model.eval();
    return gw.noGrad(() => model.forward(all.x.slice(0, 1000, 1500)));
  },
  check: (got) => {
    const logits = (got && got.$tensor) || Array.isArray(got) ? got : fail("the model must return a tensor of logits");
    const scores = asNumbers(logits, 5000, "logits of the 500 test images (shape [500, 10])");
    const y = syntheticSet(2024, 1500).y.slice(1000);
    let ok = 0;
    for (let i = 0; i < 500; i++) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (scores[i * 10 + k] > scores[i * 10 + best]) best = k;
      if (best === y[i]) ok++;
    }
    const acc = ok / 500;
    expectTrue(acc >= THRESHOLD, `test accuracy ${(acc * 100).toFixed(1)} % is below the required ${THRESHOLD * 100} %`);
    return `test accuracy ${(acc * 100).toFixed(1)} %`;
  },
});
