/**
 * Animated convolutions (`gw.plot.convolution`, `gw.plot.convolutionBackward`): plotly figures
 * with play/pause buttons and a slider. Each frame moves the window over the (padded) input and
 * fills one more output cell, showing the products that make it.
 *
 * "Convolution" here is cross-correlation, as in `gw.F.conv2d`: the filter is not flipped. The
 * backward figure shows dL/dx as the same sliding window, now with the filter rotated by 180°,
 * over the upstream gradient dL/dy (spread out by the stride, zero-padded by k − 1 − padding).
 * Pure builders (`convolutionFigure`, `convolutionBackwardFigure`) return the figure spec.
 */
import { intPair } from "../common";
import type { FigureSpec } from "./html";
import { Figure } from "./figure";
import { type Grid, type Series, isTensorData, toNumbers, toRows } from "./data";

/** A 2-D grid, a 1-D series (one row), or a tensor [H, W], [L] or [1, 1, H, W]. */
export type ConvGrid = Grid | Series;

export interface ConvolutionOptions {
  /** Step of the window (default 1); a number or [rows, columns]. */
  stride?: number | readonly [number, number];
  /** Zeros added on every side (default 0); a number or [rows, columns]. */
  padding?: number | readonly [number, number];
  /** Figure title (default "Convolution (cross-correlation)" / "Backward pass: dL/dx"). */
  title?: string;
  /** Milliseconds per frame when playing (default 700). */
  frameMs?: number;
}

export interface ConvolutionBackwardOptions extends ConvolutionOptions {
  /** Size of the forward input x, [H, W] or [L] (default: the smallest size that fits). */
  inputSize?: readonly number[];
}

/** An animated figure: a figure spec plus its frames. */
export type AnimatedFigureSpec = FigureSpec & { frames: Array<Record<string, unknown>> };
/** An animated figure as the builders return it: it displays itself as a cell's value. */
export type AnimatedFigure = Figure & AnimatedFigureSpec;

const MAX_FRAMES = 400;

function grid(v: ConvGrid, what: string): number[][] {
  if (isTensorData(v)) {
    const dims = v.shape.length === 4 && v.shape[0] === 1 && v.shape[1] === 1 ? v.shape.slice(2) : v.shape;
    if (dims.length === 1) return [Array.from(v.toFloat32Array())];
    if (dims.length !== 2) throw new Error(`${what}: expected a 1-D or 2-D tensor (or [1, 1, H, W]), got shape [${v.shape.join(", ")}]`);
    return toRows({ shape: dims, toFloat32Array: () => v.toFloat32Array() }, what);
  }
  if (Array.isArray(v) && v.length > 0 && typeof v[0] === "number") return [toNumbers(v as number[], what)];
  return toRows(v as Grid, what);
}

function pair(v: number | readonly [number, number] | undefined, dflt: number, min: number, what: string): [number, number] {
  return intPair(v ?? dflt, min, () => `${what} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)}`);
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const s = Math.abs(v) >= 100 || Math.abs(v) < 0.01 ? v.toExponential(1) : v.toFixed(2);
  return s.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

const paren = (v: number) => (v < 0 ? `(${fmt(v)})` : fmt(v));

/** Cross-correlation of `a` (already padded) with `k` at `stride`: every output cell with its products. */
function slide(a: number[][], k: number[][], stride: [number, number]) {
  const [kh, kw] = [k.length, k[0].length];
  const outH = Math.floor((a.length - kh) / stride[0]) + 1;
  const outW = Math.floor((a[0].length - kw) / stride[1]) + 1;
  const cells: Array<{ i: number; j: number; r: number; c: number; value: number; terms: string[] }> = [];
  for (let i = 0; i < outH; i++) {
    for (let j = 0; j < outW; j++) {
      const [r, c] = [i * stride[0], j * stride[1]];
      let value = 0;
      const terms: string[] = [];
      for (let u = 0; u < kh; u++) {
        for (let v = 0; v < kw; v++) {
          value += a[r + u][c + v] * k[u][v];
          terms.push(`${paren(a[r + u][c + v])}·${paren(k[u][v])}`);
        }
      }
      cells.push({ i, j, r, c, value, terms });
    }
  }
  return { outH, outW, cells };
}

interface Panels {
  title: string;
  /** The grid the window slides over, with a mask of the cells that are padding or inserted zeros. */
  source: number[][];
  added: boolean[][];
  sourceName: string;
  kernel: number[][];
  kernelName: string;
  outName: string;
  stride: [number, number];
  frameMs: number;
}

function animated(p: Panels): AnimatedFigure {
  const { source, kernel, stride } = p;
  const [kh, kw] = [kernel.length, kernel[0].length];
  if (kh > source.length || kw > source[0].length) {
    throw new Error(`plot.convolution: the ${kh}×${kw} filter is larger than the ${source.length}×${source[0].length} grid it slides over`);
  }
  const { outH, outW, cells } = slide(source, kernel, stride);
  if (cells.length > MAX_FRAMES) throw new Error(`plot.convolution: ${cells.length} output cells, more than the ${MAX_FRAMES} frames one animation can show; use a smaller example`);
  const widths = [source[0].length, kw, outW];
  const gap = 1.2;
  const total = widths.reduce((s, w) => s + w, 0) + 2 * gap;
  let start = 0;
  const domains = widths.map((w) => {
    const d = [start / total, (start + w) / total];
    start += w + gap;
    return d;
  });
  const axis = (n: number, k: number, label: string) => ({
    domain: domains[k], title: { text: label }, tickmode: "linear", tick0: 0, dtick: 1, range: [-0.5, n - 0.5],
    showgrid: false, zeroline: false, constrain: "domain",
  });
  const plotPx = 60 * Math.max(source.length, 1);
  const below = (px: number) => -px / plotPx; // paper y of a point `px` pixels under the panels
  const layout: Record<string, unknown> = {
    title: { text: p.title, y: 0.99, yanchor: "top" },
    height: plotPx + 270,
    margin: { t: 80, b: 190, l: 60, r: 20 },
    xaxis: axis(widths[0], 0, "column"), xaxis2: axis(widths[1], 1, "column"), xaxis3: axis(widths[2], 2, "column"),
  };
  ["yaxis", "yaxis2", "yaxis3"].forEach((name, k) => {
    const x = k === 0 ? "x" : `x${k + 1}`;
    layout[name] = { title: { text: k === 0 ? "row" : "" }, anchor: x, scaleanchor: x, autorange: "reversed", tickmode: "linear", tick0: 0, dtick: 1, showgrid: false, zeroline: false, domain: [0, 1], constrain: "domain" };
  });
  const heat = (z: Array<Array<number | null>>, k: number, colorscale: Array<[number, string]>, text: string[][]) => ({
    type: "heatmap", z, text, texttemplate: "%{text}", textfont: { color: "#111111", size: 14 }, colorscale, showscale: false, hoverinfo: "z",
    xaxis: k === 0 ? "x" : `x${k + 1}`, yaxis: k === 0 ? "y" : `y${k + 1}`, xgap: 2, ygap: 2,
  });
  const sourceText = source.map((row, r) => row.map((v, c) => (p.added[r][c] ? `(${fmt(v)})` : fmt(v))));
  const outFilled = (n: number) => {
    const z: Array<Array<number | null>> = Array.from({ length: outH }, () => Array(outW).fill(null));
    const text = Array.from({ length: outH }, () => Array(outW).fill(""));
    for (const cell of cells.slice(0, n)) {
      z[cell.i][cell.j] = cell.value;
      text[cell.i][cell.j] = fmt(cell.value);
    }
    return { z, text };
  };
  const rect = (k: number, r: number, c: number, h: number, w: number, color: string) => ({
    type: "rect", xref: k === 0 ? "x" : `x${k + 1}`, yref: k === 0 ? "y" : `y${k + 1}`,
    x0: c - 0.5, x1: c + w - 0.5, y0: r - 0.5, y1: r + h - 0.5, line: { color, width: 4 },
  });
  const label = (k: number, text: string) => ({
    text: `<b>${text}</b>`, showarrow: false, xref: "paper", yref: "paper", y: 1 + 6 / plotPx, yanchor: "bottom",
    x: (domains[k][0] + domains[k][1]) / 2, xanchor: "center",
  });
  const panelLabels = [label(0, p.sourceName), label(1, p.kernelName), label(2, p.outName)];
  const sum = (cell: (typeof cells)[number]) => {
    const shown = cell.terms.length <= 9 ? cell.terms.join(" + ") : `${cell.terms.slice(0, 4).join(" + ")} + … (${cell.terms.length} products)`;
    return `${p.outName.split(" ")[0]}[${outH > 1 ? `${cell.i}, ` : ""}${cell.j}] = ${shown} = <b>${fmt(cell.value)}</b>`;
  };
  const frameLayout = (n: number) => {
    const cell = cells[n - 1];
    return {
      shapes: [rect(0, cell.r, cell.c, kh, kw, "#d62728"), rect(2, cell.i, cell.j, 1, 1, "#d62728")],
      annotations: [...panelLabels, { text: sum(cell), showarrow: false, xref: "paper", yref: "paper", x: 0, xanchor: "left", y: below(62), yanchor: "top", font: { size: 13 } }],
    };
  };
  const frames = cells.map((cell, n) => {
    const out = outFilled(n + 1);
    return { name: outH > 1 ? `${cell.i},${cell.j}` : String(cell.j), data: [{ z: out.z, text: out.text }], traces: [2], layout: frameLayout(n + 1) };
  });
  const first = outFilled(1);
  const data = [
    heat(source, 0, [[0, "#f4f8fc"], [1, "#7fb2dc"]], sourceText),
    heat(kernel, 1, [[0, "#fff5eb"], [1, "#f7a35c"]], kernel.map((row) => row.map(fmt))),
    heat(first.z, 2, [[0, "#f3faf0"], [1, "#84cc7e"]], first.text),
  ];
  const animate = (names: string[] | null, ms: number) => [names, { mode: "immediate", fromcurrent: true, frame: { duration: ms, redraw: true }, transition: { duration: 0 } }];
  Object.assign(layout, frameLayout(1), {
    updatemenus: [{
      type: "buttons", direction: "left", x: 0, xanchor: "left", y: below(100), yanchor: "top", showactive: false, pad: { t: 0 },
      buttons: [
        { label: "▶ play", method: "animate", args: animate(null, p.frameMs) },
        { label: "❚❚ pause", method: "animate", args: [[null], { mode: "immediate", frame: { duration: 0, redraw: false }, transition: { duration: 0 } }] },
      ],
    }],
    sliders: [{
      active: 0, x: 0.2, len: 0.8, y: below(100), yanchor: "top", currentvalue: { prefix: "output cell ", font: { size: 12 } },
      pad: { t: 0, b: 0 }, ticklen: 3, font: { size: 9 },
      steps: frames.map((f) => ({ label: f.name, method: "animate", args: animate([f.name], 0) })),
    }],
  });
  return new Figure({ data, layout, frames, config: { responsive: true } }) as AnimatedFigure;
}

/**
 * The animated forward pass (pure): the zero-padded input, the filter and the output filling in.
 * The last frame's output equals `gw.F.conv2d(x, w, null, { stride, padding })`.
 * @example
 * const fig = convolutionFigure([[1, 2, 0], [0, 1, 3], [2, 1, 0]], [[1, 0], [0, -1]]);
 * fig.frames.length; // 4 (a 2×2 output)
 */
export function convolutionFigure(x: ConvGrid, w: ConvGrid, opts: ConvolutionOptions = {}): AnimatedFigure {
  const xs = grid(x, "plot.convolution: x");
  const ws = grid(w, "plot.convolution: w");
  const oneD = xs.length === 1 && ws.length === 1;
  const stride = pair(opts.stride, 1, 1, "plot.convolution: stride");
  const [ph, pw] = pair(opts.padding, 0, 0, "plot.convolution: padding");
  const padRows = oneD ? 0 : ph;
  const width = xs[0].length + 2 * pw;
  const source: number[][] = [];
  const added: boolean[][] = [];
  for (let r = -padRows; r < xs.length + padRows; r++) {
    const inside = r >= 0 && r < xs.length;
    source.push(Array.from({ length: width }, (_, c) => (inside && c >= pw && c < pw + xs[0].length ? xs[r][c - pw] : 0)));
    added.push(Array.from({ length: width }, (_, c) => !(inside && c >= pw && c < pw + xs[0].length)));
  }
  const padded = ph > 0 || pw > 0 ? `x, zero-padded by ${oneD ? pw : ph === pw ? ph : `${ph}×${pw}`}` : "x";
  return animated({
    title: opts.title ?? "Convolution (cross-correlation): the window slides, one output cell per frame",
    source, added, sourceName: `${padded} (zeros in brackets)`.replace(/^x \(zeros in brackets\)$/, "input x"),
    kernel: ws, kernelName: "filter w", outName: "y = x ⋆ w", stride, frameMs: opts.frameMs ?? 700,
  });
}

/**
 * The animated backward pass for dL/dx (pure): the upstream gradient dL/dy spread out by the stride
 * (zeros between its entries) and zero-padded by k − 1 − padding, the filter rotated by 180°, and
 * dL/dx filling in. The last frame equals the `x.grad` that autodiff computes.
 * @example
 * const fig = convolutionBackwardFigure([1, -2], [1, 0, -1], { inputSize: [4] });
 * fig.frames.length; // 4: dL/dx has one entry per input entry
 */
export function convolutionBackwardFigure(grad: ConvGrid, w: ConvGrid, opts: ConvolutionBackwardOptions = {}): AnimatedFigure {
  const gs = grid(grad, "plot.convolutionBackward: grad");
  const ws = grid(w, "plot.convolutionBackward: w");
  const oneD = gs.length === 1 && ws.length === 1;
  const [sh, sw] = pair(opts.stride, 1, 1, "plot.convolutionBackward: stride");
  const [ph, pw] = pair(opts.padding, 0, 0, "plot.convolutionBackward: padding");
  const [kh, kw] = [ws.length, ws[0].length];
  if (opts.inputSize !== undefined && !(Array.isArray(opts.inputSize) && [1, 2].includes(opts.inputSize.length) && opts.inputSize.every((n) => Number.isInteger(n) && n > 0))) {
    throw new Error(`plot.convolutionBackward: inputSize must be [H, W] or [L] (positive integers), got ${JSON.stringify(opts.inputSize)}`);
  }
  const size = opts.inputSize ?? (oneD ? [(gs[0].length - 1) * sw + kw - 2 * pw] : [(gs.length - 1) * sh + kh - 2 * ph, (gs[0].length - 1) * sw + kw - 2 * pw]);
  const [H, W] = size.length === 1 ? [1, size[0]] : [size[0], size[1]];
  const padH = oneD ? 0 : kh - 1 - ph;
  const padW = kw - 1 - pw;
  if (padH < 0 || padW < 0) throw new Error(`plot.convolutionBackward: padding ${JSON.stringify(opts.padding)} is larger than the filter size − 1; this picture needs padding ≤ k − 1`);
  // the dilated, padded gradient must be exactly H + kh − 1 by W + kw − 1
  const rows = oneD ? 1 : H + kh - 1;
  const cols = W + kw - 1;
  const spanH = oneD ? 1 : (gs.length - 1) * sh + 1;
  const spanW = (gs[0].length - 1) * sw + 1;
  if (padH + spanH > rows || padW + spanW > cols) {
    throw new Error(`plot.convolutionBackward: a ${gs.length}×${gs[0].length} gradient does not fit an input of size ${JSON.stringify(size)} with this stride and padding`);
  }
  const source = Array.from({ length: rows }, () => Array(cols).fill(0) as number[]);
  const added = Array.from({ length: rows }, () => Array(cols).fill(true) as boolean[]);
  gs.forEach((row, i) => row.forEach((v, j) => {
    source[padH + i * (oneD ? 1 : sh)][padW + j * sw] = v;
    added[padH + i * (oneD ? 1 : sh)][padW + j * sw] = false;
  }));
  const flipped = ws.map((row) => [...row].reverse()).reverse();
  const spread = sh > 1 || sw > 1 ? "spread by the stride, " : "";
  return animated({
    title: opts.title ?? "Backward pass: dL/dx = the 180°-rotated filter slid over the padded dL/dy",
    source, added, sourceName: `dL/dy, ${spread}zero-padded (zeros in brackets)`,
    kernel: flipped, kernelName: "w rotated 180°", outName: "dL/dx", stride: [1, 1], frameMs: opts.frameMs ?? 700,
  });
}
