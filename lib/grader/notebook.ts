/**
 * The two grading calls the library's main entry re-exports for notebook check cells
 * (`await gw.checkTask("1.1")`). They load the grader (sandbox, compiler, channel) only when called,
 * so `import * as gw from "gradwork"` stays cheap; the full API is `gradwork/grader`.
 *
 * @example
 * import * as gw from "gradwork";
 * await gw.checkTask("2.1"); // grades exercises/ on task 2.1 and shows the table
 */
import type { GradeReport } from "./runner";
import type { GradeTasksOptions } from "./index";

type GraderApi = typeof import("./index");

/**
 * Grade some tasks and return the structured report (see `gradwork/grader`).
 *
 * @example
 * const r = await gradeTasks({ tasks: "1.2" });
 */
export function gradeTasks(opts: GradeTasksOptions = {}): Promise<GradeReport> {
  return (require("./index") as GraderApi).gradeTasks(opts);
}

/**
 * Grade one task of exercises/ and show the result (an HTML table in a notebook, text elsewhere).
 *
 * @example
 * await checkTask("4.2");
 */
export function checkTask(id: string, opts: Omit<GradeTasksOptions, "tasks"> = {}): Promise<GradeReport> {
  return (require("./index") as GraderApi).checkTask(id, opts);
}
