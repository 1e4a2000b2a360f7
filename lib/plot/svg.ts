/**
 * A static SVG snapshot of a plotly figure spec, rendered in Node without a browser, for the
 * viewers that run no scripts (untrusted notebooks, GitHub, a reopened executed notebook).
 * It draws what gw.plot produces — scatter traces (lines and/or markers, a colour scale per
 * point), bars and heatmaps (with values and a colour bar) — with axes, ticks, a title, axis
 * titles and a legend. Interactive details (hover text, zoom) are left to plotly.
 */
import { escapeHtml, type FigureSpec, uniqueId } from "./html";
import { type ColorScale, PALETTE, type Scale, bandScale, colorAt, extent, linearScale, logScale, textOn, tickLabel } from "./svg-axes";

type Trace = Record<string, unknown>;
type Axis = { title?: { text?: string } | string; type?: string; autorange?: unknown };

const FONT = 'font-family="Helvetica, Arial, sans-serif"';

function text(x: number, y: number, s: string, attrs = ""): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeHtml(s)}</text>`;
}

function titleOf(t: unknown): string {
  if (typeof t === "string") return t;
  if (t && typeof t === "object" && typeof (t as { text?: unknown }).text === "string") return (t as { text: string }).text;
  return "";
}

function nums(v: unknown): number[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) return [];
  return Array.from(v as ArrayLike<unknown>, (x) => (typeof x === "number" ? x : x === null ? NaN : Number(x)));
}

function isCategorical(v: unknown): boolean {
  return Array.isArray(v) && v.some((x) => typeof x === "string");
}

/** Values along x for a trace: numbers, or category indices when the axis is categorical. */
function xValues(t: Trace, n: number, cats: string[] | undefined): number[] {
  if (t.x === undefined) return Array.from({ length: n }, (_, i) => i);
  if (cats) return (t.x as unknown[]).map((c) => cats.indexOf(String(c)));
  return nums(t.x);
}

function gridOf(t: Trace): number[][] {
  return Array.isArray(t.z) ? (t.z as unknown[]).map((row) => nums(row)) : [];
}

/** Options of `renderSvg`. */
export interface SvgOptions {
  /** Pixel width (default: layout.width, else 700). */
  width?: number;
  /** Pixel height (default: layout.height, else 420). */
  height?: number;
}

/**
 * Renders a figure spec to a standalone SVG document.
 *
 * @example
 * const svg = renderSvg({ data: [{ type: "scatter", mode: "lines", y: [3, 2, 1.5] }], layout: { title: { text: "loss" } } });
 * svg.startsWith("<svg"); // true
 */
export function renderSvg(spec: FigureSpec, opts: SvgOptions = {}): string {
  if (!spec || !Array.isArray(spec.data)) throw new Error("plot.renderSvg: expected a figure spec { data: [...], layout: {...} }");
  const layout = spec.layout ?? {};
  const W = opts.width ?? (typeof layout.width === "number" ? layout.width : 700);
  const H = opts.height ?? (typeof layout.height === "number" ? layout.height : 420);
  const traces = spec.data;
  const title = titleOf(layout.title);
  const xAxis = (layout.xaxis ?? {}) as Axis;
  const yAxis = (layout.yaxis ?? {}) as Axis;
  const heat = traces.find((t) => t.type === "heatmap");
  const colored = traces.find((t) => t.type !== "heatmap" && Array.isArray((t.marker as Trace | undefined)?.color) && (t.marker as Trace).showscale);
  const named = traces.filter((t) => t.type !== "heatmap");
  const showLegend = layout.showlegend === undefined ? named.length > 1 : Boolean(layout.showlegend) && named.length > 0;
  const legendW = showLegend ? Math.min(180, 40 + 7 * Math.max(...named.map((t, i) => String(t.name ?? `trace ${i}`).length))) : 0;
  const barW = heat || colored ? 60 : 0;
  const m = { l: 70, r: 16 + legendW + barW, t: title ? 44 : 16, b: 52 };
  const [x0, x1, y0, y1] = [m.l, W - m.r, H - m.b, m.t]; // plot area: x0..x1 left to right, y0 (bottom)..y1 (top)

  // ---- scales
  let xs: Scale;
  let ys: Scale;
  const reversedY = yAxis.autorange === "reversed";
  if (heat) {
    const z = gridOf(heat);
    const cols = z[0]?.length ?? 0;
    const xc = Array.isArray(heat.x) ? (heat.x as unknown[]).map(String) : Array.from({ length: cols }, (_, i) => String(i));
    const yc = Array.isArray(heat.y) ? (heat.y as unknown[]).map(String) : Array.from({ length: z.length }, (_, i) => String(i));
    xs = bandScale(xc, x0, x1);
    ys = bandScale(yc, reversedY ? y1 : y0, reversedY ? y0 : y1);
  } else {
    const catSource = traces.find((t) => isCategorical(t.x));
    const cats = catSource ? [...new Set(traces.flatMap((t) => (Array.isArray(t.x) ? (t.x as unknown[]).map(String) : [])))] : undefined;
    const allX = traces.flatMap((t) => xValues(t, nums(t.y).length, cats));
    const allY = traces.flatMap((t) => nums(t.y));
    if (traces.some((t) => t.type === "bar")) allY.push(0);
    if (cats) xs = bandScale(cats, x0, x1);
    else {
      const [lo, hi] = extent(allX, 0.03);
      xs = linearScale(lo, hi, x0, x1);
    }
    if (yAxis.type === "log") {
      const pos = allY.filter((v) => v > 0);
      const [lo, hi] = pos.length ? [Math.min(...pos), Math.max(...pos)] : [1, 10];
      ys = logScale(lo === hi ? lo / 2 : lo / 1.1, lo === hi ? hi * 2 : hi * 1.1, y0, y1);
    } else {
      const [lo, hi] = extent(allY);
      ys = reversedY ? linearScale(lo, hi, y1, y0) : linearScale(lo, hi, y0, y1);
    }
  }

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  if (title) out.push(text(W / 2, 26, title, 'text-anchor="middle" font-size="16"'));

  // ---- grid and ticks
  const clipId = uniqueId("gw-clip"); // unique: notebooks may inline several snapshots in one page
  out.push(`<defs><clipPath id="${clipId}"><rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}"/></clipPath></defs>`);
  if (!heat) out.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="#fafafa" stroke="#ddd"/>`);
  for (const t of xs.ticks) {
    const p = xs.px(t.at);
    if (!heat && !xs.categories) out.push(`<line x1="${p.toFixed(1)}" y1="${y1}" x2="${p.toFixed(1)}" y2="${y0}" stroke="#e5e5e5"/>`);
    out.push(text(p, y0 + 16, t.label, 'text-anchor="middle" fill="#444"'));
  }
  for (const t of ys.ticks) {
    const p = ys.px(t.at);
    if (!heat) out.push(`<line x1="${x0}" y1="${p.toFixed(1)}" x2="${x1}" y2="${p.toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(text(x0 - 6, p + 4, t.label, 'text-anchor="end" fill="#444"'));
  }
  const xt = titleOf(xAxis.title);
  const yt = titleOf(yAxis.title);
  if (xt) out.push(text((x0 + x1) / 2, H - 12, xt, 'text-anchor="middle" font-size="13"'));
  if (yt) out.push(`<text transform="translate(16 ${((y0 + y1) / 2).toFixed(1)}) rotate(-90)" text-anchor="middle" font-size="13">${escapeHtml(yt)}</text>`);

  // ---- traces
  const plotted: string[] = [];
  let zRange: [number, number] | null = null;
  let scaleName: ColorScale | undefined;
  let reverse = false;
  const colorOf = new Map(named.map((t, i) => [t, PALETTE[i % PALETTE.length]]));
  for (const t of traces) {
    if (t.type === "heatmap") {
      const z = gridOf(t);
      zRange = extent(z.flat(), 0);
      scaleName = t.colorscale as ColorScale | undefined;
      reverse = Boolean(t.reversescale);
      const [lo, hi] = zRange;
      const labels = Array.isArray(t.text) ? (t.text as unknown[][]) : null;
      const cw = Math.abs(xs.px(1) - xs.px(0)) || x1 - x0;
      const ch = Math.abs(ys.px(1) - ys.px(0)) || y0 - y1;
      z.forEach((row, r) =>
        row.forEach((v, c) => {
          const fill = Number.isFinite(v) ? colorAt(scaleName, (v - lo) / (hi - lo || 1), reverse) : "#fff";
          const [cx, cy] = [xs.px(c), ys.px(r)];
          plotted.push(`<rect x="${(cx - cw / 2).toFixed(1)}" y="${(cy - ch / 2).toFixed(1)}" width="${cw.toFixed(1)}" height="${ch.toFixed(1)}" fill="${fill}"/>`);
          if (labels && labels[r]?.[c] !== undefined) plotted.push(text(cx, cy + 4, String(labels[r][c]), `text-anchor="middle" fill="${textOn(fill)}"`));
        }),
      );
      continue;
    }
    const y = nums(t.y);
    const x = xValues(t, y.length, xs.categories);
    const color = String((t.marker as Trace | undefined)?.color && !Array.isArray((t.marker as Trace).color) ? (t.marker as Trace).color : colorOf.get(t));
    if (t.type === "bar") {
      const n = Math.max(1, xs.categories?.length ?? y.length);
      const bw = (0.8 * (x1 - x0)) / n / Math.max(1, traces.filter((u) => u.type === "bar").length);
      const k = traces.filter((u) => u.type === "bar").indexOf(t);
      const base = ys.px(0);
      y.forEach((v, j) => {
        if (!Number.isFinite(v) || !Number.isFinite(x[j])) return;
        const cx = xs.px(x[j]) - (0.4 * (x1 - x0)) / n + k * bw;
        const top = ys.px(v);
        plotted.push(`<rect x="${cx.toFixed(1)}" y="${Math.min(top, base).toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.abs(base - top).toFixed(1)}" fill="${color}"/>`);
      });
      continue;
    }
    if (t.type !== undefined && t.type !== "scatter" && t.type !== "scattergl") {
      plotted.push(text(x0 + 8, y1 + 16, `(a ${String(t.type)} trace is not drawn in this static snapshot)`, 'fill="#888"'));
      continue;
    }
    const mode = String(t.mode ?? (y.length > 1 ? "lines" : "markers"));
    const ok = (j: number) => Number.isFinite(x[j]) && Number.isFinite(y[j]) && (yAxis.type !== "log" || y[j] > 0);
    if (mode.includes("lines")) {
      let d = "";
      let pen = false;
      for (let j = 0; j < y.length; j++) {
        if (!ok(j)) {
          pen = false;
          continue;
        }
        d += `${pen ? "L" : "M"}${xs.px(x[j]).toFixed(1)} ${ys.px(y[j]).toFixed(1)}`;
        pen = true;
      }
      if (d) plotted.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    if (mode.includes("markers")) {
      const marker = (t.marker ?? {}) as Trace;
      const cvals = Array.isArray(marker.color) ? nums(marker.color) : null;
      if (cvals) {
        zRange = extent(cvals, 0);
        scaleName = marker.colorscale as ColorScale | undefined;
      }
      const r = (typeof marker.size === "number" ? marker.size : 6) / 2;
      for (let j = 0; j < y.length; j++) {
        if (!ok(j)) continue;
        const fill = cvals && zRange ? colorAt(scaleName, (cvals[j] - zRange[0]) / (zRange[1] - zRange[0] || 1)) : color;
        plotted.push(`<circle cx="${xs.px(x[j]).toFixed(1)}" cy="${ys.px(y[j]).toFixed(1)}" r="${r}" fill="${fill}" stroke="#fff" stroke-width="0.5"/>`);
      }
    }
  }
  out.push(`<g clip-path="url(#${clipId})">${plotted.join("")}</g>`);
  out.push(`<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#444"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#444"/>`);

  // ---- legend and colour bar
  if (showLegend) {
    const lx = x1 + 14;
    named.forEach((t, i) => {
      const ly = y1 + 10 + i * 18;
      out.push(`<rect x="${lx}" y="${ly - 9}" width="14" height="10" fill="${colorOf.get(t)}"/>`);
      out.push(text(lx + 20, ly, String(t.name ?? `trace ${i}`)));
    });
  }
  if (zRange) {
    const [lo, hi] = zRange;
    const bx = W - barW + 4;
    const steps = 24;
    const bh = (y0 - y1) / steps;
    for (let s = 0; s < steps; s++) {
      out.push(`<rect x="${bx}" y="${(y1 + s * bh).toFixed(1)}" width="14" height="${(bh + 0.5).toFixed(1)}" fill="${colorAt(scaleName, 1 - (s + 0.5) / steps, reverse)}"/>`);
    }
    out.push(text(bx + 18, y1 + 8, tickLabel(hi), 'fill="#444"'), text(bx + 18, y0, tickLabel(lo), 'fill="#444"'));
  }
  out.push("</svg>");
  return out.join("\n");
}
