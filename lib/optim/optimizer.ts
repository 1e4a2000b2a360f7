// The optimizer base: holds parameters, clears their gradients, applies per-parameter updates.
import { Tensor } from "../tensor/tensor";
import { noGrad } from "../autograd/grad-mode";

export abstract class Optimizer {
  readonly params: Tensor[];
  /** Learning rate (settable: LR schedules change it between steps). */
  lr: number;
  protected state = new Map<Tensor, Record<string, Tensor | number>>();

  constructor(params: Iterable<Tensor>, lr: number, what: string) {
    this.params = [...params];
    if (this.params.length === 0) throw new Error(`${what}: got an empty parameter list`);
    this.params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new Error(`${what}: parameter ${i} is not a Tensor`);
      if (!p.isContiguous()) throw new Error(`${what}: parameter ${i} is not contiguous`);
    });
    if (!(lr >= 0)) throw new Error(`${what}: invalid learning rate ${lr}`);
    this.lr = lr;
  }

  /** Clear the gradients of all parameters. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** Apply one update to every parameter that has a gradient. */
  step(): void {
    noGrad(() => {
      for (const p of this.params) {
        if (!p.grad) continue;
        let s = this.state.get(p);
        if (!s) this.state.set(p, (s = {}));
        if (this.updateInPlace(p, p.grad, s)) continue;
        p.copy_(this.update(p, p.grad, s));
      }
    });
  }

  /**
   * Optional fused version of `update` that writes the new values into `p` (and its state) in one
   * pass, with exactly the same float32 roundings; returns false when it does not apply.
   */
  protected updateInPlace(_p: Tensor, _grad: Tensor, _state: Record<string, Tensor | number>): boolean {
    return false;
  }

  /** The new value of `p` given its gradient and its state (mutated in place). */
  protected abstract update(p: Tensor, grad: Tensor, state: Record<string, Tensor | number>): Tensor;
}
