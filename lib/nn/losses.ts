// Loss functions, built from tensor ops (their gradients come from autodiff).
import { Tensor } from "../tensor/tensor";
import { fmtShape } from "../tensor/shape";
import { abs, add, exp, log, maximum, mul, sub } from "../ops/elementwise";
import { logSoftmax } from "../ops/reduce";

export type Reduction = "mean" | "sum" | "none";

function reduce(loss: Tensor, reduction: Reduction, what: string): Tensor {
  if (reduction === "mean") return loss.mean();
  if (reduction === "sum") return loss.sum();
  if (reduction === "none") return loss;
  throw new Error(`${what}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(reduction)}`);
}

/** Class indices as integers, checked against the number of classes. */
function classIndices(targets: Tensor | readonly number[], n: number, classes: number, what: string): Int32Array {
  if (!(targets instanceof Tensor) && !Array.isArray(targets) && !ArrayBuffer.isView(targets)) {
    const got = typeof targets === "number" ? `the number ${targets} (for one sample write [${targets}])` : targets === null ? "null" : typeof targets;
    throw new Error(`${what}: targets must be a 1-D tensor or an array of ${n} class indices (one per row of the input), got ${got}`);
  }
  const data = targets instanceof Tensor ? targets.toFloat32Array() : Float32Array.from(targets as number[]);
  if (targets instanceof Tensor && targets.ndim !== 1) throw new Error(`${what}: targets must be a 1-D tensor of class indices, got shape ${fmtShape(targets.shape)}`);
  if (data.length !== n) throw new Error(`${what}: ${data.length} targets for a batch of ${n} (input has ${n} rows)`);
  const out = new Int32Array(n);
  data.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new Error(`${what}: target ${v} at position ${i} is not a class index in [0, ${classes - 1}] (input has ${classes} classes)`);
    }
    out[i] = v;
  });
  return out;
}

function oneHot(idx: Int32Array, classes: number): Tensor {
  const data = new Float32Array(idx.length * classes);
  idx.forEach((c, i) => (data[i * classes + c] = 1));
  return new Tensor(data, [idx.length, classes]);
}

function check2d(x: Tensor, what: string): void {
  if (!(x instanceof Tensor) || x.ndim !== 2) throw new Error(`${what}: input must be [batch, classes], got ${x instanceof Tensor ? `shape ${fmtShape(x.shape)}` : typeof x}`);
}

/**
 * Negative log-likelihood of class indices given log-probabilities [N, C].
 *
 * @example
 * gw.F.nllLoss(gw.tensor([[-0.1, -2.3]]), [0]).item(); // 0.1
 */
export function nllLoss(logProbs: Tensor, targets: Tensor | readonly number[], opts: { reduction?: Reduction } = {}): Tensor {
  check2d(logProbs, "nllLoss");
  const [n, c] = logProbs.shape;
  const mask = oneHot(classIndices(targets, n, c, "nllLoss"), c);
  return reduce(mul(logProbs, mask).sum(1).neg(), opts.reduction ?? "mean", "nllLoss");
}

/**
 * Cross-entropy between logits [N, C] and class indices [N] (log-softmax + NLL), with optional
 * label smoothing ε: the target distribution is (1−ε)·one-hot + ε/C.
 *
 * @example
 * const logits = gw.tensor([[-4, 8, 4]]);
 * gw.F.crossEntropy(logits, [1]).item(); // ≈ 0.0182
 */
export function crossEntropy(
  logits: Tensor,
  targets: Tensor | readonly number[],
  opts: { reduction?: Reduction; labelSmoothing?: number } = {},
): Tensor {
  check2d(logits, "crossEntropy");
  const [n, c] = logits.shape;
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new Error(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
  const idx = classIndices(targets, n, c, "crossEntropy");
  const lp = logSoftmax(logits, 1);
  let dist = oneHot(idx, c);
  if (eps > 0) dist = add(mul(dist, 1 - eps), eps / c);
  return reduce(mul(lp, dist).sum(1).neg(), opts.reduction ?? "mean", "crossEntropy");
}

/**
 * Mean squared error (or summed / elementwise with `reduction`).
 *
 * @example
 * gw.F.mseLoss(gw.tensor([1, 2]), gw.tensor([1, 4])).item(); // 2
 */
export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  const d = sub(input, target);
  return reduce(mul(d, d), opts.reduction ?? "mean", "mseLoss");
}

/**
 * Binary cross-entropy on logits (stable: max(x,0) − x·y + log(1 + e^−|x|)).
 *
 * @example
 * gw.F.binaryCrossEntropyWithLogits(gw.tensor([0]), gw.tensor([1])).item(); // ln 2
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  const loss = add(sub(maximum(logits, 0), mul(logits, targets)), log(add(exp(abs(logits).neg()), 1)));
  return reduce(loss, opts.reduction ?? "mean", "binaryCrossEntropyWithLogits");
}
