/**
 * One display output carrying several MIME types (a "bundle"), as plotly.py's default renderer
 * sends: the front end shows the richest one it can and may trust, every other viewer falls back.
 *
 * tslab's public `display` sends one MIME type per output, so this talks to the function tslab
 * itself uses (`lastWriteDisplayData` of its jupyter module, set while a cell runs), found in
 * `require.cache` like lib/plot/kernel.ts finds the kernel (tslab is never loaded from here).
 */
import type { FigureSpec } from "./html";

/** MIME type -> content, e.g. { "text/html": "...", "image/svg+xml": "<svg ...>" }. */
export type MimeBundle = Record<string, unknown>;

type WriteDisplayData = (msg: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

const JUPYTER_JS = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

function activeWriter(): WriteDisplayData | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!JUPYTER_JS.test(file) || mod === undefined) continue;
    const w = (mod.exports as { lastWriteDisplayData?: WriteDisplayData | null }).lastWriteDisplayData;
    if (typeof w === "function") return w;
  }
  return null;
}

/**
 * Sends `data` as one display output of the running tslab cell. Returns false (and sends nothing)
 * outside a kernel.
 *
 * @example
 * displayBundle({ "text/plain": "hello", "text/html": "<b>hello</b>" });
 */
export function displayBundle(data: MimeBundle, metadata: Record<string, unknown> = {}): boolean {
  const write = activeWriter();
  if (write === null) return false;
  write({ data, metadata, transient: {} }, false);
  return true;
}

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
