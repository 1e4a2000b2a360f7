// nn.Module and nn.Parameter: parameters, submodules and buffers found from the object's own
// properties (like PyTorch's __setattr__ registration), state dicts with PyTorch-style names.
import { Tensor } from "../tensor/tensor";
import { fmtShape, sameShape } from "../tensor/shape";
import { backend } from "../backend";
import { moduleBundle } from "../notebook/display";

/**
 * A tensor that is a module's learnable parameter (requiresGrad by default).
 *
 * @example
 * const w = new gw.nn.Parameter(gw.randn([3, 2]));
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    // storage from the backend (the cpu backend keeps large parameters in its shared memory)
    const src = backend().alloc(data.numel, true);
    src.set(data.toFloat32Array());
    super(src, data.shape);
    this.requiresGrad = requiresGrad;
  }
}

/**
 * Base class of every layer and model. Subclasses assign parameters and submodules as
 * properties in the constructor and implement `forward`.
 *
 * @example
 * class TwoLayer extends gw.nn.Module {
 *   fc1 = new gw.nn.Linear(2, 8);
 *   fc2 = new gw.nn.Linear(8, 1);
 *   forward(x: gw.Tensor) { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 */
export abstract class Module {
  /** True in training mode (the default); see `train()` / `eval()`. */
  training = true;
  private _buffers = new Map<string, Tensor>();

  abstract forward(...args: any[]): any;

  /**
   * Register a persistent non-parameter tensor (such as batch norm's running mean) under `name`;
   * it is saved in the state dict. Re-registering replaces it.
   */
  registerBuffer(name: string, value: Tensor): void {
    this._buffers.set(name, value);
  }

  /** A registered buffer. */
  getBuffer(name: string): Tensor {
    const b = this._buffers.get(name);
    if (!b) throw new Error(`${this.constructor.name} has no buffer "${name}"`);
    return b;
  }

  private ownEntries(): [string, unknown][] {
    return Object.entries(this).filter(([k]) => !k.startsWith("_") && k !== "training");
  }

  /** Direct parameters of this module (not of its children), with their names. */
  private ownParameters(): [string, Parameter][] {
    return this.ownEntries().filter(([, v]) => v instanceof Parameter) as [string, Parameter][];
  }

  /** Direct submodules with their names (arrays of modules are named name.0, name.1, …). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, v] of this.ownEntries()) {
      if (v instanceof Module) out.push([k, v]);
      else if (Array.isArray(v) && v.length > 0 && v.every((m) => m instanceof Module)) v.forEach((m, i) => out.push([`${k}.${i}`, m]));
    }
    return out;
  }

  /** Direct submodules. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all modules below it, with dotted names ("" for this one). */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [k, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${k}` : k));
    return out;
  }

  /** This module and all modules below it. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * All parameters with dotted names such as "fc1.weight", each listed once.
   *
   * @example
   * new gw.nn.Linear(2, 3).namedParameters().map(([n]) => n); // ["weight", "bias"]
   */
  namedParameters(): [string, Parameter][] {
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([prefix ? `${prefix}.${k}` : k, p]);
      }
    }
    return out;
  }

  /** All parameters (for an optimizer). */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** All buffers with dotted names. */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) for (const [k, b] of m._buffers) out.push([prefix ? `${prefix}.${k}` : k, b]);
    return out;
  }

  /** Set training mode (affects dropout and batch norm) on this module and all below it. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Set evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Clear the gradients of all parameters. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * Parameters and buffers by PyTorch-style name (tensors share storage with the module).
   *
   * @example
   * Object.keys(new gw.nn.Linear(2, 3).stateDict()); // ["weight", "bias"]
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, p] of m.ownParameters()) out[prefix ? `${prefix}.${k}` : k] = p;
      for (const [k, b] of m._buffers) out[prefix ? `${prefix}.${k}` : k] = b;
    }
    return out;
  }

  /**
   * Copy values from a state dict into this module's parameters and buffers. With `strict`
   * (default) missing or unexpected names are an error; a shape mismatch always is. The error
   * lists every offending tensor and nothing is changed.
   */
  loadStateDict(dict: Record<string, Tensor>, opts: { strict?: boolean } = {}): { missing: string[]; unexpected: string[] } {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in dict));
    const unexpected = Object.keys(dict).filter((k) => !(k in own));
    const wrong = Object.keys(own)
      .filter((k) => k in dict && !sameShape(own[k].shape, dict[k].shape))
      .map((k) => `${k}: checkpoint ${fmtShape(dict[k].shape)} vs model ${fmtShape(own[k].shape)}`);
    const problems: string[] = [];
    if (wrong.length) problems.push(`shape mismatch for ${wrong.join("; ")}`);
    if (strict && missing.length) problems.push(`missing keys: ${missing.join(", ")}`);
    if (strict && unexpected.length) problems.push(`unexpected keys: ${unexpected.join(", ")}`);
    if (problems.length) throw new Error(`loadStateDict(${this.constructor.name}): ${problems.join("; ")}`);
    for (const k of Object.keys(own)) if (k in dict) own[k].copy_(dict[k]);
    return { missing, unexpected };
  }

  /** A short description of the module tree. */
  toString(): string {
    const kids = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (!kids.length) return head + ")";
    const lines = kids.map(([k, m]) => `  (${k}): ${m.toString().split("\n").join("\n  ")}`);
    return `${head}\n${lines.join("\n")}\n)`;
  }

  /** Extra text inside this module's parentheses in `toString()`. */
  protected extraRepr(): string {
    return "";
  }

  /** A notebook shows a cell's module value with this: a layer table with parameter counts. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return moduleBundle(this);
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
