// Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (PyTorch's rule).
import type { Tensor } from "../tensor/tensor";
import { Optimizer } from "./optimizer";
import { backend } from "../backend";

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
  /** One pass over the parameter (the backend's sgdUpdate kernel); every product and sum is rounded to float32 as the tensor ops in `update` round it. */
  protected updateInPlace(p: Tensor, grad: Tensor, s: Record<string, Tensor | number>): boolean {
    if (grad.numel !== p.numel || !p.isContiguous() || (s.momentumBuffer && (s.momentumBuffer as Tensor).numel !== p.numel)) return false;
    if (s.momentumBuffer && !(s.momentumBuffer as Tensor).isContiguous()) return false;
    const n = p.numel;
    let buf: Float32Array | null = null;
    let fresh = false;
    if (this.momentum) {
      if (!s.momentumBuffer) {
        s.momentumBuffer = grad.detach().clone();
        fresh = true;
      }
      const b = s.momentumBuffer as Tensor; // contiguous (checked above): updated in place
      buf = b.storage.subarray(b.offset, b.offset + n);
    }
    const f = Math.fround; // the scalars become float32 tensors in `update`
    backend().sgdUpdate(p.storage.subarray(p.offset, p.offset + n), grad.readData().subarray(0, n), buf, {
      lr: f(this.lr),
      momentum: f(this.momentum),
      dampening: this.dampening,
      nesterov: this.nesterov,
      weightDecay: f(this.weightDecay),
      fresh,
    });
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
