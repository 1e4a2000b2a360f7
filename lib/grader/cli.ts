#!/usr/bin/env node
/**
 * Command line of the autograder (`npm run grade -- …`, or `gradwork-grade …` when installed).
 *
 *   npm run grade                                  grade exercises/ (table + results.json)
 *   npm run grade -- --solutions                   grade the reference solutions
 *   npm run grade -- --target <dir> --task=4.2     one task of another folder
 *   npm run grade -- --tests <dir>                 add an instructor's (hidden) test folder
 *   npm run grade -- --submission submission.zip   grade one submission archive
 *   npm run grade -- --batch <dir of zips> --csv scores.csv --jobs 2
 *   npm run submit                                 write submission.zip
 *   npm run autograder:zip [-- --tests <dir>]      write autograder.zip for Gradescope
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { grade, listTests, type GradeOptions, type GradeReport } from "./runner";
import { formatTable, toGradescope } from "./report";
import { extractFolder, extractSubmission, writeSubmission } from "./submission";
import { writeAutograderZip } from "./autograder";
import { packageRoot } from "../paths";
import { availableCpus, gradeBatch } from "./batch";
import { isolation } from "./isolation";

const HELP = `usage: gradwork-grade [grade options]
       gradwork-grade submit [--out f.zip]
       gradwork-grade autograder-zip [--out f.zip] [--tests dir]
(from the repository: npm run grade -- [options])

grade options:
  -T, --target <dir>         folder with the modules to grade (default exercises/)
  -s, --solutions            grade solutions/
      --submission <zip>     grade a submission archive
      --submission-dir <dir> grade a folder of uploaded files (Gradescope)
  -b, --batch <dir>          grade every .zip in a folder, one CSV row each (needs --csv)
      --csv <file>           CSV of a batch; rows are appended as submissions finish, and a
                             rerun skips the submissions already in it (resume)
  -j, --jobs <n>             submissions graded at once in a batch (default: available CPUs)
  -t, --task <id>            task "4.2" or chapter "4" (repeat or comma-separate; --task=4.2)
      --tests <dir>          extra (hidden) test folder, repeatable
      --no-public            skip the public tests of test/tasks
      --require-isolation    refuse to grade without bubblewrap (default when --tests is given)
      --no-require-isolation accept a weaker isolation level (results.json says which)
      --no-type-check        only parse the submission (default: type-check it like tsc --strict)
      --timeout <s>          wall-clock limit per task (default 30)
      --total-timeout <s>    limit for the whole run (default 600)
      --memory <mb>          heap limit of the sandbox (default 1024)
  -o, --out <file>           results.json path (default ./results.json)
      --json                 print results.json to stdout instead of the table
  -q, --quiet                print only the total
  -h, --help                 this text
  -v, --version              the grader's version`;

const OPTIONS = {
  target: { type: "string", short: "T" },
  solutions: { type: "boolean", short: "s" },
  exercises: { type: "boolean" },
  submission: { type: "string" },
  "submission-dir": { type: "string" },
  batch: { type: "string", short: "b" },
  csv: { type: "string" },
  jobs: { type: "string", short: "j" },
  task: { type: "string", short: "t", multiple: true },
  tasks: { type: "string", multiple: true },
  tests: { type: "string", multiple: true },
  "no-public": { type: "boolean" },
  "require-isolation": { type: "boolean" },
  "no-require-isolation": { type: "boolean" },
  "no-type-check": { type: "boolean" },
  timeout: { type: "string" },
  "total-timeout": { type: "string" },
  memory: { type: "string" },
  out: { type: "string", short: "o" },
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

/** A mistake in the command line. */
class UsageError extends Error {}

function positive(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!(n > 0)) throw new UsageError(`--${flag} needs a positive number, got "${s}"`);
  return n;
}

/** Parsed command line. */
function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const v = parsed.values;
  const cmd = parsed.positionals[0] ?? "grade";
  if (!["grade", "submit", "autograder-zip"].includes(cmd)) throw new UsageError(`unknown command "${cmd}"`);
  if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument "${parsed.positionals[1]}"`);
  const tasks = [...(v.task ?? []), ...(v.tasks ?? [])].flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
  for (const t of tasks) if (!/^\d+(\.\d+)?$/.test(t)) throw new UsageError(`--task expects ids like 4.2 or 4, got "${t}"`);
  if (v["require-isolation"] && v["no-require-isolation"]) throw new UsageError("--require-isolation and --no-require-isolation contradict each other");
  if (v.batch && !v.csv) throw new UsageError("--batch needs --csv <file>");
  const jobs = positive(v.jobs, "jobs");
  if (jobs !== undefined && !Number.isInteger(jobs)) throw new UsageError(`--jobs needs a whole number, got "${v.jobs}"`);
  const root = packageRoot();
  return {
    cmd: v.help ? "help" : v.version ? "version" : cmd,
    target: v.solutions ? path.join(root, "solutions") : v.exercises ? path.join(root, "exercises") : v.target,
    submission: v.submission,
    submissionDir: v["submission-dir"],
    batch: v.batch,
    csv: v.csv,
    jobs,
    tasks,
    tests: v.tests ?? [],
    publicTests: !v["no-public"],
    requireIsolation: v["require-isolation"] ? true : v["no-require-isolation"] ? false : undefined,
    typeCheck: !v["no-type-check"],
    timeout: positive(v.timeout, "timeout"),
    totalTimeout: positive(v["total-timeout"], "total-timeout"),
    memory: positive(v.memory, "memory"),
    out: v.out,
    json: !!v.json,
    quiet: !!v.quiet,
  };
}

type Args = ReturnType<typeof parse>;

function options(a: Args, target?: string): GradeOptions {
  return {
    target,
    tasks: a.tasks,
    tests: a.tests,
    publicTests: a.publicTests,
    taskTimeout: a.timeout,
    totalTimeout: a.totalTimeout,
    memoryMb: a.memory,
    requireIsolation: a.requireIsolation,
    typeCheck: a.typeCheck,
  };
}

/** A results.json for a run that could not grade (never leave Gradescope without one). */
function failedResults(message: string): object {
  return { score: 0, execution_time: 0, output: `The grader could not grade this submission: ${message}`, output_format: "text", tests: [] };
}

function writeJson(file: string, value: object): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

async function gradeOne(a: Args): Promise<number> {
  const root = packageRoot();
  const out = path.resolve(a.out ?? "results.json");
  // Whatever happens below, results.json is written within the run's time limit.
  const limit = ((a.totalTimeout ?? 600) + 60) * 1000;
  const watchdog = setTimeout(() => {
    writeJson(out, failedResults(`grading did not finish within ${limit / 1000} s`));
    console.error(`grader: grading did not finish within ${limit / 1000} s; wrote ${out}`);
    process.exit(3);
  }, limit);
  watchdog.unref();
  let tmp: string | undefined;
  try {
    let target = a.target ?? path.join(root, "exercises");
    if (a.submission) target = tmp = extractSubmission(a.submission);
    else if (a.submissionDir) target = tmp = extractFolder(a.submissionDir);
    let report: GradeReport;
    try {
      report = await grade(options(a, target));
    } catch (e) {
      writeJson(out, failedResults((e as Error)?.message ?? String(e)));
      throw e;
    }
    const results = toGradescope(report);
    writeJson(out, results);
    if (a.json) console.log(JSON.stringify(results, null, 2));
    else if (a.quiet) console.log(`${report.score} / ${report.maxScore}`);
    else console.log(`${formatTable(report)}\nwrote ${out}`);
  } finally {
    clearTimeout(watchdog);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
  return 0;
}

async function batch(a: Args): Promise<number> {
  const opts = options(a);
  const taskIds = [...new Set(listTests(opts).map((t) => t.id))];
  const jobs = a.jobs ?? availableCpus().cpus;
  const iso = isolation();
  console.log(`Isolation: ${iso.level} (${iso.detail}); ${jobs} at a time`);
  const t0 = Date.now();
  const { graded, skipped } = await gradeBatch({
    dir: a.batch!,
    csv: a.csv!,
    jobs,
    grade: opts,
    taskIds,
    onDone: (r) => console.log(r.report ? `${r.name}: ${r.report.score} / ${r.report.maxScore} in ${r.seconds.toFixed(1)} s` : `${r.name}: not graded: ${r.error} (${r.seconds.toFixed(1)} s)`),
  });
  const minutes = (Date.now() - t0) / 60_000;
  if (skipped.length) console.log(`skipped ${skipped.length} already in ${a.csv}`);
  console.log(`graded ${graded.length} in ${(minutes * 60).toFixed(1)} s (${graded.length ? (graded.length / minutes).toFixed(1) : "0"} per minute); rows in ${a.csv}`);
  // A submission that could not be graded has its row (with the error); the batch itself succeeded.
  return 0;
}

async function main(): Promise<number> {
  const a = parse(process.argv.slice(2));
  const root = packageRoot();
  if (a.cmd === "help") {
    console.log(HELP);
    return 0;
  }
  if (a.cmd === "version") {
    console.log(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version);
    return 0;
  }
  // A child of the same user (weaker isolation levels) must not be able to open our inspector.
  process.on("SIGUSR1", () => {});
  if (a.cmd === "submit") {
    const out = path.resolve(a.out ?? "submission.zip");
    const files = writeSubmission(root, out);
    console.log(`wrote ${out} with ${files.length} files:\n  ${files.join("\n  ")}`);
    return 0;
  }
  if (a.cmd === "autograder-zip") {
    const out = path.resolve(a.out ?? "autograder.zip");
    const files = writeAutograderZip(root, out, { hiddenTests: a.tests[0] });
    console.log(`wrote ${out} (${files.length} files; upload it as the Gradescope autograder)`);
    return 0;
  }
  if (a.batch) return batch(a);
  return gradeOne(a);
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`grader: ${(e as Error)?.message ?? String(e)}${e instanceof UsageError ? " (see --help)" : ""}`);
    process.exit(e instanceof UsageError ? 64 : 2);
  },
);
