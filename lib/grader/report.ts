/**
 * Presenting a grading report: a console table, Gradescope's results.json, an HTML table for notebook
 * cells and CSV rows for batch grading.
 *
 * @example
 * console.log(formatTable(report));
 * fs.writeFileSync("results.json", JSON.stringify(toGradescope(report), null, 2));
 */
import { escapeHtml as esc } from "../common";
import type { GradeReport, TestResult } from "./runner";

const MARK: Record<TestResult["status"], string> = {
  passed: "PASS",
  failed: "FAIL",
  "not-implemented": "TODO",
  error: "ERROR",
  timeout: "TIMEOUT",
  crashed: "CRASH",
  memory: "MEMORY",
  missing: "MISSING",
  "grader-error": "GRADER",
};

function pts(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

/**
 * A plain-text table: one block per task, one line per test, then the total. Columns are left-aligned;
 * a message the previous test of the same task already showed is not repeated.
 *
 * @example
 * console.log(formatTable(await grade({ target: "solutions", tasks: ["1.1"] })));
 */
export function formatTable(r: GradeReport): string {
  const lines: string[] = [];
  for (const task of r.tasks) {
    lines.push(`Task ${task.id}: ${pts(task.score)} / ${pts(task.maxScore)} points, ${task.passed} of ${task.total} tests passed`);
    let last = "";
    for (const t of r.tests.filter((x) => x.id === task.id)) {
      lines.push(`  ${MARK[t.status].padEnd(8)}${`${pts(t.score)}/${pts(t.points)}`.padEnd(7)}${t.name}`);
      if (t.status === "passed") continue;
      if (t.output === last) lines.push("          (same message as above)");
      else for (const l of t.output.split("\n").slice(0, 6)) lines.push(`          ${l}`);
      last = t.output;
    }
  }
  const pct = r.maxScore > 0 ? ((100 * r.score) / r.maxScore).toFixed(1) : "0.0";
  lines.push(...compileLines(r));
  lines.push(isolationLine(r));
  lines.push(`Total: ${pts(r.score)} / ${pts(r.maxScore)} (${pct} %) in ${(r.executionMs / 1000).toFixed(1)} s`);
  return lines.join("\n");
}

/** "Isolation: bubblewrap (…)" — how the submission was kept from the grader. */
export function isolationLine(r: GradeReport): string {
  return `Isolation: ${r.isolation.level} (${r.isolation.detail})`;
}

function compileLines(r: GradeReport): string[] {
  const out: string[] = [];
  for (const [file, errors] of Object.entries(r.compileErrors)) out.push(`${file} does not compile:`, ...errors.map((e) => `  ${e}`));
  if (!r.typeChecked && r.files.length)
    out.push(r.typeCheckDisabled ? "(type-checking turned off: files were only parsed)" : "(type-checking skipped: the typescript package is not installed; files were only parsed)");
  return out;
}

/** Gradescope's results.json fields (the total's maximum is the sum of the tests', so none at the top). */
export interface GradescopeResults {
  score: number;
  execution_time: number;
  output: string;
  output_format: "text";
  stdout_visibility: "hidden" | "visible";
  tests: { name: string; number: string; score: number; max_score: number; output: string; visibility: string; status: "passed" | "failed"; tags: string[] }[];
  /** Task 5.4's test accuracy, when graded. */
  leaderboard?: { name: string; value: number; order?: "asc" | "desc" }[];
  /** Not shown to students by Gradescope: how the submission was isolated, compile errors. */
  extra_data: { isolation: { level: string; detail: string }; compile_errors: Record<string, string[]>; type_checked: boolean };
}

/** Leaderboard entries read from passed tests' notes, e.g. "test accuracy 41.2 % on …" of task 5.4. */
const LEADERBOARD: { task: string; name: string; pattern: RegExp }[] = [{ task: "5.4", name: "CIFAR-10 test accuracy (%)", pattern: /test accuracy (\d+(?:\.\d+)?) %/ }];

/**
 * The report in Gradescope's results.json format (execution_time in seconds). Tests are numbered
 * task.test ("1.1.1", "1.1.2", …) and tagged with their task and chapter.
 *
 * @example
 * JSON.stringify(toGradescope(report));
 */
export function toGradescope(r: GradeReport): GradescopeResults {
  const header = [`Graded ${r.tests.length} tests of ${r.tasks.length} tasks; files found: ${r.files.join(", ") || "none"}.`, isolationLine(r)];
  const compile = compileLines(r);
  if (compile.length) header.push("", ...compile);
  if (r.studentOutput.trim()) header.push("", "What your code printed (not used for scoring):", r.studentOutput.slice(0, 5000));
  const counter = new Map<string, number>();
  const leaderboard: { name: string; value: number; order: "desc" }[] = [];
  for (const lb of LEADERBOARD) {
    const t = r.tests.find((x) => x.id === lb.task);
    if (!t) continue;
    const m = lb.pattern.exec(t.output);
    leaderboard.push({ name: lb.name, value: m ? Number(m[1]) : 0, order: "desc" });
  }
  return {
    score: r.score,
    execution_time: Math.round(r.executionMs / 100) / 10,
    output: header.join("\n"),
    output_format: "text",
    stdout_visibility: "hidden",
    tests: r.tests.map((t) => {
      const n = (counter.get(t.id) ?? 0) + 1;
      counter.set(t.id, n);
      return {
        name: `${t.id} ${t.name}`,
        number: `${t.id}.${n}`,
        score: t.score,
        max_score: t.points,
        output: t.output,
        visibility: t.visibility,
        status: t.status === "passed" ? "passed" : "failed",
        tags: [`task ${t.id}`, `chapter ${t.id.split(".")[0]}`, t.module],
      };
    }),
    ...(leaderboard.length ? { leaderboard } : {}),
    extra_data: { isolation: r.isolation, compile_errors: r.compileErrors, type_checked: r.typeChecked },
  };
}


/**
 * An HTML table for a notebook cell (`tslab.display.html(toHtml(report))`).
 *
 * @example
 * tslab.display.html(toHtml(report));
 */
export function toHtml(r: GradeReport): string {
  const rows = r.tests
    .map((t) => {
      const ok = t.status === "passed";
      const color = ok ? "#1a7f37" : t.status === "not-implemented" ? "#9a6700" : "#cf222e";
      const cell = 'style="text-align:left;vertical-align:top"';
      return `<tr><td ${cell}>${esc(t.id)}</td><td ${cell}>${esc(t.name)}</td><td ${cell}><b style="color:${color}">${MARK[t.status]}</b></td><td style="text-align:left;vertical-align:top;white-space:nowrap">${pts(t.score)} / ${pts(t.points)}</td><td ${cell}><pre style="margin:0;white-space:pre-wrap;word-break:normal;overflow-wrap:normal;text-align:left">${ok ? "" : esc(t.output)}</pre></td></tr>`;
    })
    .join("");
  return `<table style="text-align:left"><thead><tr><th style="text-align:left">task</th><th style="text-align:left">test</th><th style="text-align:left"></th><th style="text-align:left">points</th><th style="text-align:left">message</th></tr></thead><tbody>${rows}</tbody><tfoot><tr><td colspan="3"><b>total</b></td><td><b>${pts(r.score)} / ${pts(r.maxScore)}</b></td><td></td></tr></tfoot></table>`;
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * CSV for batch grading: one row per submission, one column per task plus total and max.
 *
 * @example
 * toCsv([{ name: "alice.zip", report }]);
 */
export function toCsv(rows: { name: string; report: GradeReport | null; error?: string }[]): string {
  const taskIds = [...new Set(rows.flatMap((r) => r.report?.tasks.map((t) => t.id) ?? []))].sort((a, b) => {
    const [a1, a2] = a.split(".").map(Number);
    const [b1, b2] = b.split(".").map(Number);
    return a1 - b1 || a2 - b2;
  });
  const head = ["submission", "score", "max_score", ...taskIds.map((id) => `task ${id}`), "error"];
  const lines = [head.join(",")];
  for (const { name, report, error } of rows) {
    const per = new Map(report?.tasks.map((t) => [t.id, t.score]) ?? []);
    lines.push([csvCell(name), report ? pts(report.score) : "0", report ? pts(report.maxScore) : "", ...taskIds.map((id) => pts(per.get(id) ?? 0)), csvCell(error ?? "")].join(","));
  }
  return lines.join("\n") + "\n";
}
