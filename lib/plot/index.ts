/**
 * Plots, images and tables for the notebooks (`gw.plot`), drawn with plotly.js offline.
 *
 * Inside the tslab kernel each helper displays its output and returns nothing (so the cell prints
 * nothing). Anywhere else (plain Node, vitest) it displays nothing and returns the HTML it would
 * have shown, so that it can be tested or saved to a file.
 */
import {
  type HeatmapOptions,
  type LineOptions,
  type ScatterOptions,
  confusionFigure,
  heatmapFigure,
  lineFigure,
  scatterFigure,
} from "./figures";
import type { Grid } from "./data";
import * as fs from "node:fs";
import * as path from "node:path";
import { displayBundle } from "./bundle";
import { Figure, figureOutput } from "./figure";
import { type FigureSpec, standaloneHtml, svgHtml } from "./html";
import { type PlotlyBuild, plotlyBuildFor } from "./loader";
import { renderSvg } from "./svg";
import { type ImageGridOptions, type LabelledImage, imageGridHtml } from "./image-grid";
import { InterruptedError, embeddedPlotlyBuilds, ensurePlotly, inKernel, kernelDisplay, yieldToKernel } from "./kernel";
import { LiveFigure, type LiveOptions } from "./live";
import {
  type ConvGrid,
  type ConvolutionBackwardOptions,
  type ConvolutionOptions,
  convolutionBackwardFigure,
  convolutionFigure,
} from "./convolution";
import { type Row, type TableOptions, tableHtml } from "./table";

export type { ConvGrid, ConvolutionOptions, ConvolutionBackwardOptions, AnimatedFigureSpec, AnimatedFigure } from "./convolution";
/** The pure builders behind `convolution` / `convolutionBackward` (figure specs with frames). */
export { convolutionFigure, convolutionBackwardFigure };
export type { HeatmapOptions, LineOptions, ScatterOptions, ImageGridOptions, LabelledImage, LiveOptions, TableOptions, Row, FigureSpec };
export { Figure, LiveFigure, InterruptedError, inKernel, yieldToKernel, renderSvg };
export type { PlotlyBuild };
export { lineFigure, scatterFigure, heatmapFigure, confusionFigure };
// Stop-button helpers for loops of your own (lib/notebook/interrupt.ts)
export { checkInterrupt, withoutInterrupts } from "../notebook/interrupt";
export type { Grid, Series, TensorData, TensorLike } from "./data";

function showHtml(html: string): string | void {
  const display = kernelDisplay();
  if (display === null) return html;
  display.html(html);
}

/**
 * Draws any plotly figure spec (for what the helpers below do not cover).
 * @example gw.plot.figure({ data: [{ type: "bar", x: ["a", "b"], y: [3, 5] }], layout: {} })
 */
export function figure(spec: FigureSpec): string | void {
  if (!spec || !Array.isArray(spec.data)) throw new Error("plot.figure: expected a figure spec { data: [...traces], layout: {...} }");
  const { html, bundle } = figureOutput({ ...spec, layout: spec.layout ?? {} });
  if (!inKernel()) return html;
  ensurePlotly(false, plotlyBuildFor(spec));
  // One output: the same MIME bundle a Figure returned as a cell's value shows (lib/plot/figure.ts).
  if (!displayBundle(bundle)) showHtml(html);
}

/**
 * A standalone HTML page for a figure (plotly.js embedded, works offline, with a static SVG
 * snapshot shown when scripts are off). Takes a figure spec (e.g. from `gw.plot.lineFigure`) or a
 * live figure.
 *
 * @example
 * const page = gw.plot.toHtml(gw.plot.lineFigure({ y: losses, title: "loss" }));
 */
export function toHtml(fig: FigureSpec | LiveFigure): string {
  const spec = fig instanceof LiveFigure ? fig.spec() : fig;
  if (!spec || !Array.isArray(spec.data)) throw new Error("plot.toHtml: expected a figure spec { data, layout } or a live figure");
  const t = spec.layout?.title as { text?: string } | string | undefined;
  return standaloneHtml(spec, renderSvg(spec), (typeof t === "string" ? t : t?.text) || "gradwork figure");
}

/**
 * Writes `toHtml(fig)` to `file` (folders are created) and returns the absolute path. A `.svg`
 * file name writes the static SVG snapshot instead.
 *
 * @example
 * gw.plot.writeHtml("plots/loss.html", gw.plot.lineFigure({ y: losses, title: "loss" }));
 */
export function writeHtml(file: string, fig: FigureSpec | LiveFigure): string {
  if (typeof file !== "string" || file === "") throw new Error("plot.writeHtml: expected a file name as the first argument");
  const abs = path.resolve(file);
  const spec = fig instanceof LiveFigure ? fig.spec() : fig;
  const body = abs.toLowerCase().endsWith(".svg") ? renderSvg(spec) : toHtml(spec);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, body);
  return abs;
}

/**
 * Line chart of one series (`y`) or several (`ys`) against shared `x`.
 * @example gw.plot.line({ ys: [trainLoss, valLoss], names: ["train", "val"], xLabel: "epoch", logY: true })
 */
export function line(opts: LineOptions): string | void {
  return figure(lineFigure(opts));
}

/**
 * Scatter plot; `groups` gives one colour per class, `color` a colour scale.
 * @example gw.plot.scatter({ x: xs, y: ys, groups: labels, groupNames: ["0", "1"], title: "XOR" })
 */
export function scatter(opts: ScatterOptions): string | void {
  return figure(scatterFigure(opts));
}

/**
 * Heatmap of a 2-D array or tensor (row 0 on top, values written on small grids).
 * @example gw.plot.heatmap({ z: kernel2d, title: "3x3 kernel" })
 */
export function heatmap(opts: HeatmapOptions): string | void {
  return figure(heatmapFigure(opts));
}

/**
 * Confusion matrix (rows: true class, columns: predicted), with the accuracy in the title.
 * @example gw.plot.confusionMatrix([[50, 2], [5, 43]], ["cat", "dog"])
 */
export function confusionMatrix(matrix: Grid, classNames: string[], opts: { title?: string } = {}): string | void {
  return figure(confusionFigure(matrix, classNames, opts));
}

/**
 * An animated convolution (cross-correlation, as `gw.F.conv2d`): play/pause and a slider move the
 * window over the zero-padded input and fill the output one cell at a time, with the products.
 * `x` and `w` are 2-D (or 1-D) arrays or tensors.
 * @example gw.plot.convolution([[1, 2, 0], [0, 1, 3], [2, 1, 0]], [[1, 0], [0, -1]], { padding: 1 })
 */
export function convolution(x: ConvGrid, w: ConvGrid, opts: ConvolutionOptions = {}): string | void {
  return figure(convolutionFigure(x, w, opts));
}

/**
 * The backward pass of `convolution` for dL/dx, animated: the filter rotated by 180° slides over
 * the upstream gradient dL/dy (spread out by the stride and zero-padded by k − 1 − padding).
 * `inputSize` is the size of x (default: the smallest that fits).
 * @example gw.plot.convolutionBackward([1, -2], [1, 0, -1], { inputSize: [4] })
 */
export function convolutionBackward(grad: ConvGrid, w: ConvGrid, opts: ConvolutionBackwardOptions = {}): string | void {
  return figure(convolutionBackwardFigure(grad, w, opts));
}

/**
 * A grid of images: a tensor [N, C, H, W] (C = 1 or 3), a flat typed array (CIFAR-10
 * [N, 3, 32, 32] unless `opts.shape` says otherwise) or an array of `{ pixels, label }`.
 * Floats in [0, 1] are scaled to 0..255; other float ranges are stretched per image.
 * @example gw.plot.imageGrid(batch.x, { cols: 8, labels: batch.labels.map((l) => classes[l]) })
 */
export function imageGrid(
  images: Uint8Array | Float32Array | number[] | import("./data").TensorData | LabelledImage[],
  opts: ImageGridOptions = {},
): string | void {
  return showHtml(imageGridHtml(images, opts));
}

/**
 * A figure that updates in place while a loop runs. `push` records points and redraws at most
 * 10 times a second; `await fig.flush()` in the loop lets the redraws reach the page; call
 * `fig.update()` once at the end to draw the last points.
 * @example
 * const fig = gw.plot.live({ title: "loss", names: ["train"], xLabel: "step" });
 * for (let step = 0; step < 100; step++) { fig.push("train", step, trainStep()); await fig.flush(); }
 * fig.update();
 */
export function live(opts: LiveOptions = {}): LiveFigure {
  return new LiveFigure(opts);
}

/**
 * Shows an SVG image, e.g. the computation graph from `gw.drawGraph(value)`. It is sent as an
 * `<img>` with a data URL, which survives HTML export (nbconvert strips inline SVG elements).
 * @example gw.plot.svg(gw.drawGraph(loss))
 */
export function svg(svgText: string): string | void {
  if (typeof svgText !== "string" || !/<svg[\s>]/i.test(svgText)) {
    throw new Error(`plot.svg: expected an SVG document string (containing "<svg"), got ${typeof svgText === "string" ? JSON.stringify(svgText.slice(0, 40)) : typeof svgText}`);
  }
  return showHtml(svgHtml(svgText));
}

/**
 * Shows an SVG string as an image, or any other string as HTML.
 * @example gw.plot.show(gw.drawGraph(out))
 */
export function show(content: string): string | void {
  if (typeof content === "string" && /^\s*(<\?xml[^>]*>\s*)?(<!DOCTYPE[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(content)) {
    return svg(content);
  }
  if (typeof content !== "string") throw new Error(`plot.show: expected a string of SVG or HTML, got ${typeof content}`);
  return showHtml(content);
}

/**
 * A small HTML table from row objects (columns = keys) or row arrays. Booleans show as pass/fail.
 * @example gw.plot.table([{ task: "1.1", passed: true }, { task: "1.2", passed: false }])
 */
export function table(rows: Row[], opts: TableOptions = {}): string | void {
  return showHtml(tableHtml(rows, opts));
}

/**
 * Embeds plotly.js in the notebook again (the builds embedded so far, or the cartesian one). Only
 * needed when figures say "plotly.js is not loaded" (the output that held it was cleared or the
 * cell that made it was re-run before saving).
 * @example gw.plot.init()
 */
export function init(): void {
  const builds = embeddedPlotlyBuilds();
  for (const build of builds.length ? builds : (["cartesian"] as PlotlyBuild[])) ensurePlotly(true, build);
}
