/**
 * Pure builders of plotly figure specs. They check their input and never touch the notebook;
 * `lib/plot/index.ts` turns their result into an output.
 */
import { Figure } from "./figure";
import { type Grid, type Series, toNumbers, toRows } from "./data";

export interface LineOptions {
  /** Shared x values (default 0, 1, 2, ...). */
  x?: Series;
  /** One series. Give `y` or `ys`, not both. */
  y?: Series;
  /** Several series drawn on the same axes. */
  ys?: Series[];
  /** Legend names, one per series. */
  names?: string[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Logarithmic y axis (loss curves). */
  logY?: boolean;
}

export interface ScatterOptions {
  x: Series;
  y: Series;
  /** A number per point, drawn with a color scale (e.g. a predicted probability). */
  color?: Series;
  /** A class per point: one trace (and legend entry) per distinct value. */
  groups?: ReadonlyArray<string | number> | Series;
  /** Legend names for numeric groups: `groupNames[g]` names group `g`. */
  groupNames?: string[];
  /** Hover text per point. */
  text?: string[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

export interface HeatmapOptions {
  z: Grid;
  x?: Array<string | number>;
  y?: Array<string | number>;
  colorscale?: string;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Write each cell's value on it (default: true when the grid has at most 400 cells). */
  showValues?: boolean;
  /** Draw row 0 at the top, like a matrix (default true). */
  matrixOrder?: boolean;
}

function axes(title?: string, xLabel?: string, yLabel?: string): Record<string, unknown> {
  return {
    title: title ? { text: title } : undefined,
    xaxis: { title: { text: xLabel ?? "" }, automargin: true },
    yaxis: { title: { text: yLabel ?? "" }, automargin: true },
    margin: { t: title ? 50 : 20, r: 20, b: 50, l: 60 },
  };
}

/**
 * Line chart spec for one or more series.
 * @example lineFigure({ y: [3, 2, 1.5], title: "loss" }).data[0].y // [3, 2, 1.5]
 */
export function lineFigure(opts: LineOptions): Figure {
  if ((opts.y === undefined) === (opts.ys === undefined)) {
    throw new Error("plot.line: give exactly one of `y` (one series) or `ys` (several series)");
  }
  const series = opts.y !== undefined ? [opts.y] : (opts.ys as Series[]);
  if (series.length === 0) throw new Error("plot.line: `ys` is empty");
  if (opts.names && opts.names.length !== series.length) {
    throw new Error(`plot.line: ${opts.names.length} names for ${series.length} series`);
  }
  const ys = series.map((s, i) => toNumbers(s, opts.y !== undefined ? "plot.line: y" : `plot.line: ys[${i}]`));
  const x = opts.x === undefined ? undefined : toNumbers(opts.x, "plot.line: x");
  ys.forEach((y, i) => {
    if (x && x.length !== y.length) {
      throw new Error(`plot.line: x has ${x.length} values but series ${i} has ${y.length}`);
    }
  });
  const data = ys.map((y, i) => ({
    type: "scatter",
    mode: y.length > 1 ? "lines" : "markers",
    x: x ?? y.map((_, j) => j),
    y,
    name: opts.names?.[i] ?? (ys.length > 1 ? `series ${i}` : "y"),
  }));
  const layout = axes(opts.title, opts.xLabel, opts.yLabel);
  if (opts.logY) (layout.yaxis as Record<string, unknown>).type = "log";
  layout.showlegend = ys.length > 1;
  return new Figure({ data, layout });
}

/**
 * Scatter plot spec, optionally colored by a value or split into groups.
 * @example scatterFigure({ x: [0, 1], y: [1, 0], groups: [0, 1] }).data.length // 2
 */
export function scatterFigure(opts: ScatterOptions): Figure {
  const x = toNumbers(opts.x, "plot.scatter: x");
  const y = toNumbers(opts.y, "plot.scatter: y");
  if (x.length !== y.length) {
    throw new Error(`plot.scatter: x has ${x.length} values but y has ${y.length}`);
  }
  if (opts.color !== undefined && opts.groups !== undefined) {
    throw new Error("plot.scatter: give `color` or `groups`, not both");
  }
  const checkLength = (n: number, name: string) => {
    if (n !== x.length) throw new Error(`plot.scatter: ${name} has ${n} values but x has ${x.length}`);
  };
  if (opts.text) checkLength(opts.text.length, "text");
  const layout = axes(opts.title, opts.xLabel, opts.yLabel);
  const base = { type: "scatter", mode: "markers", marker: { size: 8 } as Record<string, unknown> };

  if (opts.groups !== undefined) {
    const groups = Array.isArray(opts.groups) && opts.groups.some((g) => typeof g === "string")
      ? (opts.groups as Array<string | number>)
      : toNumbers(opts.groups as Series, "plot.scatter: groups");
    checkLength(groups.length, "groups");
    const keys = [...new Set(groups)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const data = keys.map((key) => {
      const idx = groups.flatMap((g, i) => (g === key ? [i] : []));
      const name = typeof key === "number" && opts.groupNames?.[key] !== undefined ? opts.groupNames[key] : String(key);
      return { ...base, name, x: idx.map((i) => x[i]), y: idx.map((i) => y[i]), text: opts.text && idx.map((i) => opts.text![i]) };
    });
    return new Figure({ data, layout: { ...layout, showlegend: true } });
  }
  const trace: Record<string, unknown> = { ...base, x, y, text: opts.text };
  if (opts.color !== undefined) {
    const color = toNumbers(opts.color, "plot.scatter: color");
    checkLength(color.length, "color");
    trace.marker = { size: 8, color, colorscale: "Viridis", showscale: true };
  }
  return new Figure({ data: [trace], layout: { ...layout, showlegend: false } });
}

/**
 * Heatmap spec for a 2-D grid (row 0 at the top by default).
 * @example heatmapFigure({ z: [[1, 2], [3, 4]] }).data[0].z // [[1, 2], [3, 4]]
 */
export function heatmapFigure(opts: HeatmapOptions): Figure {
  const z = toRows(opts.z, "plot.heatmap: z");
  const [rows, cols] = [z.length, z[0].length];
  if (opts.x && opts.x.length !== cols) {
    throw new Error(`plot.heatmap: x has ${opts.x.length} labels but z has ${cols} columns`);
  }
  if (opts.y && opts.y.length !== rows) {
    throw new Error(`plot.heatmap: y has ${opts.y.length} labels but z has ${rows} rows`);
  }
  const showValues = opts.showValues ?? rows * cols <= 400;
  const trace: Record<string, unknown> = {
    type: "heatmap",
    z,
    x: opts.x,
    y: opts.y,
    colorscale: opts.colorscale ?? "Viridis",
  };
  if (showValues) {
    trace.text = z.map((row) => row.map(formatCell));
    trace.texttemplate = "%{text}";
  }
  const layout = axes(opts.title, opts.xLabel, opts.yLabel);
  if (opts.matrixOrder ?? true) (layout.yaxis as Record<string, unknown>).autorange = "reversed";
  return new Figure({ data: [trace], layout });
}

/**
 * Confusion-matrix spec: rows are true classes, columns predicted classes; the title gives accuracy.
 * @example confusionFigure([[5, 1], [2, 7]], ["cat", "dog"]).layout.title // { text: "Confusion matrix (accuracy 80.0%)" }
 */
export function confusionFigure(matrix: Grid, classNames: string[], opts: { title?: string } = {}): Figure {
  const z = toRows(matrix, "plot.confusionMatrix: matrix");
  if (z.length !== z[0].length) {
    throw new Error(`plot.confusionMatrix: matrix must be square, got ${z.length}x${z[0].length}`);
  }
  if (classNames.length !== z.length) {
    throw new Error(`plot.confusionMatrix: ${classNames.length} class names for a ${z.length}x${z.length} matrix`);
  }
  const total = z.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  const correct = z.reduce((s, row, i) => s + row[i], 0);
  const acc = total > 0 ? ` (accuracy ${((100 * correct) / total).toFixed(1)}%)` : "";
  const fig = heatmapFigure({
    z,
    x: classNames,
    y: classNames,
    colorscale: "Blues",
    title: (opts.title ?? "Confusion matrix") + acc,
    xLabel: "predicted",
    yLabel: "true",
    showValues: true,
  });
  fig.data[0].reversescale = true; // plotly's "Blues" runs dark to light; large counts should be dark
  const side = Math.max(360, 60 + 42 * classNames.length);
  return new Figure({ ...fig, layout: { ...fig.layout, width: side + 120, height: side } });
}

function formatCell(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 || Math.abs(v) < 0.01 ? v.toExponential(1) : v.toFixed(2);
}
