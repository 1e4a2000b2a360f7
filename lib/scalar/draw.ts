/**
 * Drawings of scalar computation graphs: value nodes are records "label | data | grad", operation
 * nodes are small ellipses holding the op symbol, edges run from inputs to outputs.
 */
import { describeArg, topoSort, Value } from "./value";
import { renderDotAsync, renderDotSync } from "./graphviz";

/** Layout direction, as Graphviz's `rankdir`: "LR" = left to right (default), "TB" = top to bottom. */
export type RankDir = "LR" | "RL" | "TB" | "BT";

export interface DrawOptions {
  /** Layout direction (default "LR"). */
  rankdir?: RankDir;
  /** Refuse graphs with more value nodes than this (default 500): Graphviz would take minutes. */
  maxNodes?: number;
}

const RANKDIRS: readonly string[] = ["LR", "RL", "TB", "BT"];

/**
 * The Graphviz DOT source of the graph that ends at `root` (pure: no rendering).
 * @example
 * const x = new Value(2, "x");
 * const dot = toDot(x.mul(3), { rankdir: "TB" });
 * dot.startsWith("digraph"); // true
 */
export function toDot(root: Value, opts: DrawOptions = {}): string {
  checkRoot(root, "toDot");
  const rankdir = opts.rankdir ?? "LR";
  if (!RANKDIRS.includes(rankdir)) {
    throw new Error(`toDot: rankdir must be one of ${RANKDIRS.join(", ")}, got ${JSON.stringify(rankdir)}`);
  }
  const order = topoSort(root);
  const ids = new Map<Value, string>();
  order.forEach((v, i) => ids.set(v, `v${i}`));
  // In LR/RL layouts a record's fields stack vertically unless wrapped in braces: keep them in a row.
  const horizontal = rankdir === "LR" || rankdir === "RL";
  const lines = [
    "digraph G {",
    `  rankdir=${rankdir};`,
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [color="#555555"];',
  ];
  for (const v of order) {
    const id = ids.get(v)!;
    const fields = [`data ${formatNumber(v.data)}`, `grad ${formatNumber(v.grad)}`];
    if (v.label !== "") fields.unshift(v.label);
    const record = fields.map(escapeRecordField).join(" | ");
    const label = horizontal ? `{ ${record} }` : record;
    const bad = !Number.isFinite(v.data) || !Number.isFinite(v.grad) ? ', color="#cc0000"' : "";
    lines.push(`  ${id} [shape=record, label="${label}"${bad}];`);
    if (v.op !== "") {
      const op = escapeString(v.op);
      lines.push(`  ${id}_op [shape=ellipse, width=0.4, height=0.3, margin="0.04,0.02", style=filled, fillcolor="#e8eefc", label="${op}"];`);
      lines.push(`  ${id}_op -> ${id};`);
      for (const child of v.children) lines.push(`  ${ids.get(child)} -> ${id}_op;`);
    }
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

/**
 * Draws the computation graph that ends at `root` and returns the SVG as a string (synchronous;
 * Graphviz runs in a helper thread). In a tslab notebook: `tslab.display.html(drawGraph(f))`.
 * @example
 * const x = new Value(-2, "x"), y = new Value(5, "y"), z = new Value(-4, "z");
 * const f = x.add(y).mul(z);
 * f.label = "f";
 * f.backward();
 * const svg = drawGraph(f); // "<svg ...>...</svg>"
 */
export function drawGraph(root: Value, opts: DrawOptions = {}): string {
  return cleanSvg(renderDotSync(checkedDot(root, opts, "drawGraph")));
}

/**
 * Like `drawGraph`, but renders in the current thread and returns a Promise.
 * @example
 * const svg = await drawGraphAsync(new Value(1, "x").exp());
 */
export async function drawGraphAsync(root: Value, opts: DrawOptions = {}): Promise<string> {
  return cleanSvg(await renderDotAsync(checkedDot(root, opts, "drawGraphAsync")));
}

function checkedDot(root: Value, opts: DrawOptions, fn: string): string {
  checkRoot(root, fn);
  const maxNodes = opts.maxNodes ?? 500;
  const count = topoSort(root).length;
  if (count > maxNodes) {
    throw new Error(`${fn}: the graph has ${count} value nodes, more than maxNodes = ${maxNodes}; draw a smaller graph or raise opts.maxNodes`);
  }
  return toDot(root, opts);
}

function checkRoot(root: unknown, fn: string): void {
  if (!(root instanceof Value)) {
    throw new TypeError(`${fn}: expected a scalar Value (the output of the graph), got ${describeArg(root)}`);
  }
}

/** Drops the XML declaration, DOCTYPE and comments so the SVG can be inlined in HTML. */
export function cleanSvg(svg: string): string {
  const start = svg.indexOf("<svg");
  return (start >= 0 ? svg.slice(start) : svg).replace(/<!--[\s\S]*?-->\n?/g, "").trimEnd() + "\n";
}

/** 4 significant digits without trailing zeros: 0.7311, -12, 1.235e+5; NaN and ±∞ spelled out. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "∞";
  if (x === -Infinity) return "-∞";
  if (x === 0) return "0";
  const s = x.toPrecision(4);
  if (s.includes("e")) {
    const [mantissa, exponent] = s.split("e");
    return `${stripZeros(mantissa)}e${exponent}`;
  }
  return stripZeros(s);
}

function stripZeros(s: string): string {
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/** Escapes text for one field of a Graphviz record label inside a double-quoted DOT string. */
function escapeRecordField(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/[\\{}|<>"]/g, (c) => `\\${c}`);
}

/** Escapes text for a double-quoted DOT string. */
export function escapeString(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/[\\"]/g, (c) => `\\${c}`);
}
