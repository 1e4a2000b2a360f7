/**
 * One display output carrying several MIME types (a "bundle"), as plotly.py's default renderer
 * sends: the front end shows the richest one it can and may trust, every other viewer falls back.
 *
 * The bundle is sent by `displayBundle` of the notebook bridge (lib/notebook/bridge.ts).
 */
import type { FigureSpec } from "./html";
import type { MimeBundle } from "../notebook/bridge";

export { displayBundle, type MimeBundle } from "../notebook/bridge";

/** The MIME type plotly's JupyterLab extension and VS Code draw natively. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/**
 * The bundle of a figure: plotly JSON, the HTML (which draws with plotly.js when it runs and
 * shows the snapshot when it does not), the static SVG snapshot and a line of text.
 *
 * @example
 * const b = figureBundle(spec, html, svg); Object.keys(b); // [PLOTLY_MIME, "text/html", "image/svg+xml", "text/plain"]
 */
export function figureBundle(spec: FigureSpec, html: string, svg: string): MimeBundle {
  const t = spec.layout?.title;
  const title = typeof t === "string" ? t : typeof (t as { text?: unknown } | undefined)?.text === "string" ? (t as { text: string }).text : "";
  return {
    [PLOTLY_MIME]: { data: spec.data, layout: spec.layout, config: spec.config ?? {} },
    "text/html": html,
    "image/svg+xml": svg,
    "text/plain": `<Figure${title ? `: ${title}` : ""} (${spec.data.length} trace${spec.data.length === 1 ? "" : "s"})>`,
  };
}
