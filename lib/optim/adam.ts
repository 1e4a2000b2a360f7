// Adam and AdamW (decoupled weight decay), following PyTorch's update rules.
import type { Tensor } from "../tensor/tensor";
import { Optimizer } from "./optimizer";

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/**
 * Adam: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − lr·m̂/(√v̂ + ε) with bias-corrected
 * m̂, v̂. `weightDecay` adds λ·p to the gradient (L2), unlike AdamW.
 *
 * @example
 * const opt = new gw.optim.Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer {
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  protected decoupled = false;
  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}, what = "Adam") {
    super(params, opts.lr ?? 1e-3, what);
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    if (this.betas.some((b) => !(b >= 0 && b < 1))) throw new Error(`${what}: betas must be in [0, 1), got ${JSON.stringify(this.betas)}`);
  }
  protected update(p: Tensor, grad: Tensor, s: Record<string, Tensor | number>): Tensor {
    const [b1, b2] = this.betas;
    let param = p;
    let g = grad;
    if (this.weightDecay) {
      if (this.decoupled) param = p.mul(1 - this.lr * this.weightDecay);
      else g = g.add(p.mul(this.weightDecay));
    }
    const t = ((s.step as number) ?? 0) + 1;
    s.step = t;
    const m = s.expAvg ? (s.expAvg as Tensor).mul(b1).add(g.mul(1 - b1)) : g.mul(1 - b1);
    const v = s.expAvgSq ? (s.expAvgSq as Tensor).mul(b2).add(g.mul(g).mul(1 - b2)) : g.mul(g).mul(1 - b2);
    s.expAvg = m;
    s.expAvgSq = v;
    const bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
    const denom = v.sqrt().div(Math.sqrt(bc2)).add(this.eps);
    return param.sub(m.div(denom).mul(this.lr / bc1));
  }
}

/**
 * AdamW: Adam with decoupled weight decay p ← p·(1 − lr·λ) (default λ = 0.01).
 *
 * @example
 * const opt = new gw.optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 */
export class AdamW extends Adam {
  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super(params, { ...opts, weightDecay: opts.weightDecay ?? 1e-2 }, "AdamW");
    this.decoupled = true;
  }
}
