/**
 * Architecture diagrams of a `Module` (`gw.drawModel`): one box per layer with its settings and
 * output shape, arrows in the order the data flows.
 *
 * The diagram comes from one real forward pass on a zero input (in eval mode, so batch norm's
 * running statistics and dropout are untouched), so hand-written `forward` methods are drawn as
 * they actually run: every call of a layer (a module without submodules) becomes a box, and any
 * tensor operation done between layers (`x.relu()`, `x.flatten(1)`, a residual `add`) becomes a
 * small oval, connected through the autodiff graph of that pass.
 */
import { Tensor } from "../tensor/tensor";
import { zeros } from "../tensor/create";
import { fmtShape } from "../tensor/shape";
import { renderDotSync } from "../scalar/graphviz";
import { cleanSvg } from "../scalar/draw";
import { Module, Parameter } from "./module";
import { Linear } from "./layers";
import { Conv1d, Conv2d } from "./conv";

export interface DrawModelOptions {
  /** The input: a shape such as [1, 3, 32, 32] (filled with zeros) or a tensor. Required. */
  input: readonly number[] | Tensor;
  /** Layout direction (default "TB", top to bottom; "LR" draws left to right). */
  rankdir?: "LR" | "RL" | "TB" | "BT";
  /** Graph title shown above the drawing (default: the model's class name). */
  title?: string;
  /** Refuse diagrams with more boxes than this (default 300). */
  maxNodes?: number;
}

interface Node {
  id: string;
  kind: "input" | "output" | "layer" | "op" | "param";
  label: string;
  /** Dotted module path of the layer's parent container ("" at the top), for clusters. */
  group: string;
  /** Fill colour of a layer box (by layer family). */
  fill?: string;
}

/** What `traceModel` found: boxes and arrows, in data order. */
export interface ModelTrace {
  nodes: Node[];
  edges: [string, string][];
}

const FILL: Record<string, string> = {
  linear: "#fde2c7",
  conv: "#d6e6fb",
  pool: "#e6dcf5",
  act: "#d9f2d9",
  norm: "#fff3b0",
  other: "#eeeeee",
};

function layerKind(m: Module): string {
  const name = m.constructor.name;
  if (/Linear/.test(name)) return "linear";
  if (/Conv/.test(name)) return "conv";
  if (/Pool/.test(name)) return "pool";
  if (/ReLU|Sigmoid|Tanh|Softmax|GELU|ELU/.test(name)) return "act";
  if (/Norm/.test(name)) return "norm";
  return "other";
}

const times = (v: unknown): string => (Array.isArray(v) ? v.join("×") : `${v}×${v}`);

/** A short, human description of a layer's settings ("3 → 16, 5×5, padding 2"). */
export function layerSettings(m: Module): string {
  const any = m as any;
  const opts = (any._opts ?? {}) as Record<string, unknown>;
  const extras = (keys: string[]) =>
    keys.filter((k) => opts[k] !== undefined && opts[k] !== 0 && opts[k] !== 1).map((k) => `${k} ${JSON.stringify(opts[k])}`);
  if (m instanceof Linear) return [`${m.inFeatures} → ${m.outFeatures}`, ...(m.bias === null ? ["no bias"] : [])].join(", ");
  if (m instanceof Conv2d || m instanceof Conv1d) {
    const k = m instanceof Conv2d ? times(m.kernelSize) : String(m.kernelSize);
    const conv = { stride: m.stride, padding: m.padding, dilation: m.dilation, groups: m.groups };
    const shown = (["stride", "padding", "dilation", "groups"] as const).flatMap((key) => {
      const v = conv[key];
      // a pair of equal sides reads as one number; defaults (1, or padding 0) are left out
      const one = Array.isArray(v) && v.every((x) => x === v[0]) ? v[0] : v;
      return one === (key === "padding" ? 0 : 1) ? [] : [`${key} ${typeof one === "number" ? one : JSON.stringify(one)}`];
    });
    return [`${m.inChannels} → ${m.outChannels}`, k, ...shown].join(", ");
  }
  if (/Pool2d$/.test(m.constructor.name) && any.kernelSize !== undefined) return [times(any.kernelSize), ...extras(["stride", "padding"])].join(", ");
  if (any.outputSize !== undefined) return `to ${times(any.outputSize)}`;
  if (any.numFeatures !== undefined) return `${any.numFeatures} features`;
  if (any.p !== undefined) return `p = ${any.p}`;
  if (any.dim !== undefined) return `dim ${any.dim}`;
  if (any.startDim !== undefined) return any.startDim === 1 && any.endDim === -1 ? "" : `dims ${any.startDim}..${any.endDim}`;
  return typeof any.extraRepr === "function" ? String(any.extraRepr()) : "";
}

function checkInput(fn: string, model: unknown, opts: DrawModelOptions | undefined): Tensor {
  if (!(model instanceof Module)) {
    throw new TypeError(`${fn}: expected an nn.Module (a layer or a model), got ${model === null ? "null" : typeof model === "object" ? (model as object).constructor?.name : typeof model}`);
  }
  const input = opts?.input;
  if (input instanceof Tensor) return new Tensor(input.toFloat32Array(), input.shape, undefined, 0, true);
  if (!Array.isArray(input) || input.length === 0 || !input.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${fn}: opts.input must be the input's shape (positive integers, e.g. { input: [1, 3, 32, 32] }) or a tensor, got ${JSON.stringify(input)}`);
  }
  const x = zeros(input);
  x.requiresGrad = true;
  return x;
}

function tensorsIn(value: unknown): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(tensorsIn);
  return [];
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * Runs one forward pass of `model` on `opts.input` and records its layers and operations in data
 * order (pure data; `drawModel` draws it). The model's parameters and modes are left as they were.
 * @example
 * const t = traceModel(new gw.nn.Sequential(new gw.nn.Linear(2, 3), new gw.nn.ReLU()), { input: [1, 2] });
 * t.nodes.map((n) => n.kind); // ["input", "layer", "layer", "output"]
 */
export function traceModel(model: Module, opts: DrawModelOptions): ModelTrace {
  const x = checkInput("drawModel", model, opts);
  const paths = new Map<Module, string>();
  for (const [p, m] of model.namedModules()) if (!paths.has(m)) paths.set(m, p);
  const paramNames = new Map<Tensor, string>(model.namedParameters().map(([n, p]) => [p, n]));
  const nodes: Node[] = [{ id: "input", kind: "input", label: `input|${fmtShape(x.shape)}`, group: "" }];
  const edges: [string, string][] = [];
  const producer = new Map<Tensor, string>([[x, "input"]]);

  // the node that produced t: a layer, the input, or operations found through the autodiff graph
  const resolve = (t: Tensor): string | null => {
    const known = producer.get(t);
    if (known !== undefined) return known;
    if (t.gradFn === null) {
      if (!(t instanceof Parameter) || !t.requiresGrad) return null; // a constant
      const id = `p${nodes.length}`;
      nodes.push({ id, kind: "param", label: `${paramNames.get(t) ?? "parameter"}|${fmtShape(t.shape)}`, group: "" });
      producer.set(t, id);
      return id;
    }
    const id = `o${nodes.length}`;
    producer.set(t, id);
    const sources = t.gradFn.inputs.map(resolve);
    nodes.push({ id, kind: "op", label: `${t.gradFn.name}|${fmtShape(t.shape)}`, group: "" });
    for (const s of sources) if (s !== null) edges.push([s, id]);
    return id;
  };

  const leaves = model.modules().filter((m) => m.children().length === 0);
  const saved = leaves.map((m) => [m, Object.getOwnPropertyDescriptor(m, "forward")] as const);
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  for (const m of new Set(leaves)) {
    const original = m.forward;
    (m as any).forward = function (this: Module, ...args: unknown[]) {
      const sources = args.flatMap(tensorsIn).map(resolve);
      const out = original.apply(this, args);
      const path = paths.get(m) ?? "";
      const id = `l${nodes.length}`;
      const settings = layerSettings(m);
      const nParams = m.parameters().reduce((n, p) => n + p.numel, 0);
      const detail = [settings, nParams > 0 ? `${nParams.toLocaleString("en-US")} params` : ""].filter(Boolean).join(" · ");
      const shapes = tensorsIn(out).map((t) => fmtShape(t.shape)).join(", ");
      nodes.push({ id, kind: "layer", label: `${m.constructor.name}|${path}|${detail}|${shapes}`, group: path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "", fill: FILL[layerKind(m)] });
      for (const s of sources) if (s !== null) edges.push([s, id]);
      for (const t of tensorsIn(out)) producer.set(t, id);
      return out;
    };
  }
  try {
    let out: unknown;
    try {
      out = model.forward(x);
    } catch (e) {
      throw new Error(`drawModel: ${model.constructor.name}.forward failed on a zero input of shape ${fmtShape(x.shape)}: ${(e as Error).message}`);
    }
    const outs = tensorsIn(out);
    if (outs.length === 0) throw new Error(`drawModel: ${model.constructor.name}.forward returned no tensor`);
    for (const t of outs) {
      const s = resolve(t);
      const id = `out${nodes.length}`;
      nodes.push({ id, kind: "output", label: `output|${fmtShape(t.shape)}`, group: "" });
      if (s !== null) edges.push([s, id]);
    }
  } finally {
    for (const [m, d] of saved) {
      if (d) Object.defineProperty(m, "forward", d);
      else delete (m as any).forward;
    }
    for (const [m, mode] of modes) m.training = mode;
  }
  return { nodes, edges };
}

function nodeLine(n: Node): string {
  const [a, b, c, d] = n.label.split("|");
  if (n.kind === "layer") {
    const name = b ? ` <FONT COLOR="#555555">${esc(b)}</FONT>` : "";
    const rows = [`<B>${esc(a)}</B>${name}`, ...(c ? [esc(c)] : []), `<FONT COLOR="#1f4e9c">${esc(d)}</FONT>`];
    return `  ${n.id} [shape=box, style="rounded,filled", fillcolor="${n.fill ?? FILL.other}", label=<${rows.join("<BR/>")}>];`;
  }
  if (n.kind === "op") return `  ${n.id} [shape=ellipse, style=filled, fillcolor="#f3f3f3", fontsize=10, label=<${esc(a)}<BR/><FONT COLOR="#1f4e9c">${esc(b)}</FONT>>];`;
  const fill = n.kind === "param" ? "#fbe3e8" : "#ffffff";
  return `  ${n.id} [shape=box, style="filled,bold", fillcolor="${fill}", label=<<B>${esc(a)}</B><BR/><FONT COLOR="#1f4e9c">${esc(b)}</FONT>>];`;
}

/**
 * The Graphviz DOT source of a model's architecture diagram (pure apart from one forward pass).
 * @example
 * const dot = modelToDot(new gw.nn.Linear(2, 3), { input: [1, 2] });
 * dot.includes("Linear"); // true
 */
export function modelToDot(model: Module, opts: DrawModelOptions): string {
  const { nodes, edges } = traceModel(model, opts);
  const maxNodes = opts.maxNodes ?? 300;
  if (nodes.length > maxNodes) {
    throw new Error(`drawModel: the diagram has ${nodes.length} boxes, more than maxNodes = ${maxNodes}; raise opts.maxNodes`);
  }
  const rankdir = opts.rankdir ?? "TB";
  if (!["LR", "RL", "TB", "BT"].includes(rankdir)) throw new Error(`drawModel: rankdir must be LR, RL, TB or BT, got ${JSON.stringify(rankdir)}`);
  const title = opts.title ?? model.constructor.name;
  const lines = [
    "digraph model {",
    `  rankdir=${rankdir}; labelloc=t; label=<<B>${esc(title)}</B>>; nodesep=0.25; ranksep=0.3;`,
    '  graph [fontname="Helvetica", fontsize=13];',
    '  node [fontname="Helvetica", fontsize=11, margin="0.12,0.05"];',
    '  edge [color="#555555", arrowsize=0.7];',
  ];
  const groups = [...new Set(nodes.map((n) => n.group))];
  for (const g of groups) {
    const members = nodes.filter((n) => n.group === g).map((n) => nodeLine(n));
    if (g === "") lines.push(...members);
    else lines.push(`  subgraph cluster_${groups.indexOf(g)} {`, `    label=<${esc(g)}>; style="dashed"; color="#999999";`, ...members.map((m) => "  " + m), "  }");
  }
  for (const [a, b] of edges) lines.push(`  ${a} -> ${b};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

/**
 * Draws a model's architecture as SVG: one box per layer (its type, name, settings, parameter
 * count and output shape), ovals for tensor operations written in `forward`, arrows in data
 * order. Show it in a notebook with `gw.plot.svg(...)`.
 * @example
 * const net = new gw.nn.Sequential(new gw.nn.Linear(2, 3), new gw.nn.Sigmoid(), new gw.nn.Linear(3, 2));
 * gw.plot.svg(gw.drawModel(net, { input: [1, 2] }));
 */
export function drawModel(model: Module, opts: DrawModelOptions): string {
  return cleanSvg(renderDotSync(modelToDot(model, opts)));
}
