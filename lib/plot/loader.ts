/**
 * plotly.js for the page, offline and small.
 *
 * Two builds ship with the library: the cartesian partial bundle (1.4 MB; every trace type that
 * `gw.plot` builds) and the full bundle (4.9 MB; 3-D, maps, …) for specs given to `gw.plot.figure`
 * that need more. A notebook embeds the build its figure needs once, gzip-compressed as base64;
 * the browser inflates it with `DecompressionStream` and runs it. Standalone pages (`toHtml`)
 * carry the plain build, so they open in any browser.
 */
import * as fs from "node:fs";
import { gzipSync } from "node:zlib";
import type { FigureSpec } from "./html";

/** Which plotly.js build a figure needs. */
export type PlotlyBuild = "cartesian" | "full";

/** The trace types of plotly's cartesian partial bundle. */
export const CARTESIAN_TRACES: ReadonlySet<string> = new Set([
  "bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie", "scatter", "scatterternary", "violin",
]);

const PACKAGES: Record<PlotlyBuild, string> = {
  cartesian: "plotly.js-cartesian-dist-min",
  full: "plotly.js-dist-min",
};

/**
 * The smallest build that draws every trace of `spec` (animation frames included); a trace
 * without a type is a scatter, as in plotly.
 *
 * @example
 * plotlyBuildFor({ data: [{ type: "heatmap", z: [[1]] }], layout: {} }); // "cartesian"
 * plotlyBuildFor({ data: [{ type: "surface", z: [[1]] }], layout: {} }); // "full"
 */
export function plotlyBuildFor(spec: FigureSpec): PlotlyBuild {
  const traces = [...spec.data, ...(spec.frames ?? []).flatMap((f) => (Array.isArray(f.data) ? (f.data as Array<Record<string, unknown>>) : []))];
  return traces.every((t) => CARTESIAN_TRACES.has(typeof t.type === "string" ? t.type : "scatter")) ? "cartesian" : "full";
}

const sources = new Map<PlotlyBuild, string>();
const packed = new Map<PlotlyBuild, string>();

/** The text of a plotly.js 3 build installed with the library. */
export function plotlyBundle(build: PlotlyBuild = "full"): string {
  let text = sources.get(build);
  if (text === undefined) {
    const pkg = PACKAGES[build];
    if (!pkg) throw new Error(`plotly build must be "cartesian" or "full", got ${JSON.stringify(build)}`);
    text = fs.readFileSync(require.resolve(pkg), "utf8");
    sources.set(build, text);
  }
  return text;
}

/**
 * A plain `<script>` element defining `window.Plotly` (for standalone pages). Any `</script`
 * inside the bundle is written as `<\/script` (the same string to JavaScript) so the HTML parser
 * cannot end it early.
 */
export function plotlyScriptTag(build: PlotlyBuild = "full"): string {
  const body = plotlyBundle(build).replace(/<\/(script)/gi, "<\\/$1");
  return `<script type="text/javascript">${body}\nwindow.gwPlotlyBuild = ${JSON.stringify(build)};</script>`;
}

/** The build gzip-compressed (level 9) and base64-encoded, as the notebook loader embeds it. */
export function packedPlotly(build: PlotlyBuild): string {
  let text = packed.get(build);
  if (text === undefined) {
    text = gzipSync(Buffer.from(plotlyBundle(build), "utf8"), { level: 9 }).toString("base64");
    packed.set(build, text);
  }
  return text;
}

/**
 * HTML that defines `window.Plotly` from the compressed build: the browser inflates it
 * (`DecompressionStream`) and runs it as a script, then sets `window.gwPlotlyBuild`. It does
 * nothing when the page already has that build or the full one; where the browser cannot inflate
 * it, it says so in its output and the figures keep their static snapshots.
 *
 * @example
 * display.html(plotlyLoaderHtml("cartesian")); // once per notebook session
 */
export function plotlyLoaderHtml(build: PlotlyBuild): string {
  return [
    '<div class="gw-plotly-loader"></div>',
    '<script type="text/javascript">',
    "(function () {",
    `  var build = ${JSON.stringify(build)}, w = window;`,
    "  var me = document.currentScript, out = me && me.previousElementSibling;",
    "  if (!out || out.className !== 'gw-plotly-loader') { var all = document.querySelectorAll('div.gw-plotly-loader'); out = all[all.length - 1]; }",
    "  var have = w.Plotly && w.Plotly.newPlot ? (w.gwPlotlyBuild || 'full') : null;",
    "  if (have === 'full' || have === build) return;",
    "  w.gwPlotlyLoading = w.gwPlotlyLoading || {};",
    "  if (w.gwPlotlyLoading[build]) return;",
    "  function fail(why) {",
    "    w.gwPlotlyFailed = why;",
    "    if (out) out.textContent = 'Interactive plots are off: ' + why + ' The figures show their static snapshots.';",
    "  }",
    "  if (typeof DecompressionStream !== 'function' || typeof Blob === 'undefined' || !Blob.prototype.stream) {",
    "    fail('this browser cannot unpack the embedded plotly.js (it has no DecompressionStream; use a current Chrome, Firefox, Safari or Edge).');",
    "    return;",
    "  }",
    `  var data = ${JSON.stringify(packedPlotly(build))};`,
    "  var bin = atob(data), bytes = new Uint8Array(bin.length);",
    "  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);",
    "  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));",
    "  w.gwPlotlyLoading[build] = new Response(stream).text().then(function (code) {",
    "    if (w.gwPlotlyBuild === 'full') return;",
    "    var s = document.createElement('script');",
    "    s.text = code + '\\nwindow.gwPlotlyBuild = ' + JSON.stringify(build) + ';';",
    "    document.head.appendChild(s);",
    "  }, function (e) {",
    "    w.gwPlotlyLoading[build] = null;",
    "    fail('unpacking plotly.js failed (' + (e && e.message ? e.message : e) + ').');",
    "  });",
    "})();",
    "</script>",
  ].join("\n");
}
