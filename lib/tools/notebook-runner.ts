/**
 * Executes notebooks headlessly through the workbook's kernel (tslab inside, see lib/notebook/kernel/) with `jupyter nbconvert --execute`,
 * finds the cells that failed, and exports the executed notebooks to HTML.
 * Used by `npm run notebooks` (run-notebooks.ts) and by test/notebooks/browser.test.ts.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { KERNEL_NAME, writeKernelSpec } from "./install-kernel";
import { ROOT, findPython } from "./jupyter";

export const NOTEBOOK_DIR = path.join(ROOT, "notebooks");
export const ARTIFACTS = path.join(ROOT, "test", "artifacts");

/** Modules the runner needs in Jupyter's Python. */
const MODULES = ["jupyter_client", "nbclient", "nbconvert", "nbformat"];

/** The Python that can run nbconvert, or null when Jupyter is not installed. */
export function findNbconvertPython(): string | null {
  return findPython(MODULES);
}

/** The notebooks of the workbook, in order (notebooks/*.ipynb). */
export function listNotebooks(dir = NOTEBOOK_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * nbconvert config. tslab rejects every request that arrives within 200 ms after a failed cell, so
 * the hook waits before the next cell is sent, and marks the failed cell so we can report it
 * (tslab writes errors to stderr, not as an "error" output, so nothing else marks it).
 */
const CONFIG_PY = `# Written by lib/tools/notebook-runner.ts
import asyncio

c = get_config()  # noqa: F821


async def gradwork_on_cell_error(cell=None, cell_index=None, execute_reply=None, **kwargs):
    await asyncio.sleep(0.5)
    cell.metadata["gradwork_error"] = True


c.ExecutePreprocessor.on_cell_error = gradwork_on_cell_error
`;

export interface CellError {
  /** 1-based position of the cell in the notebook. */
  cell: number;
  source: string;
  /** What the cell printed to stderr (tslab's error message and stack). */
  output: string;
}

export interface NotebookResult {
  name: string;
  /** The executed notebook, when nbconvert wrote one. */
  executed?: string;
  html?: string;
  seconds: number;
  htmlSeconds?: number;
  errors: CellError[];
  /** Set when the run failed as a whole (timeout, dead kernel, nbconvert error). */
  failure?: string;
  /** The slowest cells, "cell N: S s". */
  slowest: string[];
}

interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Child pids of `pid` (Linux /proc; elsewhere, none). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  const parent = new Map<number, number>();
  for (const e of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parent.set(Number(e), ppid);
    } catch {
      // process ended
    }
  }
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, pp] of parent) if (pp === p) (out.push(child), queue.push(child));
  }
  return out;
}

function run(cmd: string, args: string[], opts: { cwd?: string; timeoutSec: number; env?: NodeJS.ProcessEnv }): Promise<Proc> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      // The kernel runs in its own session: find it before stopping nbconvert, then make sure.
      timedOut = true;
      const family = child.pid ? descendants(child.pid) : [];
      child.kill("SIGINT");
      setTimeout(() => {
        for (const p of [child.pid, ...family]) {
          try {
            if (p) process.kill(p, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }, 5000).unref();
    }, opts.timeoutSec * 1000);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr + String(e), timedOut });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

interface NbCell {
  cell_type: string;
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: Array<{ output_type: string; name?: string; text?: string | string[]; ename?: string; evalue?: string }>;
}

const joinText = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join("") : (t ?? ""));

/** Failed cells and slowest cells of an executed notebook. */
export function inspectExecuted(file: string): { errors: CellError[]; slowest: string[] } {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: NbCell[] };
  const errors: CellError[] = [];
  const times: Array<[number, number]> = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const outputs = cell.outputs ?? [];
    const errorOutput = outputs.find((o) => o.output_type === "error");
    if (cell.metadata?.gradwork_error || errorOutput) {
      const stderr = outputs.filter((o) => o.output_type === "stream" && o.name === "stderr").map((o) => joinText(o.text)).join("");
      const text = errorOutput ? `${errorOutput.ename}: ${errorOutput.evalue}\n${stderr}` : stderr;
      errors.push({ cell: i + 1, source: joinText(cell.source), output: text.trim() || "(no message)" });
    }
    const ex = cell.metadata?.execution as Record<string, string> | undefined;
    // tslab sends no execute_input, so time from "busy" to "idle"
    const start = ex?.["iopub.status.busy"] ?? ex?.["iopub.execute_input"];
    const end = ex?.["iopub.status.idle"] ?? ex?.["shell.execute_reply"];
    if (start && end) times.push([i + 1, (Date.parse(end) - Date.parse(start)) / 1000]);
  });
  const slowest = times
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([cell, s]) => `cell ${cell}: ${s.toFixed(1)} s`);
  return { errors, slowest };
}

export interface RunOptions {
  python: string;
  /** Folder for executed notebooks, HTML and the config (default test/artifacts). */
  outDir?: string;
  /** Seconds allowed for the whole notebook. */
  timeoutSec: number;
  /** Also export HTML (default true). */
  html?: boolean;
  /** Environment of nbconvert and the kernel (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Executes one notebook and exports it to HTML.
 * @example await runNotebook("notebooks/00-setup-check.ipynb", { python: "/usr/bin/python3", timeoutSec: 300 })
 */
export async function runNotebook(file: string, opts: RunOptions): Promise<NotebookResult> {
  const outDir = opts.outDir ?? ARTIFACTS;
  const nbDir = path.join(outDir, "notebooks");
  const htmlDir = path.join(outDir, "html");
  fs.mkdirSync(nbDir, { recursive: true });
  fs.mkdirSync(htmlDir, { recursive: true });
  const config = path.join(outDir, "nbconvert_config.py");
  fs.writeFileSync(config, CONFIG_PY);
  const name = path.basename(file, ".ipynb");
  const executed = path.join(nbDir, `${name}.ipynb`);
  fs.rmSync(executed, { force: true });
  // This checkout's kernel, from a private Jupyter data folder: the run uses it whatever the user
  // has registered, and registers nothing.
  const jupyterPath = path.join(outDir, "jupyter");
  writeKernelSpec(jupyterPath);
  const base = opts.env ?? process.env;
  const env = { ...base, JUPYTER_PATH: [jupyterPath, base.JUPYTER_PATH].filter(Boolean).join(path.delimiter), PYDEVD_DISABLE_FILE_VALIDATION: "1" };

  const t0 = Date.now();
  const exec = await run(
    opts.python,
    [
      "-m", "nbconvert", `--config=${config}`, "--to", "notebook", "--execute", "--allow-errors",
      `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`, `--ExecutePreprocessor.timeout=${opts.timeoutSec}`,
      // nbclient waits 60 s for a new kernel by default: on 2 busy cores (the test suite's other
      // workers) the kernel's start-up can take longer, and the run failed with "Kernel didn't respond"
      `--ExecutePreprocessor.startup_timeout=${Math.max(60, Math.min(240, opts.timeoutSec))}`,
      "--output-dir", nbDir, file,
    ],
    { cwd: path.dirname(file), timeoutSec: opts.timeoutSec, env },
  );
  const seconds = (Date.now() - t0) / 1000;
  const result: NotebookResult = { name, seconds, errors: [], slowest: [] };
  if (fs.existsSync(executed)) {
    result.executed = executed;
    Object.assign(result, inspectExecuted(executed));
  }
  if (exec.timedOut) {
    result.failure = `timed out after ${opts.timeoutSec} s (raise it with --timeout=SECONDS or GRADWORK_NOTEBOOK_TIMEOUT)`;
  } else if (exec.code !== 0 || !result.executed) {
    const tail = exec.stderr.trim().split("\n").slice(-25).join("\n");
    result.failure = `nbconvert exited with code ${exec.code}:\n${tail}`;
  }
  if (result.executed && opts.html !== false) {
    const t1 = Date.now();
    const html = await run(opts.python, ["-m", "nbconvert", "--to", "html", "--output-dir", htmlDir, executed], {
      timeoutSec: 300,
      env,
    });
    result.htmlSeconds = (Date.now() - t1) / 1000;
    const out = path.join(htmlDir, `${name}.html`);
    if (html.code === 0 && fs.existsSync(out)) result.html = out;
    else result.failure ??= `HTML export failed (code ${html.code}):\n${html.stderr.trim().split("\n").slice(-15).join("\n")}`;
  }
  return result;
}

/** A readable account of what went wrong in a notebook, or "" when nothing did. */
export function describeFailure(r: NotebookResult): string {
  const parts: string[] = [];
  for (const e of r.errors) {
    const source = e.source.split("\n").slice(0, 8).map((l) => `    | ${l}`).join("\n");
    const output = e.output.split("\n").slice(0, 30).map((l) => `    ${l}`).join("\n");
    parts.push(`  ${r.name}: cell ${e.cell} failed\n${source}\n  error:\n${output}`);
  }
  if (r.failure) parts.push(`  ${r.name}: ${r.failure}`);
  return parts.join("\n\n");
}
