// Classification metrics from logits or predicted class indices.
import { Tensor } from "../tensor/tensor";

type Labels = Tensor | ArrayLike<number>;

function values(x: Labels): ArrayLike<number> {
  return x instanceof Tensor ? x.toFloat32Array() : x;
}

/**
 * Predicted class per row: argmax over dim 1 of logits [N,C], or the values of a class-index vector [N].
 *
 * @example
 * gw.train.predictions(gw.tensor([[0.1, 2], [3, 1]])); // Int32Array [1, 0]
 */
export function predictions(logitsOrPreds: Tensor | ArrayLike<number>): Int32Array {
  if (!(logitsOrPreds instanceof Tensor)) return Int32Array.from(logitsOrPreds as ArrayLike<number>);
  if (logitsOrPreds.ndim === 1) return Int32Array.from(logitsOrPreds.toFloat32Array());
  if (logitsOrPreds.ndim !== 2) throw new Error(`expected logits [N, classes] or predictions [N], got shape [${logitsOrPreds.shape}]`);
  const [n, c] = logitsOrPreds.shape;
  const v = logitsOrPreds.toFloat32Array();
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (v[i * c + j] > v[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}

function checkLengths(preds: ArrayLike<number>, labels: ArrayLike<number>, what: string): void {
  if (preds.length !== labels.length) throw new Error(`${what}: ${preds.length} predictions but ${labels.length} labels`);
}

/**
 * Fraction of rows whose highest logit is at the label.
 *
 * @example
 * gw.train.accuracy(gw.tensor([[2, 1], [0, 3]]), gw.tensor([0, 0])); // 0.5
 */
export function accuracy(logits: Tensor | ArrayLike<number>, labels: Labels): number {
  const p = predictions(logits);
  const y = values(labels);
  checkLengths(p, y, "accuracy");
  if (p.length === 0) return NaN;
  let hit = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === y[i]) hit++;
  return hit / p.length;
}

/**
 * counts[i][j] = number of samples of true class i predicted as class j.
 *
 * @example
 * gw.train.confusionMatrix([0, 1, 1], [0, 0, 1], 2); // [[1, 1], [0, 1]]
 */
export function confusionMatrix(preds: Tensor | ArrayLike<number>, labels: Labels, numClasses: number): number[][] {
  const p = predictions(preds);
  const y = values(labels);
  checkLengths(p, y, "confusionMatrix");
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < p.length; i++) {
    if (!(y[i] >= 0 && y[i] < numClasses && p[i] >= 0 && p[i] < numClasses)) {
      throw new Error(`confusionMatrix: sample ${i} has label ${y[i]} / prediction ${p[i]}, outside 0…${numClasses - 1}`);
    }
    m[y[i]][p[i]]++;
  }
  return m;
}

/**
 * Accuracy of each true class (NaN for a class with no samples).
 *
 * @example
 * gw.train.perClassAccuracy([0, 1, 1], [0, 0, 1], 2); // [0.5, 1]
 */
export function perClassAccuracy(preds: Tensor | ArrayLike<number>, labels: Labels, numClasses: number): number[] {
  return confusionMatrix(preds, labels, numClasses).map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? NaN : row[i] / total;
  });
}
