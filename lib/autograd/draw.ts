/**
 * Drawings of tensor computation graphs (like torchviz, offline): one oval per operation with the
 * shape it produced, a box per leaf tensor — blue for tensors that require grad (parameters), grey
 * for constants (data) — and, after `backward()`, each leaf's gradient shape (and, on demand, its
 * values), top to bottom by default. `drawGraph` here also accepts a scalar `Value` and then draws the scalar graph.
 */
import { Tensor } from "../tensor/tensor";
import { fmtShape } from "../tensor/shape";
import { Value } from "../scalar/value";
import { cleanSvg, drawGraph as drawValueGraph, drawGraphAsync as drawValueGraphAsync, formatNumber, toDot as valueToDot } from "../scalar/draw";
import type { DrawOptions } from "../scalar/draw";
import { renderDotAsync, renderDotSync } from "../scalar/graphviz";

/** Options of `drawGraph` for a tensor (those of a scalar `Value` graph are `DrawOptions`). */
export interface TensorGraphOptions extends DrawOptions {
  /**
   * Names for leaf tensors: a model (its `namedParameters()`, e.g. "0.weight"), an object such as
   * `{ X, W1, b1 }`, or [name, tensor] pairs. Unnamed leaves are called "parameter" or "constant".
   */
  names?: { namedParameters(): [string, Tensor][] } | Record<string, Tensor> | Array<[string, Tensor]>;
  /** Also print the values of leaves, of their gradients and of a one-element output (default false). */
  values?: boolean;
  /** At most this many numbers per printed tensor (default 12; a matrix row by row); the rest is shown as "…". */
  maxValues?: number;
}

/** Every option of `drawGraph` (scalar or tensor). */
export type GraphOptions = TensorGraphOptions;

function nameMap(names: TensorGraphOptions["names"]): Map<Tensor, string> {
  const out = new Map<Tensor, string>();
  if (names === undefined) return out;
  const pairs: Array<[string, unknown]> =
    typeof (names as any).namedParameters === "function"
      ? (names as any).namedParameters()
      : Array.isArray(names) ? names : Object.entries(names);
  for (const [k, t] of pairs) {
    if (!(t instanceof Tensor)) throw new TypeError(`drawGraph: names["${k}"] is not a tensor`);
    if (!out.has(t)) out.set(t, k);
  }
  return out;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The values of `t` as text lines: one line per row for a matrix, at most `max` numbers in all. */
function valuesLines(t: Tensor, max: number): string[] {
  const data = t.toFloat32Array();
  const rowLength = t.ndim === 2 && t.shape[0] > 1 ? t.shape[1] : data.length;
  const lines: string[] = [];
  for (let start = 0; start < data.length && start < max; start += rowLength) {
    const end = Math.min(start + rowLength, max);
    const cut = end < start + rowLength || (end === max && max < data.length);
    lines.push(`[${[...data.subarray(start, end)].map(formatNumber).join(", ")}${cut ? ", …" : ""}]`);
  }
  return lines;
}

/** Inputs before outputs, every tensor once (iterative depth-first search over gradFn inputs). */
function graphOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0].gradFn?.inputs ?? [];
    if (top[1] < inputs.length) {
      const child = inputs[top[1]++];
      if (!seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(top[0]);
    }
  }
  return order;
}

/**
 * The Graphviz DOT source of the computation graph that ends at tensor `root` (pure).
 * @example
 * const w = gw.tensor([1, 2], { requiresGrad: true });
 * tensorGraphDot(w.mul(3).sum(), { names: { w } }).includes("mul"); // true
 */
export function tensorGraphDot(root: Tensor, opts: TensorGraphOptions = {}): string {
  if (!(root instanceof Tensor)) throw new TypeError("tensorGraphDot: expected a Tensor");
  const rankdir = opts.rankdir ?? "TB";
  if (!["LR", "RL", "TB", "BT"].includes(rankdir)) throw new Error(`drawGraph: rankdir must be LR, RL, TB or BT, got ${JSON.stringify(rankdir)}`);
  const maxValues = opts.maxValues ?? 12;
  if (!Number.isInteger(maxValues) || maxValues < 1) throw new Error(`drawGraph: maxValues must be a positive integer, got ${maxValues}`);
  const names = nameMap(opts.names);
  const order = graphOrder(root);
  const maxNodes = opts.maxNodes ?? 500;
  if (order.length > maxNodes) {
    throw new Error(`drawGraph: the graph has ${order.length} tensors, more than maxNodes = ${maxNodes}; draw a smaller graph or raise opts.maxNodes`);
  }
  const ids = new Map(order.map((t, i) => [t, `t${i}`] as const));
  const blue = '<FONT COLOR="#1f4e9c">';
  const lines = [
    "digraph G {",
    `  rankdir=${rankdir}; nodesep=0.25; ranksep=0.35;`,
    '  node [fontname="Helvetica", fontsize=11, margin="0.1,0.04"];',
    '  edge [color="#555555", arrowsize=0.7];',
  ];
  for (const t of order) {
    const id = ids.get(t)!;
    const rows: string[] = [];
    if (t.gradFn === null && !t.requiresGrad && t.numel === 1 && !names.has(t)) {
      lines.push(`  ${id} [shape=box, style="filled,rounded", fillcolor="#eeeeee", fontsize=10, label="${formatNumber(t.item())}"];`);
    } else if (t.gradFn === null) {
      const name = names.get(t) ?? (t.requiresGrad ? "parameter" : "constant");
      rows.push(`<B>${esc(name)}</B> ${blue}${fmtShape(t.shape)}</FONT>`);
      if (opts.values) rows.push(valuesLines(t, maxValues).map(esc).join("<BR/>"));
      if (t.grad !== null) {
        rows.push(`<FONT COLOR="#b03a2e">grad ${fmtShape(t.grad.shape)}</FONT>`);
        if (opts.values) rows.push(`<FONT COLOR="#b03a2e">${valuesLines(t.grad, maxValues).map(esc).join("<BR/>")}</FONT>`);
      } else if (t.requiresGrad) rows.push('<FONT COLOR="#999999">grad: none yet</FONT>');
      const fill = t.requiresGrad ? "#d6e6fb" : "#eeeeee";
      lines.push(`  ${id} [shape=box, style=filled, fillcolor="${fill}", label=<${rows.join("<BR/>")}>];`);
    } else {
      rows.push(`<B>${esc(t.gradFn.name)}</B>`, `${blue}${fmtShape(t.shape)}</FONT>`);
      if (t === root && opts.values && t.numel === 1) rows.push(`= ${formatNumber(t.item())}`);
      const fill = t === root ? "#d9f2d9" : "#f3f3f3";
      lines.push(`  ${id} [shape=ellipse, style=filled, fillcolor="${fill}", label=<${rows.join("<BR/>")}>];`);
      for (const input of t.gradFn.inputs) lines.push(`  ${ids.get(input)} -> ${id};`);
    }
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

function checkRoot(root: unknown, fn: string): void {
  if (!(root instanceof Tensor) && !(root instanceof Value)) {
    const what = root === null ? "null" : typeof root === "object" ? (root as object).constructor?.name : typeof root;
    throw new TypeError(`${fn}: expected a Tensor or a scalar Value (the output of a computation), got ${what}`);
  }
}

/**
 * The DOT source of a tensor graph or of a scalar `Value` graph.
 * @example
 * toDot(new gw.Value(2, "x").mul(3)).startsWith("digraph"); // true
 */
export function toDot(root: Tensor | Value, opts: GraphOptions = {}): string {
  checkRoot(root, "toDot");
  return root instanceof Value ? valueToDot(root, opts) : tensorGraphDot(root, opts);
}

/**
 * Draws the computation graph that ends at `root` as SVG: a scalar `Value` graph (data and grad
 * of every node) or a tensor graph (operations with their output shapes; leaf tensors with their
 * gradients after `backward()`, and their values with `{ values: true }`).
 * @example
 * const W = gw.randn([2, 3], { requiresGrad: true });
 * const loss = gw.tensor([[1, 2]]).matmul(W).relu().sum();
 * loss.backward();
 * gw.plot.svg(gw.drawGraph(loss, { names: { W }, values: true }));
 */
export function drawGraph(root: Tensor | Value, opts: GraphOptions = {}): string {
  checkRoot(root, "drawGraph");
  if (root instanceof Value) return drawValueGraph(root, opts);
  return cleanSvg(renderDotSync(tensorGraphDot(root, opts)));
}

/**
 * Like `drawGraph`, but renders in the current thread and returns a Promise.
 * @example
 * const svg = await drawGraphAsync(gw.tensor([1], { requiresGrad: true }).exp());
 */
export async function drawGraphAsync(root: Tensor | Value, opts: GraphOptions = {}): Promise<string> {
  checkRoot(root, "drawGraphAsync");
  if (root instanceof Value) return drawValueGraphAsync(root, opts);
  return cleanSvg(await renderDotAsync(tensorGraphDot(root, opts)));
}
