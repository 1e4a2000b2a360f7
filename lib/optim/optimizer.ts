// The optimizer base: holds parameters, clears their gradients, applies per-parameter updates.
import { Tensor } from "../tensor/tensor";
import { noGrad } from "../autograd/grad-mode";
import { stepBoundary } from "../backend";

/** A hyperparameter or per-parameter scalar of an optimizer's state. */
export type OptimizerScalar = number | boolean | number[];

/**
 * An optimizer's state: tensors named `state.<parameter index>.<name>` (momentum buffers, Adam's
 * moments) and scalars (the class name, `lr` and the other hyperparameters, Adam's step counts).
 */
export interface OptimizerStateDict {
  tensors: Record<string, Tensor>;
  scalars: Record<string, OptimizerScalar | string>;
}

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
    stepBoundary(); // the last step's tensors are garbage now: a good moment to reclaim their memory
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

  /**
   * A copy of the optimizer's state (hyperparameters included), to save with `gw.optim.saveState`
   * and restore with `loadStateDict` — the momentum buffers / moments a resumed run needs.
   *
   * @example
   * const sd = opt.stateDict(); // { tensors: { "state.0.momentumBuffer": Tensor, ... }, scalars: { type: "SGD", lr: 0.01, ... } }
   */
  stateDict(): OptimizerStateDict {
    const scalars: Record<string, OptimizerScalar | string> = { type: this.constructor.name, numParams: this.params.length };
    for (const [k, v] of Object.entries(this)) {
      if (k === "params" || k === "state") continue;
      if (typeof v === "number" || typeof v === "boolean" || (Array.isArray(v) && v.every((x) => typeof x === "number"))) scalars[k] = Array.isArray(v) ? [...v] : v;
    }
    const tensors: Record<string, Tensor> = {};
    this.params.forEach((p, i) => {
      for (const [k, v] of Object.entries(this.state.get(p) ?? {})) {
        if (v instanceof Tensor) tensors[`state.${i}.${k}`] = v.detach().clone();
        else scalars[`state.${i}.${k}`] = v;
      }
    });
    return { tensors, scalars };
  }

  /**
   * Restores a state from `stateDict()` (or `gw.optim.loadState`): hyperparameters, learning rate
   * and per-parameter state. The optimizer must be of the same kind, over parameters of the same
   * shapes in the same order; every mismatch is listed in one error.
   *
   * @example
   * const opt2 = new gw.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
   * opt2.loadStateDict(opt.stateDict());
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const what = `${this.constructor.name}.loadStateDict`;
    if (!sd || typeof sd !== "object" || !sd.tensors || !sd.scalars) throw new Error(`${what}: expected { tensors, scalars } from stateDict()`);
    const problems: string[] = [];
    if (sd.scalars.type !== undefined && sd.scalars.type !== this.constructor.name) problems.push(`the state is of a ${String(sd.scalars.type)} optimizer, not ${this.constructor.name}`);
    if (sd.scalars.numParams !== undefined && sd.scalars.numParams !== this.params.length) problems.push(`the state has ${String(sd.scalars.numParams)} parameters, this optimizer ${this.params.length}`);
    const perParam = new Map<number, Record<string, Tensor | number>>();
    const entry = (name: string, value: Tensor | number) => {
      const m = /^state\.(\d+)\.(\w+)$/.exec(name);
      if (!m || Number(m[1]) >= this.params.length) return problems.push(`unexpected entry "${name}"`);
      const i = Number(m[1]);
      if (value instanceof Tensor && value.shape.join() !== this.params[i].shape.join()) {
        return problems.push(`${name}: shape [${value.shape.join(", ")}] but parameter ${i} is [${this.params[i].shape.join(", ")}]`);
      }
      if (!perParam.has(i)) perParam.set(i, {});
      perParam.get(i)![m[2]] = value instanceof Tensor ? value.detach().clone() : value;
    };
    for (const [k, v] of Object.entries(sd.tensors)) entry(k, v);
    for (const [k, v] of Object.entries(sd.scalars)) {
      if (k.startsWith("state.")) {
        if (typeof v !== "number") problems.push(`${k}: expected a number, got ${JSON.stringify(v)}`);
        else entry(k, v);
      }
    }
    if (problems.length) throw new Error(`${what}: the state does not fit this optimizer —\n  ${problems.join("\n  ")}`);
    for (const [k, v] of Object.entries(sd.scalars)) {
      if (k === "type" || k === "numParams" || k.startsWith("state.")) continue;
      if (k in this) (this as unknown as Record<string, unknown>)[k] = Array.isArray(v) ? [...v] : v;
    }
    this.state.clear();
    perParam.forEach((st, i) => this.state.set(this.params[i], st));
  }

  /** The new value of `p` given its gradient and its state (mutated in place). */
  protected abstract update(p: Tensor, grad: Tensor, state: Record<string, Tensor | number>): Tensor;
}
