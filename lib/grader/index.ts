/**
 * Programmatic grading API (for notebook check cells and scripts). Every call spawns a fresh sandboxed
 * process, so edited exercise files are always graded as they are on disk now.
 *
 * @example
 * import { gradeTasks, checkTask } from "gradwork/grader";
 * const r = await gradeTasks({ target: "exercises", tasks: ["4.2"] });
 * console.log(r.score, r.maxScore);
 * await checkTask("2.1"); // grades and shows a pass/fail table in the notebook
 */
import * as path from "node:path";
import { grade, type GradeReport } from "./runner";
import { formatTable, toHtml } from "./report";
import { packageRoot } from "../paths";

export { grade, summarize } from "./runner";
export type { GradeOptions, GradeReport, TestResult, TaskSummary } from "./runner";
export { formatTable, toGradescope, toHtml, toCsv } from "./report";
export { writeSubmission, extractSubmission, extractFolder } from "./submission";
export { writeAutograderZip } from "./autograder";
export { gradeBatch, availableCpus } from "./batch";
export { isolation, type IsolationLevel } from "./isolation";
export { NotImplementedError, CheckFailure } from "./errors";

/** Options of `gradeTasks`. */
export interface GradeTasksOptions {
  /** "exercises" (default), "solutions" or a folder path. */
  target?: string;
  /** Task ids like "4.2" or chapters like "4"; default all. */
  tasks?: string[] | string;
  /** Extra (hidden) test folders. */
  tests?: string[];
  /** Wall-clock limit per task in seconds (default 30). */
  timeout?: number;
}

/**
 * Grade some tasks and return the structured report.
 *
 * @example
 * const r = await gradeTasks({ tasks: "1.2" });
 * r.tests.map((t) => `${t.name}: ${t.status}`);
 */
export function gradeTasks(opts: GradeTasksOptions = {}): Promise<GradeReport> {
  const root = packageRoot();
  const t = opts.target ?? "exercises";
  const target = t === "exercises" || t === "solutions" ? path.join(root, t) : path.resolve(t);
  const tasks = typeof opts.tasks === "string" ? [opts.tasks] : opts.tasks;
  return grade({ target, tasks, tests: opts.tests, taskTimeout: opts.timeout });
}

/**
 * Grade one task of exercises/ and show the result: an HTML table in a tslab notebook, text elsewhere.
 *
 * @example
 * await checkTask("4.2");
 */
export async function checkTask(id: string, opts: Omit<GradeTasksOptions, "tasks"> = {}): Promise<GradeReport> {
  const r = await gradeTasks({ ...opts, tasks: [id] });
  let shown = false;
  // A Jupyter kernel (tslab) is started with JPY_PARENT_PID set; elsewhere print the text table.
  if (process.env.JPY_PARENT_PID !== undefined) {
    try {
      (require("tslab") as { display: { html(s: string): void } }).display.html(toHtml(r));
      shown = true;
    } catch {
      /* tslab not available: fall back to text */
    }
  }
  if (!shown) console.log(formatTable(r));
  // a notebook prints a cell's last value: keep it to one line instead of the whole report
  Object.defineProperty(r, Symbol.for("nodejs.util.inspect.custom"), {
    value: () => `GradeReport { task ${id}: ${r.score}/${r.maxScore} points }`,
    enumerable: false,
  });
  return r;
}
