// Batch normalisation with running statistics (PyTorch's train/eval behaviour).
import { Tensor } from "../tensor/tensor";
import { fmtShape } from "../tensor/shape";
import { ones, zeros } from "../tensor/create";
import { isGradEnabled, noGrad } from "../autograd/grad-mode";
import { add, div, mul, relu as reluOp, reluGrad, sqrt, sub } from "../ops/elementwise";
import { reduceK } from "../ops/reduce";
import { record } from "../autograd/record";
import { backend } from "../backend";
import { uninitialized } from "../ops/util";
import { Module, Parameter } from "./module";
import { boolArg, intArg, numberArg, optionsArg, pyFloat } from "./check";

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch statistic in the running average (PyTorch's default 0.1). */
  momentum?: number;
  /** Learnable scale and shift (default true). */
  affine?: boolean;
  trackRunningStats?: boolean;
}

/**
 * Functional batch norm over dim 1 of x ([N, C], [N, C, L] or [N, C, H, W]). In training, uses the
 * batch statistics and updates `runningMean`/`runningVar` in place (unbiased variance, as PyTorch).
 * `relu` (not a PyTorch argument) applies ReLU in the same pass: exactly `batchNorm(...).relu()`,
 * values and gradients, without the extra pass and tensor (nn.Sequential uses it for a batch norm
 * followed by a ReLU).
 *
 * @example
 * const x = gw.randn([8, 3, 4, 4]);
 * gw.F.batchNorm(x, null, null, null, null, true).mean().item(); // ≈ 0
 * gw.F.batchNorm(x, null, null, null, null, true, 0.1, 1e-5, true).min().item(); // 0
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum = 0.1,
  eps = 1e-5,
  relu = false,
): Tensor {
  if (x.ndim < 2) throw new Error(`batchNorm: input needs at least 2 dims [N, C, ...], got shape ${fmtShape(x.shape)}`);
  if (typeof relu !== "boolean") throw new Error(`batchNorm: relu must be true or false, got ${JSON.stringify(relu)}`);
  numberArg("batchNorm", "momentum", momentum, 0, 1);
  numberArg("batchNorm", "eps", eps, 0, Infinity, { loOpen: true });
  const c = x.shape[1];
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const bshape = x.shape.map((s, i) => (i === 1 ? c : 1));
  if (training || !runningMean || !runningVar) {
    const count = dims.reduce((n, d) => n * x.shape[d], 1);
    if (training && count < 2) throw new Error(`batchNorm: expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)}`);
    return normalizeBatch(x, dims, count, weight, bias, eps, relu, (mean, biasedVar) => {
      if (!training || !runningMean || !runningVar) return;
      runningMean.copy_(add(mul(runningMean, 1 - momentum), mul(mean.reshape([c]), momentum)));
      runningVar.copy_(add(mul(runningVar, 1 - momentum), mul(biasedVar.reshape([c]), (momentum * count) / Math.max(count - 1, 1))));
    });
  }
  if (fusedBatchNorm() && !(isGradEnabled() && [x, runningMean, runningVar, weight, bias].some((t) => t?.requiresGrad))) {
    return normalizeWithRunningStats(x, runningMean, runningVar, weight, bias, eps, relu);
  }
  let y = div(sub(x, runningMean.reshape(bshape)), sqrt(add(runningVar.reshape(bshape), eps)));
  if (weight) y = mul(y, weight.reshape(bshape));
  if (bias) y = add(y, bias.reshape(bshape));
  return relu ? reluOp(y) : y;
}

/**
 * Eval-mode batch norm where no gradient is wanted (e.g. evaluation inside noGrad): one
 * channelAffine pass y = x·a + d with a = γ/√(running var + ε), d = β − running mean·a (float64
 * coefficients), instead of four elementwise passes.
 */
function normalizeWithRunningStats(x: Tensor, runningMean: Tensor, runningVar: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number, relu: boolean): Tensor {
  const [n, c] = x.shape, inner = x.shape.slice(2).reduce((p, s) => p * s, 1);
  const mean = channelParams(runningMean, c, 0), variance = channelParams(runningVar, c, 1);
  const gamma = channelParams(weight, c, 1), beta = channelParams(bias, c, 0);
  const a = new Float64Array(c), d = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    a[k] = gamma[k] / Math.sqrt(variance[k] + eps);
    d[k] = beta[k] - mean[k] * a[k];
  }
  const out = uninitialized(x.shape, "batchNorm");
  backend().channelAffine(x.readData(), a, d, null, null, n, c, inner, out.storage, relu);
  return out;
}

/**
 * Whether batch norm runs on the per-channel kernels (in training one statistics pass and one
 * affine pass forward, the same backward; in eval mode without gradients one affine pass): on
 * unless GRADWORK_FUSED_BN=0, which selects the former composition of elementwise ops and
 * reductions (kept as the oracle).
 */
function fusedBatchNorm(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.GRADWORK_FUSED_BN !== "0";
}

/**
 * Batch-statistics normalisation as one op with a fused backward:
 *   x̂ = (x − μ)/σ,  y = γ·x̂ + β,
 *   ∂L/∂x = γ/σ · (g − mean(g) − x̂·mean(g·x̂)),  ∂L/∂γ = Σ g·x̂,  ∂L/∂β = Σ g.
 */
function normalizeBatch(
  x: Tensor,
  dims: number[],
  count: number,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  relu: boolean,
  onStats: (mean: Tensor, biasedVar: Tensor) => void,
): Tensor {
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const kernels = fusedBatchNorm(), fuseRelu = relu && kernels;
  const { out, backward } = kernels ? normalizeBatchFused(x, count, weight, bias, eps, relu, onStats) : normalizeBatchOps(x, dims, count, weight, bias, eps, onStats);
  // a fused ReLU's backward comes first: out > 0 exactly where the normalised value was > 0
  const y = record(out, fuseRelu ? "batchNorm+relu" : "batchNorm", inputs, fuseRelu ? (g) => backward(reluGrad(g, out)) : backward);
  return relu && !kernels ? reluOp(y) : y;
}

/** The output of the forward pass and the backward (gradients of x, then γ and β when given). */
interface Normalized {
  out: Tensor;
  backward: (g: Tensor) => (Tensor | null)[];
}

/** A tensor's elements as float64 (per-channel parameters), or `fill` when there is no tensor. */
function channelParams(t: Tensor | null, c: number, fill: number): Float64Array {
  return t ? Float64Array.from(t.readData()) : new Float64Array(c).fill(fill);
}

/**
 * normalizeBatch on the per-channel kernels, x viewed as [N, C, inner]. Forward: one pass of
 * channelSums for Σ(x − k) and Σ(x − k)², with k[c] the channel's first element (a shift inside the
 * data keeps the float64 variance Σ(x − k)²/n − (Σ(x − k)/n)² accurate even when |μ| ≫ σ), then one
 * channelAffine pass y = x·(γ/σ) + (β − μγ/σ). Backward: one channelSums pass for Σg and Σg·x
 * (Σg·x̂ = (Σg·x − μΣg)/σ), then one channelAffine pass dx = B·x + D + A·g.
 */
function normalizeBatchFused(
  x: Tensor,
  count: number,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  relu: boolean,
  onStats: (mean: Tensor, biasedVar: Tensor) => void,
): Normalized {
  const [n, c] = x.shape, inner = x.shape.slice(2).reduce((p, s) => p * s, 1);
  const xd = x.readData();
  const be = backend();
  const shift = new Float64Array(c);
  if (count > 0) for (let k = 0; k < c; k++) shift[k] = xd[k * inner];
  const sums = new Float64Array(2 * c);
  be.channelSums(xd, null, shift, n, c, inner, sums);
  const mean = new Float64Array(c), biasedVar = new Float64Array(c), invStd = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const m = sums[k] / count;
    mean[k] = shift[k] + m;
    biasedVar[k] = Math.max(sums[c + k] / count - m * m, 0); // (NaN stays NaN)
    invStd[k] = 1 / Math.sqrt(biasedVar[k] + eps);
  }
  noGrad(() => onStats(new Tensor(Float32Array.from(mean), [c]), new Tensor(Float32Array.from(biasedVar), [c])));
  const gamma = channelParams(weight, c, 1), beta = channelParams(bias, c, 0);
  const a = new Float64Array(c), d = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    a[k] = gamma[k] * invStd[k];
    d[k] = beta[k] - mean[k] * a[k];
  }
  const out = uninitialized(x.shape, "batchNorm");
  be.channelAffine(xd, a, d, null, null, n, c, inner, out.storage, relu);
  const backward = (g: Tensor): (Tensor | null)[] => {
    const gd = g.readData();
    const gs = new Float64Array(2 * c);
    backend().channelSums(gd, xd, null, n, c, inner, gs);
    // per channel: Σg, Σg·x̂, and dx = A·g + B·x + D with A = γ/σ, B = −A/σ·mean(g·x̂), D = −A·mean(g) − B·μ
    const gSum = new Float64Array(c), gxhatSum = new Float64Array(c), A = new Float64Array(c), B = new Float64Array(c), D = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      gSum[k] = gs[k];
      gxhatSum[k] = (gs[c + k] - mean[k] * gs[k]) * invStd[k];
      A[k] = gamma[k] * invStd[k];
      B[k] = (-A[k] * invStd[k] * gxhatSum[k]) / count;
      D[k] = (-A[k] * gSum[k]) / count - B[k] * mean[k];
    }
    const grads: (Tensor | null)[] = [];
    if (x.requiresGrad) {
      const dx = uninitialized(x.shape, "batchNorm");
      backend().channelAffine(xd, B, D, gd, A, n, c, inner, dx.storage);
      grads.push(dx);
    } else grads.push(null);
    if (weight) grads.push(new Tensor(Float32Array.from(gxhatSum), [c]));
    if (bias) grads.push(new Tensor(Float32Array.from(gSum), [c]));
    return grads;
  };
  return { out, backward };
}

/** normalizeBatch as elementwise ops and reductions (GRADWORK_FUSED_BN=0; ~8 passes each way). */
function normalizeBatchOps(
  x: Tensor,
  dims: number[],
  count: number,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  onStats: (mean: Tensor, biasedVar: Tensor) => void,
): Normalized {
  const c = x.shape[1];
  const bshape = x.shape.map((s, i) => (i === 1 ? c : 1));
  const w = weight ? weight.detach().reshape(bshape) : null;
  const { out, xhat, invStd } = noGrad(() => {
    const mean = div(reduceK("sum", x, dims), count);
    const xc = sub(x, mean);
    const variance = div(reduceK("sum", mul(xc, xc), dims), count);
    const invStd = div(1, sqrt(add(variance, eps)));
    const xhat = mul(xc, invStd);
    onStats(mean, variance);
    let y = w ? mul(xhat, w) : xhat.clone();
    if (bias) y = add(y, bias.reshape(bshape).detach());
    return { out: y, xhat, invStd };
  });
  const backward = (g: Tensor): (Tensor | null)[] => {
    const gSum = reduceK("sum", g, dims);
    const gxSum = reduceK("sum", mul(g, xhat), dims);
    const grads: (Tensor | null)[] = [];
    if (x.requiresGrad) {
      const scale = w ? mul(w, invStd) : invStd;
      grads.push(mul(scale, sub(sub(g, div(gSum, count)), mul(xhat, div(gxSum, count)))));
    } else grads.push(null);
    if (weight) grads.push(gxSum.reshape([c]));
    if (bias) grads.push(gSum.reshape([c]));
    return grads;
  };
  return { out, backward };
}

/** What BatchNorm1d and BatchNorm2d share (exported for nn.Sequential's fusion with a ReLU). */
export abstract class BatchNormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  constructor(readonly numFeatures: number, opts: BatchNormOptions, private _dims: number[]) {
    super();
    const layer = new.target.name;
    intArg(layer, "numFeatures", numFeatures);
    const o = optionsArg<BatchNormOptions>(layer, opts, ["eps", "momentum", "affine", "trackRunningStats"]);
    this.eps = o.eps === undefined ? 1e-5 : numberArg(layer, "eps", o.eps, 0, Infinity, { loOpen: true });
    this.momentum = o.momentum === undefined ? 0.1 : numberArg(layer, "momentum", o.momentum, 0, 1);
    this.affine = boolArg(layer, "affine", o.affine, true);
    this.trackRunningStats = boolArg(layer, "trackRunningStats", o.trackRunningStats, true);
    this.weight = this.affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures])) : null;
    if (this.trackRunningStats) {
      this.registerBuffer("running_mean", zeros([numFeatures]));
      this.registerBuffer("running_var", ones([numFeatures]));
      this.registerBuffer("num_batches_tracked", zeros([]));
    }
  }
  forward(x: Tensor): Tensor {
    return this.normalize(x, false);
  }
  /**
   * This layer then a ReLU, in one pass (batchNorm's `relu`): what nn.Sequential runs for a batch
   * norm followed by a ReLU. Null when `forward` was replaced (by a subclass, or a wrapper such as
   * nn.summary's), which must then run as written.
   *
   * @example
   * new gw.nn.BatchNorm2d(4).forwardRelu(gw.randn([2, 4, 3, 3]))?.min().item(); // 0
   */
  forwardRelu(x: Tensor): Tensor | null {
    if (this.forward !== BatchNormBase.prototype.forward) return null;
    return this.normalize(x, true);
  }
  private normalize(x: Tensor, relu: boolean): Tensor {
    if (!this._dims.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new Error(`${this.constructor.name}(${this.numFeatures}): expected input of ${this._dims.join(" or ")} dims with ${this.numFeatures} channels in dim 1, got shape ${fmtShape(x.shape)}`);
    }
    const tracking = this.hasBuffer("running_mean"); // this module's own buffers only, not the subtree
    const rm = tracking ? this.getBuffer("running_mean") : null;
    const rv = tracking ? this.getBuffer("running_var") : null;
    if (this.training && tracking) {
      const nb = this.getBuffer("num_batches_tracked");
      noGrad(() => nb.copy_(add(nb, 1))); // through the ops, like the running statistics
    }
    return batchNorm(x, rm, rv, this.weight, this.bias, this.training || !tracking, this.momentum, this.eps, relu);
  }
  protected extraRepr(): string {
    const extra = `${this.affine ? "" : ", affine=false"}${this.trackRunningStats ? "" : ", trackRunningStats=false"}`;
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}${extra}`;
  }
}

/**
 * Batch norm over [N, C] or [N, C, L].
 *
 * @example
 * new gw.nn.BatchNorm1d(16).forward(gw.randn([8, 16])).shape; // [8, 16]
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, [2, 3]);
  }
}

/**
 * Batch norm over [N, C, H, W] (statistics per channel).
 *
 * @example
 * new gw.nn.BatchNorm2d(16).forward(gw.randn([8, 16, 4, 4])).shape; // [8, 16, 4, 4]
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, [4]);
  }
}
