/**
 * What the kernel sends for a cell's value and for a cell's error, in Jupyter's terms
 * (tslab itself prints the value to stdout and the error to stderr).
 */
import { format, inspect } from "node:util";

/** The display protocol of Deno's kernel, which gradwork's Tensor and Module implement. */
export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/** A MIME bundle for a value: its own `[Symbol.for("Jupyter.display")]()` plus `text/plain`. */
export function mimeBundle(value: unknown): Record<string, unknown> {
  const text = typeof value === "string" ? value : inspect(value);
  const own = (value as Record<symbol, unknown> | null | undefined)?.[JUPYTER_DISPLAY];
  if (typeof own === "function") {
    try {
      const bundle = own.call(value) as Record<string, unknown> | null;
      if (bundle && typeof bundle === "object") return { "text/plain": text, ...bundle };
    } catch (e) {
      return { "text/plain": `${text}\n(rich display failed: ${(e as Error).message})` };
    }
  }
  return { "text/plain": text };
}

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

/**
 * An error reply's fields from what tslab passed to console.error: a thrown value, or a
 * format string with compile diagnostics.
 */
export function errorContent(args: unknown[]): ErrorContent {
  const [first] = args;
  if (first instanceof Error || (first && typeof first === "object" && "message" in first && "name" in first)) {
    const e = first as Error;
    return { ename: String(e.name || "Error"), evalue: String(e.message), traceback: (e.stack ?? `${e.name}: ${e.message}`).split("\n") };
  }
  if (typeof first === "string" && args.length > 1) {
    const text = format(...args);
    return { ename: "TypeScriptError", evalue: text, traceback: text.split("\n") };
  }
  const text = typeof first === "string" ? first : inspect(first);
  return { ename: "Error", evalue: text, traceback: text.split("\n") };
}

/** Merges the errors of one cell (several compile diagnostics) into one. */
export function mergeErrors(errors: ErrorContent[]): ErrorContent | undefined {
  if (errors.length <= 1) return errors[0];
  return {
    ename: errors[0].ename,
    evalue: errors.map((e) => e.evalue).join("\n"),
    traceback: errors.flatMap((e) => e.traceback),
  };
}
