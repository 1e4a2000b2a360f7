// Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (PyTorch's rule).
import type { Tensor } from "../tensor/tensor";
import { Optimizer } from "./optimizer";

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/**
 * SGD: g ← ∇ + λ·p; with momentum μ, b ← μ·b + (1−τ)·g (b = g on the first step) and g ← b
 * (or g + μ·b with Nesterov); then p ← p − lr·g.
 *
 * @example
 * const opt = new gw.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    super(params, opts?.lr, "SGD");
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    if (this.momentum < 0 || this.weightDecay < 0) throw new Error("SGD: momentum and weightDecay must be ≥ 0");
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new Error("SGD: Nesterov momentum needs momentum > 0 and dampening 0");
  }
  /** One pass over the parameter; every product and sum is rounded to float32 as the tensor ops in `update` round it. */
  protected updateInPlace(p: Tensor, grad: Tensor, s: Record<string, Tensor | number>): boolean {
    if (grad.numel !== p.numel || (s.momentumBuffer && (s.momentumBuffer as Tensor).numel !== p.numel)) return false;
    if (s.momentumBuffer && !(s.momentumBuffer as Tensor).isContiguous()) return false;
    const f = Math.fround;
    // the scalars become float32 tensors in `update`
    const lr = f(this.lr), wd = f(this.weightDecay), m = f(this.momentum), keep = f(1 - this.dampening);
    const { dampening, nesterov } = this;
    const P = p.storage, po = p.offset, G = grad.readData(), n = p.numel;
    let B: Float32Array | null = null;
    let fresh = false;
    if (this.momentum) {
      if (!s.momentumBuffer) {
        s.momentumBuffer = grad.detach().clone();
        fresh = true;
      }
      const buf = s.momentumBuffer as Tensor; // contiguous (checked above): updated in place
      B = buf.storage.subarray(buf.offset, buf.offset + n);
    }
    // the two common cases as loops of their own (about 3× faster than the general loop, whose
    // per-element branches V8 does not hoist); the same roundings, hence the same numbers
    if (!wd && !dampening && !nesterov && (!B || !fresh)) {
      if (B) {
        for (let i = 0; i < n; i++) {
          const buf = f(f(B[i] * m) + G[i]);
          B[i] = buf;
          P[po + i] = f(P[po + i] - f(buf * lr));
        }
      } else {
        for (let i = 0; i < n; i++) P[po + i] = f(P[po + i] - f(G[i] * lr));
      }
      return true;
    }
    for (let i = 0; i < n; i++) {
      const pi = P[po + i];
      let g = wd ? f(G[i] + f(pi * wd)) : G[i];
      if (B) {
        const damped = dampening ? f(g * keep) : g;
        const buf = fresh ? g : f(f(B[i] * m) + damped);
        B[i] = buf;
        g = nesterov ? f(g + f(buf * m)) : buf;
      }
      P[po + i] = f(pi - f(g * lr));
    }
    return true;
  }

  protected update(p: Tensor, grad: Tensor, s: Record<string, Tensor | number>): Tensor {
    let g = this.weightDecay ? grad.add(p.mul(this.weightDecay)) : grad;
    if (this.momentum) {
      // (g·1 is g exactly, so the default dampening 0 skips that pass)
      const damped = this.dampening ? g.mul(1 - this.dampening) : g;
      const buf = s.momentumBuffer ? (s.momentumBuffer as Tensor).mul(this.momentum).add(damped) : g.clone();
      s.momentumBuffer = buf;
      g = this.nesterov ? g.add(buf.mul(this.momentum)) : buf;
    }
    return p.sub(g.mul(this.lr));
  }
}
