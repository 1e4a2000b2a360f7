/**
 * The bridge to the tslab Jupyter kernel.
 *
 * The plot helpers display through tslab when they run inside its kernel, and otherwise return
 * their HTML so that plain Node and vitest can check it. We never `require("tslab")` ourselves:
 * that would load a whole TypeScript compiler and a native ZeroMQ binding in every script. Instead
 * we look for the tslab instance the kernel has already loaded (it is in `require.cache`).
 */
import * as path from "node:path";
import { type PlotlyBuild, plotlyLoaderHtml } from "../plot/loader";
import { InterruptedError, checkInterrupt } from "./interrupt";

export { InterruptedError };

/** One output area of the notebook (the subset of tslab's `Display` we use). */
export interface KernelDisplay {
  html(s: string): void;
  svg(s: string): void;
  text(s: string): void;
}

interface TslabPublic {
  display: KernelDisplay;
  newDisplay(): KernelDisplay;
}

interface TslabJupyter {
  lastWriteDisplayData: unknown;
}

const JUPYTER_JS = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/** tslab's jupyter module (with its file name) in a running kernel, or null. */
function findJupyter(): { file: string; jupyter: TslabJupyter } | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!JUPYTER_JS.test(file) || mod === undefined) continue;
    const jupyter = mod.exports as TslabJupyter;
    // Set by tslab when it handles an execute request; null when tslab is merely loaded.
    if (jupyter.lastWriteDisplayData == null) continue;
    return { file, jupyter };
  }
  return null;
}

/** MIME type -> content, e.g. { "text/html": "...", "image/svg+xml": "<svg ...>" }. */
export type MimeBundle = Record<string, unknown>;

type WriteDisplayData = (msg: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

/**
 * Sends `data` as one display output of the running cell, several MIME types at once (tslab's
 * public `display` sends one type per output, so this calls the writer tslab itself uses).
 * Returns false, and sends nothing, outside a kernel.
 *
 * @example
 * displayBundle({ "text/plain": "hello", "text/html": "<b>hello</b>" });
 */
export function displayBundle(data: MimeBundle, metadata: Record<string, unknown> = {}): boolean {
  const found = findJupyter();
  if (!found || typeof found.jupyter.lastWriteDisplayData !== "function") return false;
  listenForInterrupts();
  (found.jupyter.lastWriteDisplayData as WriteDisplayData)({ data, metadata, transient: {} }, false);
  return true;
}

/** The tslab module of the running kernel, or null outside a kernel. */
function findTslab(): TslabPublic | null {
  const found = findJupyter();
  if (!found) return null;
  listenForInterrupts();
  return require(path.join(path.dirname(found.file), "public.js")) as TslabPublic;
}

// tslab gives every cell execution its own output writer, so the writer identifies a cell run.
let listening = false;
let interruptedRun: unknown;
let lastYieldRun: unknown;

/** True inside the workbook's own kernel (`gradwork`), which sets the shared interrupt flag itself. */
export function inGradworkKernel(): boolean {
  return (globalThis as Record<symbol, unknown>)[Symbol.for("gradwork.kernel")] === true;
}

// Only for a plain tslab kernel: the gradwork kernel reports Stop through the shared flag.
function listenForInterrupts(): void {
  if (listening || inGradworkKernel()) return;
  listening = true;
  // tslab's own handler ends the cell; an awaited loop would go on in the background unless it
  // notices, so remember which cell run was current when the interrupt came. Registered after the
  // current cell's synchronous part: cells run with vm's breakOnSigint, and a SIGINT listener
  // added during that run stops interrupts from reaching tslab (the kernel then cannot be stopped).
  setImmediate(() => {
    process.on("SIGINT", () => {
      interruptedRun = findJupyter()?.jupyter.lastWriteDisplayData;
    });
  });
}

/**
 * Lets the notebook breathe inside a long loop: yields to the event loop (so outputs and live
 * plots reach the page) and throws `InterruptedError` when the stop button was pressed while the
 * loop ran. Without it, Jupyter's stop button ends an async cell but its loop keeps running in the
 * background. Outside a kernel it only yields.
 * @example
 * for (let step = 0; step < 1000; step++) { trainStep(); await gw.plot.yieldToKernel(); }
 */
export async function yieldToKernel(): Promise<void> {
  checkInterrupted();
  await new Promise<void>((resolve) => setImmediate(resolve));
  checkInterrupted();
}

/** Throws InterruptedError if the cell run that last yielded was interrupted. */
export function checkInterrupted(): void {
  checkInterrupt();
  if (inGradworkKernel()) return;
  const found = findJupyter();
  if (!found) return;
  listenForInterrupts();
  const hit = interruptedRun !== undefined && interruptedRun === lastYieldRun;
  lastYieldRun = found.jupyter.lastWriteDisplayData;
  if (hit) {
    interruptedRun = undefined;
    lastYieldRun = undefined;
    throw new InterruptedError();
  }
}

/**
 * True when this code runs inside a tslab kernel that is executing a cell.
 *
 * @example
 * if (!gw.plot.inKernel()) console.log("not in Jupyter: helpers return HTML strings");
 */
export function inKernel(): boolean {
  return findTslab() !== null;
}

/** tslab's shared display (each call adds a new output), or null outside a kernel. */
export function kernelDisplay(): KernelDisplay | null {
  return findTslab()?.display ?? null;
}

/** A display whose later calls replace the same output (tslab `newDisplay`), or null outside a kernel. */
export function newKernelDisplay(): KernelDisplay | null {
  return findTslab()?.newDisplay() ?? null;
}

const EMBEDDED = Symbol.for("gradwork.plot.plotlyEmbedded");

/** The plotly.js builds embedded in this session's page so far (the full one covers both). */
function embedded(): Set<PlotlyBuild> {
  const g = globalThis as Record<symbol, unknown>;
  if (!(g[EMBEDDED] instanceof Set)) g[EMBEDDED] = new Set<PlotlyBuild>();
  return g[EMBEDDED] as Set<PlotlyBuild>;
}

/** True when the page already has `build` (or the full build, which covers the cartesian one). */
function hasPlotly(build: PlotlyBuild): boolean {
  const have = embedded();
  return have.has("full") || have.has(build);
}

/**
 * Makes sure the page has plotly.js (the cartesian build, or the full one for figures that need
 * it): the first call in a kernel session displays the compressed build in its own output (an
 * empty-looking area); later calls do nothing unless `force` is set.
 * Returns true when it displayed a build.
 *
 * @example
 * ensurePlotly(); // before displaying a figure's HTML
 */
export function ensurePlotly(force = false, build: PlotlyBuild = "cartesian"): boolean {
  const display = kernelDisplay();
  if (display === null) return false;
  if (hasPlotly(build) && !force) return false;
  display.html(plotlyLoaderHtml(build));
  embedded().add(build);
  return true;
}

/**
 * For a figure shown as a cell's value: in a tslab kernel, `ensurePlotly` (its own output) and
 * "" back; in any other kernel (Deno's display protocol) the loader HTML the first time, to
 * put before the figure's HTML, and "" once the page has the build.
 *
 * @example
 * const html = plotlyForValue("cartesian") + figureHtml(spec);
 */
export function plotlyForValue(build: PlotlyBuild): string {
  if (kernelDisplay() !== null) {
    ensurePlotly(false, build);
    return "";
  }
  if (hasPlotly(build)) return "";
  embedded().add(build);
  return plotlyLoaderHtml(build);
}

/** The builds embedded so far, for `gw.plot.init()` (which embeds them again). */
export function embeddedPlotlyBuilds(): PlotlyBuild[] {
  return [...embedded()];
}
