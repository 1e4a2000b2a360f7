/**
 * `npm run notebooks [-- NAME... --timeout=SECONDS]`: executes every notebook (or those whose file
 * name contains one of the NAMEs) through the tslab kernel, exports them to HTML under
 * test/artifacts/, prints the time each took, and exits non-zero when any cell fails.
 *
 * GRADWORK_QUICK=1 asks the notebooks for short runs (notebook 5 trains for about a minute).
 * --cpu-load[=THREADS] keeps THREADS busy threads (default: the number of cores) running beside
 * them, as CI does once: timing-dependent failures (issue 19's silent deaths) show up under load.
 * Without Jupyter it skips with a message and exits 0, except under CI, where that is a failure.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startCpuLoad } from "./cpu-load";
import { INSTALL_HINT, ROOT, isCI } from "./jupyter";
import { ARTIFACTS, type NotebookResult, describeFailure, findNbconvertPython, listNotebooks, runNotebook } from "./notebook-runner";

/** Seconds per notebook: --timeout, GRADWORK_NOTEBOOK_TIMEOUT, or 600 (quick) / 3600 (full). */
export function notebookTimeout(args: string[]): number {
  const flag = args.find((a) => a.startsWith("--timeout="));
  const value = flag ? flag.slice("--timeout=".length) : process.env.GRADWORK_NOTEBOOK_TIMEOUT;
  if (value !== undefined) {
    const n = Number(value);
    if (!(n > 0)) throw new Error(`notebook timeout must be a positive number of seconds, got "${value}"`);
    return n;
  }
  return process.env.GRADWORK_QUICK === "1" ? 600 : 3600;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const python = findNbconvertPython();
  if (!python) {
    const msg = `Jupyter with nbconvert was not found, so the notebooks cannot be executed.\n${INSTALL_HINT}`;
    if (isCI()) {
      console.error(`gradwork notebooks: FAILED (CI is set): ${msg}`);
      return 1;
    }
    console.warn(`gradwork notebooks: SKIPPED: ${msg}`);
    return 0;
  }
  if (!fs.existsSync(path.join(ROOT, "dist", "index.js"))) {
    console.error("gradwork notebooks: dist/index.js is missing; run `npm run build` first (cells import the built library).");
    return 1;
  }
  const timeoutSec = notebookTimeout(args);
  const filters = args.filter((a) => !a.startsWith("--"));
  const notebooks = listNotebooks().filter((f) => filters.length === 0 || filters.some((n) => path.basename(f).includes(n)));
  if (notebooks.length === 0) {
    console.error(`gradwork notebooks: no notebook in notebooks/ matches ${filters.join(", ") || "*.ipynb"}`);
    return 1;
  }
  const mode = process.env.GRADWORK_QUICK === "1" ? "quick mode (GRADWORK_QUICK=1)" : "full mode";
  console.log(`gradwork notebooks: executing ${notebooks.length} notebook(s) with ${python}, ${mode}, timeout ${timeoutSec} s each`);

  const loadFlag = args.find((a) => a === "--cpu-load" || a.startsWith("--cpu-load="));
  const loadThreads = loadFlag?.includes("=") ? Number(loadFlag.split("=")[1]) : os.cpus().length;
  const load = loadFlag ? startCpuLoad(loadThreads) : null;
  if (load) console.log(`gradwork notebooks: ${loadThreads} busy thread(s) run beside the notebooks (--cpu-load)`);
  const results: NotebookResult[] = [];
  try {
    for (const file of notebooks) {
      const r = await runNotebook(file, { python, timeoutSec, outDir: ARTIFACTS });
      results.push(r);
      const ok = r.errors.length === 0 && !r.failure;
      const html = r.htmlSeconds !== undefined ? `, HTML ${r.htmlSeconds.toFixed(1)} s` : "";
      const slow = r.slowest.length ? ` (slowest ${r.slowest.join(", ")})` : "";
      console.log(`  ${ok ? "ok  " : "FAIL"} ${path.basename(file)}: ${r.seconds.toFixed(1)} s${html}${slow}`);
      if (!ok) console.log(describeFailure(r));
    }
  } finally {
    await load?.stop();
  }
  const failed = results.filter((r) => r.errors.length > 0 || r.failure);
  console.log(`gradwork notebooks: executed notebooks in ${path.relative(ROOT, path.join(ARTIFACTS, "notebooks"))}/, HTML in ${path.relative(ROOT, path.join(ARTIFACTS, "html"))}/`);
  if (failed.length) {
    console.error(`gradwork notebooks: ${failed.length} of ${results.length} notebook(s) failed: ${failed.map((r) => r.name).join(", ")}`);
    return 1;
  }
  console.log(`gradwork notebooks: all ${results.length} passed`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(`gradwork notebooks: ${(e as Error).stack ?? e}`);
      process.exitCode = 1;
    },
  );
}
