/**
 * Finding Jupyter from Node: the Python interpreter that has it, and how to run its commands.
 *
 * The `python3` first on PATH is often not the one Jupyter runs on (pyenv, conda, a venv), so we
 * try several interpreters and keep the first that can import the modules we need.
 */
import { packageRoot } from "../paths";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The project root (this file is lib/tools/*.ts or dist/tools/*.js). */
export const ROOT = packageRoot();

/** True when running under CI (`CI` set to anything but "", "0" or "false"). */
export function isCI(): boolean {
  const ci = (process.env.CI ?? "").toLowerCase();
  return ci !== "" && ci !== "0" && ci !== "false";
}

/** Full path of an executable on PATH, or null. */
export function which(command: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** The interpreter named by the `#!` line of the `jupyter` command on PATH, if any. */
function jupyterShebangPython(): string | null {
  const jupyter = which("jupyter");
  if (!jupyter) return null;
  try {
    const first = fs.readFileSync(jupyter, "utf8").slice(0, 300).split("\n")[0];
    if (!first.startsWith("#!")) return null;
    const parts = first.slice(2).trim().split(/\s+/);
    // "#!/usr/bin/env python3" names the interpreter in its second word
    return path.basename(parts[0]) === "env" ? (parts.find((p, i) => i > 0 && !p.startsWith("-")) ?? null) : parts[0];
  } catch {
    return null;
  }
}

/**
 * Interpreters to try, most likely first: Jupyter's own, Debian's, then the usual names.
 * `GRADWORK_PYTHON=/path/to/python` replaces the list with that one interpreter.
 */
export function pythonCandidates(): string[] {
  if (process.env.GRADWORK_PYTHON) return [process.env.GRADWORK_PYTHON];
  const list = [jupyterShebangPython(), "/usr/bin/python3", "python3", "python"];
  return [...new Set(list.filter((p): p is string => !!p))];
}

/** True when `python` runs and can import every module in `modules`. */
export function canImport(python: string, modules: string[]): boolean {
  const r = spawnSync(python, ["-c", `import ${modules.join(", ")}`], { stdio: "ignore", timeout: 30_000 });
  return r.status === 0;
}

/** The first candidate interpreter that can import `modules`, or null. */
export function findPython(modules: string[]): string | null {
  return pythonCandidates().find((p) => canImport(p, modules)) ?? null;
}

/** How to install Jupyter, for messages. */
export const INSTALL_HINT = [
  "Install Jupyter, then run `npm run kernel:install` (`npm start` does that for you):",
  "  Debian/Ubuntu: sudo apt-get install jupyter-notebook jupyter-nbconvert jupyter-client jupyter-nbformat",
  "  with pip:      python3 -m pip install --user jupyterlab",
  "  with conda:    conda install -c conda-forge jupyterlab",
].join("\n");
