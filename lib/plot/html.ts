/**
 * HTML building blocks shared by the plot helpers: escaping, unique element ids, the offline
 * plotly.js bundle and the small script that draws one figure into its own div.
 */
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import { escapeHtml } from "../common";

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

let bundleCache: string | null = null;

/** The text of the plotly.js 3 bundle installed with the library. */
export function plotlyBundle(): string {
  if (bundleCache === null) {
    const file = require.resolve("plotly.js-dist-min");
    bundleCache = fs.readFileSync(file, "utf8");
  }
  return bundleCache;
}

/**
 * A `<script>` element that defines `window.Plotly` offline. Any `</script` inside the bundle is
 * written as `<\/script` (the same string to JavaScript) so the HTML parser cannot end it early.
 */
export function plotlyScriptTag(): string {
  const body = plotlyBundle().replace(/<\/(script)/gi, "<\\/$1");
  return `<script type="text/javascript">${body}</script>`;
}

/**
 * HTML that draws `spec` into a new div. The script waits for `window.Plotly` (the bundle may be
 * embedded by an earlier output of the page) and, if it does not appear, says how to fix that.
 * With `snapshot` (an SVG document) the div first shows it as an image, so the figure is visible
 * where scripts never run (untrusted notebooks, GitHub); plotly replaces it when it draws.
 */
export function figureHtml(spec: FigureSpec, opts: { id?: string; height?: number; snapshot?: string } = {}): string {
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
    "  var started = Date.now(), warned = false;",
    "  function draw() {",
    "    var el = document.getElementById(id);",
    "    if (!el) return;",
    "    if (window.Plotly && window.Plotly.newPlot) {",
    "      var img = el.querySelector('img.gw-snapshot'); if (img) el.removeChild(img);",
    "      if (warned && !img) el.textContent = '';",
    "      window.Plotly.newPlot(el, fig);",
    "      return;",
    "    }",
    "    var waited = Date.now() - started;",
    "    if (waited > 5000 && !warned) {",
    "      warned = true;",
    "      if (!el.querySelector('img.gw-snapshot')) el.textContent = 'plotly.js is not loaded on this page: re-run this cell, or run " +
      "gw.plot.init() in a cell above (a restarted or re-run notebook may have lost the output that embedded it).';",
    "    }",
    "    if (waited < 120000) setTimeout(draw, waited < 5000 ? 50 : 500);",
    "  }",
    "  draw();",
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
 * A standalone HTML page drawing `spec` offline: plotly.js embedded once, the static SVG snapshot
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
    plotlyScriptTag(),
    figureHtml(spec, { height, snapshot }),
    "</body></html>",
  ].join("\n");
}
