// Where gradwork's own files are: the one place that finds the package root (the checkout, or the
// installed package), from the TypeScript sources (vitest, tsx) and from the compiled dist/ alike.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The package.json of `dir` when it is gradwork's, else null. */
function readOwnPackage(dir: string): { name: string; version: string } | null {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return null;
  try {
    const pj = JSON.parse(readFileSync(file, "utf8"));
    return pj.name === "gradwork" ? pj : null;
  } catch {
    return null; // not ours (or unreadable): keep climbing
  }
}

/**
 * The nearest folder at or above `from` holding a package.json named "gradwork", or undefined.
 *
 * @example
 * findPackageRoot("/home/me/gradwork/dist/tools"); // "/home/me/gradwork"
 */
export function findPackageRoot(from: string = __dirname): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (readOwnPackage(dir)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * gradwork's root folder: the checkout (or installed package) this file belongs to. Falls back
 * to the folder above lib/ or dist/ when no package.json says "gradwork" (a copied dist/).
 *
 * @example
 * join(packageRoot(), "dist", "index.js");
 */
export function packageRoot(): string {
  return findPackageRoot() ?? resolve(__dirname, "..");
}

/**
 * The compiled library's folder (dist/), or a file in it.
 *
 * @example
 * distPath("backend", "cpu", "worker.js"); // ".../gradwork/dist/backend/cpu/worker.js"
 */
export function distPath(...parts: string[]): string {
  return join(packageRoot(), "dist", ...parts);
}

/**
 * gradwork's version, from its package.json ("unknown" when there is none).
 *
 * @example
 * packageVersion(); // "0.1.0"
 */
export function packageVersion(): string {
  const root = findPackageRoot();
  return (root && readOwnPackage(root)?.version) || "unknown";
}
