/**
 * Rich cell values: what a notebook shows when a cell ends with a tensor or a module.
 *
 * Tensor and Module implement `[Symbol.for("Jupyter.display")]()` (the display protocol of Deno's
 * Jupyter kernel; the gradwork kernel uses it for a cell's last value) by returning these MIME
 * bundles: `text/plain` for consoles, `text/html` for the notebook, `image/png` for image-shaped
 * tensors. Only structural types here, so the classes can import this file without a cycle.
 */
import { escapeHtml } from "../plot/html";
import { encodePng } from "../plot/png";

/** The MIME bundle of one value (MIME type to content). */
export type MimeBundle = Record<string, string>;

interface TensorLikeView {
  shape: readonly number[];
  dtype: string;
  requiresGrad: boolean;
  gradFn: { name?: string } | null;
  toFloat32Array(): Float32Array;
  toString(): string;
}

interface ModuleLikeView {
  constructor: { name: string };
  namedModules(): [string, ModuleLikeView][];
  namedChildren(): [string, ModuleLikeView][];
  namedParameters(): [string, { shape: readonly number[]; numel: number }][];
  toString(): string;
}

/** Tensors with at most this many values are shown in full as a table. */
export const TABLE_LIMIT = 400;

const num = (v: number) => (Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toPrecision(4) : String(v));
const STYLE = 'style="border-collapse:collapse;font-family:monospace;font-size:12px"';
const TD = 'style="padding:1px 6px;text-align:right;border:1px solid #ddd"';
const TDL = 'style="padding:1px 6px;text-align:left;border:1px solid #ddd"';

function header(t: TensorLikeView): string {
  const grad = t.requiresGrad ? (t.gradFn ? `, grad_fn=${escapeHtml(t.gradFn.name ?? "op")}` : ", requiresGrad") : "";
  return `<div style="font-family:monospace;font-size:12px"><b>Tensor</b> shape [${t.shape.join(", ")}] ${escapeHtml(t.dtype)}${grad}</div>`;
}

function valueTable(values: Float32Array, rows: number, cols: number): string {
  const body: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < cols; c++) cells.push(`<td ${TD}>${num(values[r * cols + c])}</td>`);
    body.push(`<tr>${cells.join("")}</tr>`);
  }
  return `<table ${STYLE}>${body.join("")}</table>`;
}

function summary(values: Float32Array): string {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sq = 0;
  let nan = 0;
  for (const v of values) {
    if (Number.isNaN(v)) {
      nan++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sq += v * v;
  }
  const n = values.length - nan;
  const mean = n ? sum / n : NaN;
  const std = n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : NaN;
  const first = Array.from(values.subarray(0, 6), num).join(", ");
  const cells = [["values", String(values.length)], ["min", num(min)], ["max", num(max)], ["mean", num(mean)], ["std", num(std)], ...(nan ? [["NaN", String(nan)]] : []), ["first", `${first}, …`]];
  return `<table ${STYLE}>${cells.map(([k, v]) => `<tr><td ${TD}>${k}</td><td ${TD}>${v}</td></tr>`).join("")}</table>`;
}

/** [C, H, W] with 1 or 3 channels and sides of 8–1024 pixels, or null. */
export function imageShape(shape: readonly number[]): { c: 1 | 3; h: number; w: number } | null {
  if (shape.length !== 3) return null;
  const [c, h, w] = shape;
  if ((c !== 1 && c !== 3) || h < 8 || w < 8 || h > 1024 || w > 1024) return null;
  return { c, h, w };
}

/** A PNG of a [C, H, W] tensor's values, stretched from their min..max to 0..255. */
function png(values: Float32Array, c: 1 | 3, h: number, w: number): string {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) if (Number.isFinite(v)) (min = Math.min(min, v), max = Math.max(max, v));
  const span = max > min ? max - min : 1;
  const pixels = new Uint8Array(c * h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) {
        const v = values[k * h * w + y * w + x];
        pixels[(y * w + x) * c + k] = Number.isFinite(v) ? Math.round((255 * (v - min)) / span) : 0;
      }
  return encodePng(pixels, w, h, c).toString("base64");
}

/**
 * The bundle of a tensor: all values as a table when small (up to 2-D), a summary otherwise, and
 * an image for image-shaped tensors ([1 or 3, H, W]).
 * @example tensorBundle(gw.randn([2, 3]))["text/html"] // "<div ...>Tensor</b> shape [2, 3] float32 ..."
 */
export function tensorBundle(t: TensorLikeView): MimeBundle {
  const values = t.toFloat32Array();
  const bundle: MimeBundle = { "text/plain": t.toString() };
  const img = imageShape(t.shape);
  let body: string;
  if (img) {
    const data = png(values, img.c, img.h, img.w);
    bundle["image/png"] = data;
    const scale = Math.max(1, Math.floor(128 / Math.max(img.h, img.w)));
    body = `<img src="data:image/png;base64,${data}" width="${img.w * scale}" height="${img.h * scale}" style="image-rendering:pixelated" alt="tensor image">${summary(values)}`;
  } else if (values.length <= TABLE_LIMIT && t.shape.length <= 2) {
    const cols = t.shape.length === 0 ? 1 : t.shape[t.shape.length - 1];
    body = valueTable(values, cols ? values.length / cols : 0, cols);
  } else {
    body = summary(values);
  }
  bundle["text/html"] = header(t) + body;
  return bundle;
}

/**
 * The bundle of a module: one row per layer with its own parameters and their count, and the total.
 * @example moduleBundle(gw.train.chapterConvNet())["text/html"]
 */
export function moduleBundle(m: ModuleLikeView): MimeBundle {
  const rows: string[] = [];
  let total = 0;
  for (const [name, mod] of m.namedModules()) {
    if (name === "" && mod.namedChildren().length > 0) continue;
    const own = mod.namedParameters().filter(([p]) => !p.includes("."));
    const count = own.reduce((n, [, p]) => n + p.numel, 0);
    total += count;
    const shapes = own.map(([p, t]) => `${escapeHtml(p)} [${t.shape.join(", ")}]`).join("<br>");
    if (mod.namedChildren().length > 0 && own.length === 0) continue; // a container: its layers have rows
    rows.push(`<tr><td ${TDL}>${escapeHtml(name || "(self)")}</td><td ${TD}>${escapeHtml(mod.constructor.name)}</td><td ${TD}>${shapes}</td><td ${TD}>${count.toLocaleString("en")}</td></tr>`);
  }
  const head = `<tr><th ${TD}>layer</th><th ${TD}>type</th><th ${TD}>parameters</th><th ${TD}>count</th></tr>`;
  const foot = `<tr><td ${TD} colspan="3"><b>total</b></td><td ${TD}><b>${total.toLocaleString("en")}</b></td></tr>`;
  return {
    "text/plain": m.toString(),
    "text/html": `<div style="font-family:monospace;font-size:12px"><b>${escapeHtml(m.constructor.name)}</b></div><table ${STYLE}>${head}${rows.join("")}${foot}</table>`,
  };
}
