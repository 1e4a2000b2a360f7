/**
 * HTML building blocks shared by the plot helpers: escaping, unique element ids, the offline
 * plotly.js bundle and the small script that draws one figure into its own div.
 */
import { randomBytes } from "node:crypto";
import { escapeHtml } from "../common";
import { type PlotlyBuild, plotlyBuildFor, plotlyScriptTag } from "./loader";

/** A plotly figure: traces, layout and config, exactly as `Plotly.newPlot` takes them. */
export interface FigureSpec {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
  /** Animation frames (played by `animate` buttons and sliders), as `Plotly.newPlot` takes them. */
  frames?: Array<Record<string, unknown>>;
}

export { escapeHtml };

/** JSON that is safe to place inside a `<script>` element (no `</script>`, no `<!--`). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A fresh element id such as `gw-plot-3fa94c1e20b7d5aa` (unique across kernel sessions). */
export function uniqueId(prefix = "gw-plot"): string {
  return `${prefix}-${randomBytes(8).toString("hex")}`;
}

// The plotly.js builds and their loaders moved to loader.ts; these names stay importable from here.
export { plotlyBundle, plotlyScriptTag } from "./loader";

/**
 * HTML that draws `spec` into a new div. The script waits for `window.Plotly` (the bundle may be
 * embedded by an earlier output of the page) and, if it does not appear, says how to fix that.
 * With `snapshot` (an SVG document) the div first shows it as an image, so the figure is visible
 * where scripts never run (untrusted notebooks, GitHub); plotly replaces it when it draws.
 * A figure that needs the full plotly.js build (`build`, by default from its trace types) waits
 * for it rather than drawing with the cartesian one.
 * With `live` (a redraw of a live figure) plotting is spaced out so that it takes about a quarter
 * of the page's time at most: a busy browser then skips stale redraws and stays responsive (Stop).
 */
export function figureHtml(spec: FigureSpec, opts: { id?: string; height?: number; snapshot?: string; build?: PlotlyBuild; live?: boolean } = {}): string {
  const id = opts.id ?? uniqueId();
  const height = opts.height ?? 420;
  const snap = opts.snapshot
    ? `<img class="gw-snapshot" alt="static snapshot of the figure" style="max-width:100%;height:auto" src="data:image/svg+xml;base64,${Buffer.from(opts.snapshot, "utf8").toString("base64")}">`
    : "";
  const config = { responsive: true, displaylogo: false, ...(spec.config ?? {}) };
  const payload = scriptJson({ data: spec.data, layout: spec.layout, config, frames: spec.frames ?? [] });
  return [
    `<div id="${id}" class="gw-plot" style="width:100%;max-width:860px;height:${height}px">${snap}</div>`,
    "<script type=\"text/javascript\">",
    "(function () {",
    `  var id = ${scriptJson(id)};`,
    `  var fig = ${payload};`,
    `  var needFull = ${(opts.build ?? plotlyBuildFor(spec)) === "full"};`,
    `  var live = ${opts.live === true} && !!window.requestAnimationFrame;`,
    "  var started = Date.now(), warned = false;",
    "  function draw() {",
    "    var el = document.getElementById(id);",
    "    if (!el) return; // replaced by a newer redraw, or removed",
    "    if (window.Plotly && window.Plotly.newPlot && !(needFull && window.gwPlotlyBuild === 'cartesian')) {",
    // gwLivePlotFree: when the page may plot the next live redraw (3 times the last plot's cost later)
    "      var wait = live ? Math.min((window.gwLivePlotFree || 0) - Date.now(), 1000) : 0;",
    "      if (wait > 0) { setTimeout(function () { window.requestAnimationFrame(draw); }, wait); return; }",
    "      var img = el.querySelector('img.gw-snapshot'); if (img) el.removeChild(img);",
    "      if (warned && !img) el.textContent = '';",
    "      var t0 = Date.now();",
    "      if (live) window.gwLivePlotFree = Infinity; // until this plot is done",
    "      var done;",
    "      try { done = window.Plotly.newPlot(el, fig); } catch (e) { window.gwLivePlotFree = 0; throw e; }",
    "      if (live) Promise.resolve(done).then(function () { window.gwLivePlotFree = Date.now() + 3 * (Date.now() - t0); }, function () { window.gwLivePlotFree = 0; });",
    "      return;",
    "    }",
    "    var waited = Date.now() - started;",
    "    if (window.gwPlotlyFailed) {",
    "      if (!el.querySelector('img.gw-snapshot')) el.textContent = 'plotly.js could not be loaded: ' + window.gwPlotlyFailed;",
    "      return;",
    "    }",
    "    if (waited > 5000 && !warned) {",
    "      warned = true;",
    "      if (!el.querySelector('img.gw-snapshot')) el.textContent = 'plotly.js is not loaded on this page: re-run this cell, or run " +
      "gw.plot.init() in a cell above (a restarted or re-run notebook may have lost the output that embedded it).';",
    "    }",
    "    if (waited < 120000) setTimeout(draw, waited < 5000 ? 50 : 500);",
    "  }",
    // At the next frame, not now: a page that receives redraws of a live figure faster than it can
    // plot them (a busy browser) only plots the newest, as the replaced ones are gone by then.
    "  if (window.requestAnimationFrame) window.requestAnimationFrame(draw); else draw();",
    "})();",
    "</script>",
  ].join("\n");
}

/**
 * HTML showing an SVG document as an image (a base64 data URL, so no sanitizer or exporter can
 * strip its elements). Adds the SVG namespace when the document lacks it, as images need it.
 */
export function svgHtml(svgText: string): string {
  const start = svgText.search(/<svg[\s>]/i);
  let doc = svgText.slice(start);
  if (!/^<svg[^>]*\sxmlns=/i.test(doc)) doc = doc.replace(/^<svg/i, '<svg xmlns="http://www.w3.org/2000/svg"');
  const url = `data:image/svg+xml;base64,${Buffer.from(doc, "utf8").toString("base64")}`;
  return `<div class="gw-svg"><img src="${url}" alt="SVG drawing" style="max-width:100%"></div>`;
}

/**
 * A standalone HTML page drawing `spec` offline: plotly.js embedded once (the plain cartesian build
 * unless the figure needs the full one, so any browser opens it), the static SVG snapshot
 * inside the figure's div (shown when scripts are off), nothing fetched from the network.
 *
 * @example
 * fs.writeFileSync("loss.html", standaloneHtml(spec, renderSvg(spec), "loss"));
 */
export function standaloneHtml(spec: FigureSpec, snapshot: string | undefined, title = "gradwork figure"): string {
  const height = typeof spec.layout?.height === "number" ? spec.layout.height : undefined;
  return [
    "<!doctype html>",
    `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>`,
    plotlyScriptTag(plotlyBuildFor(spec)),
    figureHtml(spec, { height, snapshot }),
    "</body></html>",
  ].join("\n");
}
