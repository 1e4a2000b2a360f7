// nn.Module and nn.Parameter: parameters, submodules and buffers found from the object's own
// properties (like PyTorch's __setattr__ registration), state dicts with PyTorch-style names.
import { Tensor } from "../tensor/tensor";
import { fmtShape, sameShape } from "../tensor/shape";
import { backend, stepBoundary } from "../backend";
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

  /**
   * True when this module itself (not a submodule) has a buffer named `name`.
   *
   * @example
   * new gw.nn.BatchNorm1d(4).hasBuffer("running_mean"); // true
   */
  hasBuffer(name: string): boolean {
    return this._buffers.has(name);
  }

  /** A registered buffer. */
  getBuffer(name: string): Tensor {
    const b = this._buffers.get(name);
    if (!b) throw new Error(`${this.constructor.name} has no buffer "${name}"`);
    return b;
  }

  /**
   * The own properties that hold parameters or submodules, under any name (a name starting with
   * "_" included, as in PyTorch). Arrays of parameters or of modules are named name.0, name.1, ….
   * A Parameter or Module hidden where it would not be found (in a plain object, a Map, or an
   * array mixing other values) is an error rather than silently left out of `parameters()`.
   */
  private ownEntries(): [string, Parameter | Module][] {
    const out: [string, Parameter | Module][] = [];
    for (const [k, v] of Object.entries(this)) {
      if (k === "_buffers" || k === "training") continue;
      if (v instanceof Parameter || v instanceof Module) out.push([k, v]);
      else if (Array.isArray(v)) {
        const found = v.filter((x) => x instanceof Parameter || x instanceof Module).length;
        if (found === 0) continue;
        if (found < v.length || !(v.every((x) => x instanceof Parameter) || v.every((x) => x instanceof Module))) {
          throw new Error(
            `${this.constructor.name}: property "${k}" is an array mixing Parameters/Modules with other values; an array must hold only Parameters or only Modules for them to be registered`,
          );
        }
        v.forEach((x, i) => out.push([`${k}.${i}`, x]));
      } else if (v !== null && typeof v === "object" && !(v instanceof Tensor)) {
        const inner = v instanceof Map ? [...v.values()] : Object.getPrototypeOf(v) === Object.prototype ? Object.values(v) : [];
        if (inner.some((x) => x instanceof Parameter || x instanceof Module)) {
          throw new Error(
            `${this.constructor.name}: property "${k}" holds a Parameter or Module inside ${v instanceof Map ? "a Map" : "a plain object"}, where parameters() would not find it; store each one directly as a property (or in an array of them)`,
          );
        }
      }
    }
    return out;
  }

  /** Direct parameters of this module (not of its children), with their names. */
  private ownParameters(): [string, Parameter][] {
    return this.ownEntries().filter(([, v]) => v instanceof Parameter) as [string, Parameter][];
  }

  /** Direct submodules with their names (arrays of modules are named name.0, name.1, …). */
  namedChildren(): [string, Module][] {
    return this.ownEntries().filter(([, v]) => v instanceof Module) as [string, Module][];
  }

  /** Direct submodules. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all modules below it, with dotted names ("" for this one). */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>(); // a module reachable twice (or a back-reference) is listed once
    const visit = (m: Module, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [k, c] of m.namedChildren()) visit(c, name ? `${name}.${k}` : k);
    };
    visit(this, prefix);
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
    stepBoundary(); // the last step's tensors are garbage now: a good moment to reclaim their memory
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
      for (const [k, p] of m.ownParameters()) setOwn(out, prefix ? `${prefix}.${k}` : k, p);
      for (const [k, b] of m._buffers) setOwn(out, prefix ? `${prefix}.${k}` : k, b);
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
    const missing = Object.keys(own).filter((k) => !Object.hasOwn(dict, k));
    const unexpected = Object.keys(dict).filter((k) => !Object.hasOwn(own, k));
    const notTensor = Object.keys(dict).filter((k) => !(dict[k] instanceof Tensor));
    if (notTensor.length) throw new Error(`loadStateDict(${this.constructor.name}): not a Tensor: ${notTensor.join(", ")}`);
    const wrong = Object.keys(own)
      .filter((k) => Object.hasOwn(dict, k) && !sameShape(own[k].shape, dict[k].shape))
      .map((k) => `${k}: checkpoint ${fmtShape(dict[k].shape)} vs model ${fmtShape(own[k].shape)}`);
    const problems: string[] = [];
    if (wrong.length) problems.push(`shape mismatch for ${wrong.join("; ")}`);
    if (strict && missing.length) problems.push(`missing keys: ${missing.join(", ")}`);
    if (strict && unexpected.length) problems.push(`unexpected keys: ${unexpected.join(", ")}`);
    if (problems.length) throw new Error(`loadStateDict(${this.constructor.name}): ${problems.join("; ")}`);
    for (const k of Object.keys(own)) if (Object.hasOwn(dict, k)) own[k].copy_(dict[k]);
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

/** Sets an own enumerable property, even for names such as "__proto__" that plain assignment would treat specially. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
