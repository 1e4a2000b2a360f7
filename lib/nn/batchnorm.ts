// Batch normalisation with running statistics (PyTorch's train/eval behaviour).
import { Tensor } from "../tensor/tensor";
import { fmtShape } from "../tensor/shape";
import { ones, zeros } from "../tensor/create";
import { noGrad } from "../autograd/grad-mode";
import { add, div, mul, sqrt, sub } from "../ops/elementwise";
import { reduceK } from "../ops/reduce";
import { record } from "../autograd/record";
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
): Tensor {
  if (x.ndim < 2) throw new Error(`batchNorm: input needs at least 2 dims [N, C, ...], got shape ${fmtShape(x.shape)}`);
  numberArg("batchNorm", "momentum", momentum, 0, 1);
  numberArg("batchNorm", "eps", eps, 0, Infinity, { loOpen: true });
  const c = x.shape[1];
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const bshape = x.shape.map((s, i) => (i === 1 ? c : 1));
  if (training || !runningMean || !runningVar) {
    const count = dims.reduce((n, d) => n * x.shape[d], 1);
    if (training && count < 2) throw new Error(`batchNorm: expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)}`);
    return normalizeBatch(x, dims, count, weight, bias, eps, (mean, biasedVar) => {
      if (!training || !runningMean || !runningVar) return;
      runningMean.copy_(add(mul(runningMean, 1 - momentum), mul(mean.reshape([c]), momentum)));
      runningVar.copy_(add(mul(runningVar, 1 - momentum), mul(biasedVar.reshape([c]), (momentum * count) / Math.max(count - 1, 1))));
    });
  }
  let y = div(sub(x, runningMean.reshape(bshape)), sqrt(add(runningVar.reshape(bshape), eps)));
  if (weight) y = mul(y, weight.reshape(bshape));
  if (bias) y = add(y, bias.reshape(bshape));
  return y;
}

/**
 * Batch-statistics normalisation as one op with a fused backward (a few passes instead of the ~25
 * that autodiff through mean/var would take):
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
  onStats: (mean: Tensor, biasedVar: Tensor) => void,
): Tensor {
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
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record(out, "batchNorm", inputs, (g) => {
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
  });
}

abstract class BatchNormBase extends Module {
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
    return batchNorm(x, rm, rv, this.weight, this.bias, this.training || !tracking, this.momentum, this.eps);
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
