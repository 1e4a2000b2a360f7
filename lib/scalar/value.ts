/**
 * A scalar reverse-mode autodiff engine for the chain-rule lessons (in the spirit of micrograd).
 *
 * Every operation creates a new `Value` that remembers its inputs (`children`), the operation
 * (`op`) and the local derivatives of its output with respect to each input. `backward()` walks
 * the graph from the output back to the leaves and applies the chain rule:
 * `child.grad += localDerivative * node.grad`.
 */
import { describeValue } from "../common";

/** A `Value` or a plain number (numbers become constant leaves). */
export type ValueLike = Value | number;

/** Local derivatives of a node's output with respect to each of its children, in order. */
type LocalGrads = (out: Value) => number[];

/** A scalar that records the operations applied to it, so gradients can flow back. */
export class Value {
  /** The number this node holds (the result of the forward pass). */
  data: number;
  /** d(root)/d(this), filled in by `backward()` on a graph that contains this node. */
  grad = 0;
  /** A display name ("x", "q", ...); constants created from numbers are labelled with the number. */
  label: string;
  private opName = "";
  private inputs: readonly Value[] = [];
  private localGrads: LocalGrads | null = null;

  /**
   * Creates a leaf: an input or a parameter of the computation.
   * @example
   * const x = new Value(-2, "x");
   * x.data; // -2
   */
  constructor(data: number, label = "") {
    if (typeof data !== "number") {
      throw new TypeError(`Value: data must be a number, got ${describeArg(data)}`);
    }
    if (typeof label !== "string") {
      throw new TypeError(`Value: label must be a string, got ${describeArg(label)}`);
    }
    this.data = data;
    this.label = label;
  }

  /** The operation that produced this node ("" for a leaf), e.g. "+", "*", "sin", "σ", "^2". */
  get op(): string {
    return this.opName;
  }

  /** The inputs of the operation, in argument order (empty for a leaf). */
  get children(): readonly Value[] {
    return this.inputs;
  }

  /** An operation node: its data, op symbol, inputs and the rule for its local derivatives. */
  private static node(data: number, op: string, inputs: Value[], localGrads: LocalGrads): Value {
    const out = new Value(data);
    out.opName = op;
    out.inputs = inputs;
    out.localGrads = localGrads;
    return out;
  }

  /** @example new Value(2).add(3).data; // 5 */
  add(other: ValueLike): Value {
    const b = toValue(other, "add");
    return Value.node(this.data + b.data, "+", [this, b], () => [1, 1]);
  }

  /** @example new Value(2).mul(3).data; // 6 */
  mul(other: ValueLike): Value {
    const b = toValue(other, "mul");
    return Value.node(this.data * b.data, "*", [this, b], () => [b.data, this.data]);
  }

  /** @example new Value(2).sub(3).data; // -1 */
  sub(other: ValueLike): Value {
    const b = toValue(other, "sub");
    return Value.node(this.data - b.data, "-", [this, b], () => [1, -1]);
  }

  /** @example new Value(3).div(2).data; // 1.5 */
  div(other: ValueLike): Value {
    const b = toValue(other, "div");
    return Value.node(this.data / b.data, "/", [this, b], () => [1 / b.data, -this.data / (b.data * b.data)]);
  }

  /**
   * Power. A number exponent is part of the operation (one child, op "^k", e.g. "^2" or "^-1");
   * a `Value` exponent is a second input whose gradient is `a^b · ln(a)`.
   * @example new Value(3).pow(2).data; // 9
   * @example new Value(2).pow(new Value(3)).data; // 8
   */
  pow(exponent: ValueLike): Value {
    if (typeof exponent === "number") {
      const k = exponent;
      return Value.node(this.data ** k, `^${formatExponent(k)}`, [this], () => [
        k === 0 ? 0 : k * this.data ** (k - 1),
      ]);
    }
    const b = toValue(exponent, "pow");
    return Value.node(this.data ** b.data, "^", [this, b], (out) => [
      b.data === 0 ? 0 : b.data * this.data ** (b.data - 1),
      // Like PyTorch: 0^b with b >= 0 has gradient 0 with respect to b (instead of 0 · -∞ = NaN).
      this.data === 0 && b.data >= 0 ? 0 : out.data * Math.log(this.data),
    ]);
  }

  /** @example new Value(2).neg().data; // -2 */
  neg(): Value {
    return Value.node(-this.data, "neg", [this], () => [-1]);
  }

  /** @example new Value(0).exp().data; // 1 */
  exp(): Value {
    return Value.node(Math.exp(this.data), "exp", [this], (out) => [out.data]);
  }

  /** Natural logarithm. @example new Value(Math.E).log().data; // 1 */
  log(): Value {
    return Value.node(Math.log(this.data), "log", [this], () => [1 / this.data]);
  }

  /** @example new Value(0).sin().data; // 0 */
  sin(): Value {
    return Value.node(Math.sin(this.data), "sin", [this], () => [Math.cos(this.data)]);
  }

  /** @example new Value(0).cos().data; // 1 */
  cos(): Value {
    return Value.node(Math.cos(this.data), "cos", [this], () => [-Math.sin(this.data)]);
  }

  /** @example new Value(0).tanh().data; // 0 */
  tanh(): Value {
    return Value.node(Math.tanh(this.data), "tanh", [this], (out) => [1 - out.data * out.data]);
  }

  /**
   * The logistic sigmoid σ(x) = 1 / (1 + e^(−x)) as ONE fused node with local gradient σ(1 − σ).
   * Build it from `neg`, `exp`, `add(1)` and `pow(-1)` to see the same gradient as a chain of primitives.
   * @example new Value(0).sigmoid().data; // 0.5
   */
  sigmoid(): Value {
    return Value.node(stableSigmoid(this.data), "σ", [this], (out) => [out.data * (1 - out.data)]);
  }

  /** max(0, x); its gradient at exactly 0 is taken as 0 (like PyTorch). @example new Value(-1).relu().data; // 0 */
  relu(): Value {
    return Value.node(this.data > 0 ? this.data : 0, "ReLU", [this], () => [this.data > 0 ? 1 : 0]);
  }

  /**
   * max(this, other): the gradient is routed to the larger input only (the "router" gate); on a tie
   * it goes to `this`.
   * @example new Value(3).max(-4).data; // 3
   */
  max(other: ValueLike): Value {
    const b = toValue(other, "max");
    const first = this.data >= b.data;
    return Value.node(first ? this.data : b.data, "max", [this, b], () => (first ? [1, 0] : [0, 1]));
  }

  /**
   * min(this, other): the gradient is routed to the smaller input only; on a tie it goes to `this`.
   * @example new Value(3).min(-4).data; // -4
   */
  min(other: ValueLike): Value {
    const b = toValue(other, "min");
    const first = this.data <= b.data;
    return Value.node(first ? this.data : b.data, "min", [this, b], () => (first ? [1, 0] : [0, 1]));
  }

  /**
   * Backpropagates from this node: sets its gradient to 1 and accumulates d(this)/d(node) into
   * every node of its graph. Non-leaf gradients are reset first; leaf gradients accumulate, so
   * calling `backward()` twice doubles them (like PyTorch). Iterative: deep graphs do not overflow.
   * @example
   * const x = new Value(3, "x");
   * const y = x.mul(x);
   * y.backward();
   * x.grad; // 6
   */
  backward(): void {
    const order = topoSort(this);
    for (const node of order) if (node.children.length > 0) node.grad = 0;
    this.grad += 1;
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i];
      if (node.localGrads === null) continue;
      const local = node.localGrads(node);
      for (let j = 0; j < node.children.length; j++) node.children[j].grad += local[j] * node.grad;
    }
  }

  /**
   * Sets `grad` to 0 on every node of the graph that ends at this node (leaves included).
   * @example
   * const x = new Value(3);
   * const y = x.mul(2);
   * y.backward();
   * y.zeroGrad();
   * x.grad; // 0
   */
  zeroGrad(): void {
    for (const node of topoSort(this)) node.grad = 0;
  }

  /** @example String(new Value(2, "x")); // "Value(x, data=2, grad=0)" */
  toString(): string {
    const name = this.label !== "" ? `${this.label}, ` : this.op !== "" ? `op=${this.op}, ` : "";
    return `Value(${name}data=${this.data}, grad=${this.grad})`;
  }

  /** Node's console.log and notebook output show the short form instead of the whole graph. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * All nodes of the graph that ends at `root`, inputs before the nodes that use them (so `root`
 * is last). Each node appears once. Iterative depth-first search: a chain of 100,000 operations is fine.
 * @example
 * const x = new Value(1, "x"), y = new Value(2, "y");
 * topoSort(x.add(y)).map((v) => v.label || v.op); // ["x", "y", "+"]
 */
export function topoSort(root: Value): Value[] {
  if (!(root instanceof Value)) throw new TypeError(`topoSort: expected a Value, got ${describeArg(root)}`);
  const order: Value[] = [];
  const visited = new Set<Value>([root]);
  // Each stack entry is a node and the index of the next child to visit.
  const stack: [Value, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, next] = top;
    if (next < node.children.length) {
      top[1] = next + 1;
      const child = node.children[next];
      if (!visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order;
}

/** One row of `valueTable`. */
export type ValueRow = {
  /** The node's label, or `v<i>` (its position in forward order) when it has none. */
  name: string;
  /** The operation ("" for a leaf). */
  op: string;
  /** The names of the operation's inputs. */
  inputs: string[];
  data: number;
  grad: number;
};

/**
 * The intermediate-variable table of a graph: one row per node, in forward (topological) order.
 * @example
 * const x = new Value(-2, "x"), y = new Value(5, "y"), z = new Value(-4, "z");
 * const f = x.add(y).mul(z);
 * f.backward();
 * console.table(valueTable(f)); // x, y, v2 = x + y, z, v4 = v2 * z with data and grad
 */
export function valueTable(root: Value): ValueRow[] {
  const order = topoSort(root);
  const names = new Map<Value, string>();
  order.forEach((node, i) => names.set(node, node.label !== "" ? node.label : `v${i}`));
  return order.map((node) => ({
    name: names.get(node)!,
    op: node.op,
    inputs: node.children.map((c) => names.get(c)!),
    data: node.data,
    grad: node.grad,
  }));
}

function toValue(x: unknown, method: string): Value {
  if (x instanceof Value) return x;
  if (typeof x === "number") return new Value(x, String(x));
  throw new TypeError(`Value.${method}: expected a Value or a number, got ${describeArg(x)}`);
}

function stableSigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function formatExponent(k: number): string {
  return Number.isInteger(k) ? String(k) : String(Number(k.toPrecision(4)));
}

/** @internal A short description of an unexpected argument for error messages (see describeValue). */
export const describeArg = describeValue;
