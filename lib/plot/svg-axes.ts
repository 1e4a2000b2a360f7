/**
 * Scales, ticks and colours for the static SVG snapshots of figures (`lib/plot/svg.ts`).
 */

/** plotly's default trace colours, in order. */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** A map from data values to pixels along one axis, with its ticks. */
export interface Scale {
  /** Pixel position of a data value (categorical axes take the category's index). */
  px(v: number): number;
  ticks: Array<{ at: number; label: string }>;
  /** Category names when the axis is categorical. */
  categories?: string[];
}

/** Short tick text: integers as is, others with up to 4 significant digits, big/small ones in e-notation. */
export function tickLabel(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace("e+", "e");
  return String(Number(v.toPrecision(4)));
}

/** About `count` round tick values (1, 2 or 5 times a power of ten) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  return out;
}

/** [lo, hi] of the finite values, padded by `pad` of the range (a single value gets ±1). */
export function extent(values: number[], pad = 0.05): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

/** A linear scale from [lo, hi] to the pixel range [p0, p1] (p1 < p0 for a y axis). */
export function linearScale(lo: number, hi: number, p0: number, p1: number): Scale {
  const px = (v: number) => p0 + ((v - lo) / (hi - lo)) * (p1 - p0);
  return { px, ticks: niceTicks(lo, hi).map((at) => ({ at, label: tickLabel(at) })) };
}

/** A log10 scale over the positive values in [lo, hi]; ticks at powers of ten (plus 2 and 5 on short ranges). */
export function logScale(lo: number, hi: number, p0: number, p1: number): Scale {
  const [a, b] = [Math.log10(lo), Math.log10(hi)];
  const px = (v: number) => p0 + ((Math.log10(v) - a) / (b - a)) * (p1 - p0);
  const ticks: Array<{ at: number; label: string }> = [];
  const mults = b - a < 1 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : b - a < 2.5 ? [1, 2, 5] : [1];
  for (let e = Math.floor(a); e <= Math.ceil(b); e++) {
    for (const m of mults) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push({ at: v, label: tickLabel(v) });
    }
  }
  return { px, ticks };
}

/** A categorical scale: category i sits in the middle of band i of [p0, p1]. */
export function bandScale(categories: string[], p0: number, p1: number): Scale {
  const n = Math.max(1, categories.length);
  const px = (i: number) => p0 + ((i + 0.5) / n) * (p1 - p0);
  const every = Math.ceil(n / 12); // at most ~12 labels
  return { px, categories, ticks: categories.flatMap((c, i) => (i % every === 0 ? [{ at: i, label: c }] : [])) };
}

const SCALES: Record<string, string[]> = {
  viridis: ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"],
  blues: ["#08306b", "#2171b5", "#6baed6", "#9ecae1", "#c6dbef", "#f7fbff"],
  greys: ["#000000", "#ffffff"],
  rdbu: ["#053061", "#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b", "#67001f"],
};

/** `#rgb`, `#rrggbb` or `rgb(r, g, b)` as numbers (anything else: mid grey). */
function rgbOf(c: string): [number, number, number] {
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(c);
  if (short) return [1, 2, 3].map((i) => parseInt(short[i] + short[i], 16)) as [number, number, number];
  if (/^#[0-9a-f]{6}$/i.test(c)) return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
  const fn = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/i.exec(c);
  if (fn) return [Number(fn[1]), Number(fn[2]), Number(fn[3])];
  return [128, 128, 128];
}

/** A plotly colour scale: a name ("Viridis") or explicit stops ([[0, "#fff"], [1, "#08306b"]]). */
export type ColorScale = string | ReadonlyArray<readonly [number, string]>;

/** The scale as sorted stops in [0, 1]. */
function stopsOf(scale: ColorScale | undefined): Array<[number, [number, number, number]]> {
  if (Array.isArray(scale) && scale.length >= 2) {
    return scale.map(([t, c]) => [Number(t), rgbOf(String(c))] as [number, [number, number, number]]).sort((a, b) => a[0] - b[0]);
  }
  const colors = SCALES[(typeof scale === "string" ? scale : "viridis").toLowerCase()] ?? SCALES.viridis;
  return colors.map((c, i) => [i / (colors.length - 1), rgbOf(c)]);
}

/**
 * A colour for t in [0, 1] on a plotly colour scale — a name (Viridis, Blues, Greys, RdBu; others
 * fall back to Viridis) or explicit stops — optionally reversed.
 */
export function colorAt(scale: ColorScale | undefined, t: number, reverse = false): string {
  const stops = stopsOf(scale);
  let u = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  if (reverse) u = 1 - u;
  let i = 0;
  while (i < stops.length - 2 && u > stops[i + 1][0]) i++;
  const [[t0, a], [t1, b]] = [stops[i], stops[i + 1]];
  const f = t1 > t0 ? Math.min(1, Math.max(0, (u - t0) / (t1 - t0))) : 0;
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Black or white, whichever reads better on `rgb(r,g,b)`. */
export function textOn(rgb: string): string {
  const [r, g, b] = (rgb.match(/\d+/g) ?? ["0", "0", "0"]).map(Number);
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#000" : "#fff";
}
