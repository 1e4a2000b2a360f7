/**
 * The TypeScript compiler, an optional peer dependency of gradwork: the grader needs it to read task
 * tests and to type-check submissions. Kept in its own module, out of every public declaration, so
 * that a project using gradwork type-checks without typescript installed.
 *
 * @example
 * typescript()?.version; // "5.9.3", or undefined when typescript is not installed
 */
let ts: typeof import("typescript") | null | undefined;

/** The `typescript` package if it is installed, else null (looked up once). */
export function typescript(): typeof import("typescript") | null {
  if (ts === undefined) {
    try {
      ts = require("typescript") as typeof import("typescript");
    } catch {
      ts = null;
    }
  }
  return ts;
}
