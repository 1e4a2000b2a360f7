// PyTorch-like printing of tensors.
import type { Tensor } from "./tensor";

const EDGE = 3;
const THRESHOLD = 1000;

function fmtNumber(v: number, intMode: boolean, sci: boolean): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (intMode) return `${v}.`;
  if (sci) return v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2"); // PyTorch: two exponent digits
  return v.toFixed(4);
}

/** Flat indices of the elements a print shows (the first and last EDGE along each long dim when summarising). */
function shownIndices(shape: readonly number[], summarize: boolean): number[] {
  const out: number[] = [];
  const rec = (d: number, base: number, stride: number) => {
    if (d === shape.length) return void out.push(base);
    const n = shape[d], inner = stride / n;
    for (let i = 0; i < n; i++) {
      if (summarize && n > 2 * EDGE && i === EDGE) i = n - EDGE;
      rec(d + 1, base + i * inner, inner);
    }
  };
  rec(0, 0, shape.reduce((a, b) => a * b, 1));
  return out;
}

export function formatTensor(t: Tensor): string {
  const data = t.toFloat32Array();
  const summarize = data.length > THRESHOLD;
  // like PyTorch, the number style and column width come from the shown finite values only
  const shown = summarize ? shownIndices(t.shape, true).map((i) => data[i]) : Array.from(data);
  const finite = shown.filter((v) => Number.isFinite(v));
  const intMode = finite.length > 0 && finite.every((v) => Number.isInteger(v) && Math.abs(v) < 1e8);
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.filter((v) => v !== 0).reduce((m, v) => Math.min(m, Math.abs(v)), Infinity);
  const sci = !intMode && minAbs !== Infinity && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1000);
  const strs = Array.from(data, (v) => fmtNumber(v, intMode, sci));
  const pool = finite.length ? finite : shown;
  const width = pool.reduce((m, v) => Math.max(m, fmtNumber(v, intMode, sci).length), 0);
  const pad = (s: string) => s.padStart(width);
  const shape = t.shape;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));

  const render = (d: number, base: number, indent: number): string => {
    if (shape.length === 0) return strs[0];
    const n = shape[d];
    const idx: (number | null)[] = [];
    if (summarize && n > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) idx.push(i);
      idx.push(null);
      for (let i = n - EDGE; i < n; i++) idx.push(i);
    } else for (let i = 0; i < n; i++) idx.push(i);
    if (d === shape.length - 1) {
      return "[" + idx.map((i) => (i === null ? " ..." : pad(strs[base + i]))).join(", ") + "]"; // PyTorch: ",  ..., "
    }
    const sep = "," + "\n".repeat(shape.length - d - 1) + " ".repeat(indent + 1);
    return "[" + idx.map((i) => (i === null ? "..." : render(d + 1, base + i * strides[d], indent + 1))).join(sep) + "]";
  };

  let body = render(0, 0, "tensor(".length);
  const extras: string[] = [];
  if (data.length === 0) {
    body = "[]";
    extras.push(`size=[${shape.join(", ")}]`);
  }
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push("requiresGrad=true");
  return `tensor(${body}${extras.length ? ", " + extras.join(", ") : ""})`;
}
