/**
 * `Figure`: a plotly figure spec that knows how to show itself. A cell that ends with one (say
 * `gw.plot.lineFigure({ y: losses })`) displays it, in the gradwork kernel and in any kernel that
 * follows Deno's display protocol (`[Symbol.for("Jupyter.display")]()`).
 */
import { type MimeBundle, figureBundle } from "./bundle";
import { type FigureSpec, figureHtml } from "./html";
import { plotlyBuildFor } from "./loader";
import { renderSvg } from "./svg";
import { plotlyForValue } from "../notebook/bridge";

/** What one figure output is made of: the HTML, its SVG snapshot and the MIME bundle of both. */
export interface FigureOutput {
  html: string;
  snapshot: string;
  bundle: MimeBundle;
}

/**
 * The output of `spec`: plotly JSON (JupyterLab's plotly extension, VS Code), the HTML (plotly.js
 * offline, the snapshot inside it for untrusted pages) and the static SVG for every other viewer.
 *
 * @example
 * const { bundle } = figureOutput(gw.plot.lineFigure({ y: [3, 2, 1] })); Object.keys(bundle).length; // 4
 */
export function figureOutput(spec: FigureSpec): FigureOutput {
  const height = typeof spec.layout?.height === "number" ? spec.layout.height : undefined;
  const snapshot = renderSvg(spec);
  const html = figureHtml(spec, { height, snapshot });
  return { html, snapshot, bundle: figureBundle(spec, html, snapshot) };
}

/**
 * A plotly figure (traces, layout, config, frames), as the `gw.plot.*Figure` builders return it.
 * It is a plain `FigureSpec` for `gw.plot.figure`, `toHtml` and `writeHtml`, and it displays
 * itself when it is a cell's value. `gw.plot.line(...)` and the other helpers display at once and
 * return nothing, so a figure is never shown twice.
 *
 * @example
 * gw.plot.lineFigure({ y: [3, 2, 1.5], title: "loss" }) // as a cell's last line: the figure
 */
export class Figure implements FigureSpec {
  declare data: Array<Record<string, unknown>>;
  declare layout: Record<string, unknown>;
  declare config?: Record<string, unknown>;
  declare frames?: Array<Record<string, unknown>>;

  /**
   * A figure holding the fields of `spec` (not a deep copy).
   *
   * @example
   * const fig = new gw.plot.Figure({ data: [{ type: "bar", x: ["a", "b"], y: [3, 5] }], layout: {} });
   */
  constructor(spec: FigureSpec) {
    if (!spec || !Array.isArray(spec.data)) throw new Error("plot.Figure: expected a figure spec { data: [...traces], layout: {...} }");
    Object.assign(this, spec);
    if (this.layout === undefined) this.layout = {};
  }

  /**
   * The MIME bundle a notebook shows for this figure, the one `gw.plot.figure` displays
   * (plotly JSON, HTML, SVG snapshot, a line of text). The HTML needs plotly.js on the page: in a
   * tslab kernel it is embedded in an output of its own first, as `gw.plot.figure` does; in
   * other kernels the first figure's HTML carries it.
   *
   * @example
   * Object.keys(fig[Symbol.for("Jupyter.display")]()); // [PLOTLY_MIME, "text/html", "image/svg+xml", "text/plain"]
   */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    const { bundle, html } = figureOutput(this);
    const loader = plotlyForValue(plotlyBuildFor(this));
    return loader ? { ...bundle, "text/html": loader + "\n" + html } : bundle;
  }
}
