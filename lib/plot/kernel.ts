/**
 * The bridge to the tslab Jupyter kernel.
 *
 * The plot helpers display through tslab when they run inside its kernel, and otherwise return
 * their HTML so that plain Node and vitest can check it. We never `require("tslab")` ourselves:
 * that would load a whole TypeScript compiler and a native ZeroMQ binding in every script. Instead
 * we look for the tslab instance the kernel has already loaded (it is in `require.cache`).
 */
import * as path from "node:path";
import { plotlyScriptTag } from "./html";

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

/** The tslab module of the running kernel, or null outside a kernel. */
function findTslab(): TslabPublic | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!JUPYTER_JS.test(file) || mod === undefined) continue;
    const jupyter = mod.exports as TslabJupyter;
    // Set by tslab when it handles an execute request; null when tslab is merely loaded.
    if (jupyter.lastWriteDisplayData == null) continue;
    return require(path.join(path.dirname(file), "public.js")) as TslabPublic;
  }
  return null;
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

/**
 * Makes sure the page has plotly.js: the first call in a kernel session displays the bundle in its
 * own output (an empty-looking area); later calls do nothing unless `force` is set.
 * Returns true when it displayed the bundle.
 */
export function ensurePlotly(force = false): boolean {
  const display = kernelDisplay();
  if (display === null) return false;
  const g = globalThis as Record<symbol, unknown>;
  if (g[EMBEDDED] && !force) return false;
  display.html(plotlyScriptTag());
  g[EMBEDDED] = true;
  return true;
}
