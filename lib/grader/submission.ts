/**
 * Submission archives: what `npm run submit` writes and what the grader unpacks.
 *
 * A submission.zip holds `exercises/*.ts` and the course notebooks `notebooks/NN-*.ipynb` the student
 * has run (with their outputs). Only the exercise modules are graded.
 *
 * @example
 * const zip = writeSubmission(packageRoot(), "submission.zip");
 * const dir = extractSubmission(zip); // a temp folder with 01-chain-rule.ts, ...
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as Fflate from "fflate";
import { tempDir } from "./sandbox";

/** fflate, loaded on first use (the library re-exports the grader; loading it must stay cheap). */
function fflate(): typeof Fflate {
  return require("fflate") as typeof Fflate;
}

const MAX_ENTRY = 2_000_000;
const MAX_TOTAL = 50_000_000;

/** The course's notebooks: "NN-name.ipynb" (copies such as "01-chain-rule-Copy1.ipynb" are strays). */
export const COURSE_NOTEBOOK = /^\d\d-[a-z0-9-]+\.ipynb$/;

/** Whether a notebook file has been run: at least one code cell with an execution count. */
function executed(file: string): boolean {
  try {
    const nb = JSON.parse(fs.readFileSync(file, "utf8"));
    return (nb.cells ?? []).some((c: { cell_type?: string; execution_count?: number | null }) => c.cell_type === "code" && typeof c.execution_count === "number");
  } catch {
    return false;
  }
}

/**
 * Zip the exercise modules and the executed course notebooks of `root` into `outFile`; returns the
 * files added. Stray notebooks (copies, checkpoints, other names) and notebooks never run are left out,
 * each with a warning (`warn`, default console.warn).
 *
 * @example
 * writeSubmission("/home/me/gradwork", "submission.zip");
 */
export function writeSubmission(root: string, outFile: string, warn: (msg: string) => void = console.warn): string[] {
  const entries: Record<string, Uint8Array> = {};
  const ex = path.join(root, "exercises");
  if (!fs.existsSync(ex)) throw new Error(`no exercises/ folder in ${root}`);
  for (const n of fs.readdirSync(ex).sort()) if (/\.ts$/.test(n) && !n.endsWith(".d.ts")) entries[`exercises/${n}`] = fs.readFileSync(path.join(ex, n));
  const nb = path.join(root, "notebooks");
  if (fs.existsSync(nb)) {
    for (const n of fs.readdirSync(nb).sort()) {
      if (!n.endsWith(".ipynb")) continue;
      if (!COURSE_NOTEBOOK.test(n)) warn(`skipping notebooks/${n}: not one of the course notebooks (NN-name.ipynb)`);
      else if (!executed(path.join(nb, n))) warn(`skipping notebooks/${n}: it has not been run (no executed cell); run it and save to include it`);
      else entries[`notebooks/${n}`] = fs.readFileSync(path.join(nb, n));
    }
  }
  if (Object.keys(entries).length === 0) throw new Error(`no exercise files found in ${ex}`);
  fs.writeFileSync(outFile, fflate().zipSync(entries, { level: 6 }));
  return Object.keys(entries);
}

/**
 * Copy the exercise modules of a submission folder (any layout: loose files or an exercises/ folder,
 * possibly nested one level) into a fresh temp folder; returns that folder.
 *
 * @example
 * extractFolder("/autograder/submission");
 */
export function extractFolder(dir: string): string {
  const out = tempDir("gradwork-submission-");
  const found = new Map<string, string>();
  const walk = (d: string, depth: number) => {
    for (const n of fs.readdirSync(d).sort()) {
      const full = path.join(d, n);
      const st = fs.lstatSync(full);
      if (st.isDirectory() && depth < 3 && n !== "node_modules" && !n.startsWith(".")) walk(full, depth + 1);
      else if (st.isFile() && /^[\w.-]+\.ts$/.test(n) && !n.endsWith(".d.ts") && st.size <= MAX_ENTRY) {
        // Prefer files inside an exercises/ folder over loose copies of the same name.
        if (!found.has(n) || path.basename(d) === "exercises") found.set(n, full);
      }
    }
  };
  walk(dir, 0);
  for (const [n, full] of found) fs.copyFileSync(full, path.join(out, n));
  return out;
}

/**
 * Unpack the exercise modules of `zipFile` into a fresh temp folder (file names only, so an entry
 * like "../../x.ts" cannot escape; oversized entries are skipped); returns that folder.
 *
 * @example
 * extractSubmission("alice.zip");
 */
export function extractSubmission(zipFile: string): string {
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = fflate().unzipSync(new Uint8Array(fs.readFileSync(zipFile)), {
      filter: (f) => {
        const keep = /\.ts$/.test(f.name) && !f.name.endsWith(".d.ts") && f.originalSize <= MAX_ENTRY && total + f.originalSize <= MAX_TOTAL;
        if (keep) total += f.originalSize;
        return keep;
      },
    });
  } catch (e) {
    throw new Error(`${zipFile} is not a readable zip archive: ${(e as Error).message}`);
  }
  const out = tempDir("gradwork-submission-");
  const names = Object.keys(files).sort((a, b) => Number(a.includes("exercises/")) - Number(b.includes("exercises/")));
  for (const name of names) {
    const base = path.posix.basename(name.replace(/\\/g, "/"));
    if (!/^[\w.-]+\.ts$/.test(base) || files[name].length > MAX_ENTRY) continue;
    fs.writeFileSync(path.join(out, base), files[name]);
  }
  return out;
}
