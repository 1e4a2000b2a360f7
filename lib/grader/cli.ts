#!/usr/bin/env node
/**
 * Command line of the autograder.
 *
 *   npm run grade                                  grade exercises/ (table + results.json)
 *   npm run grade -- --solutions                   grade the reference solutions
 *   npm run grade -- --target <dir> --task 4.2     one task of another folder
 *   npm run grade -- --tests <dir>                 add an instructor's (hidden) test folder
 *   npm run grade -- --submission submission.zip   grade one submission archive
 *   npm run grade -- --batch <dir of zips> --csv scores.csv
 *   npm run submit                                 write submission.zip
 *   npm run autograder:zip [-- --tests <dir>]      write autograder.zip for Gradescope
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { grade, type GradeOptions, type GradeReport } from "./runner";
import { formatTable, toCsv, toGradescope } from "./report";
import { extractFolder, extractSubmission, writeSubmission } from "./submission";
import { writeAutograderZip } from "./autograder";
import { repoRoot } from "./sandbox";

const HELP = `usage: node dist/grader/cli.js [grade options] | submit [--out f.zip] | autograder-zip [--out f.zip] [--tests dir]
grade options:
  --target <dir>         folder with the modules to grade (default exercises/)
  --solutions            grade solutions/
  --submission <zip>     grade a submission archive
  --submission-dir <dir> grade a folder of uploaded files (Gradescope)
  --batch <dir> --csv <file>   grade every .zip in a folder, one CSV row each
  --task <id>            task "4.2" or chapter "4" (repeat or comma-separate)
  --tests <dir>          extra (hidden) test folder, repeatable
  --no-public            skip the public tests of test/tasks
  --timeout <s>          wall-clock limit per task (default 30)
  --total-timeout <s>    limit for the whole run (default 600)
  --memory <mb>          heap limit of the sandbox (default 1024)
  --out <file>           results.json path (default ./results.json)
  --json                 print results.json to stdout instead of the table
  --quiet                print only the total`;

interface Args {
  cmd: "grade" | "submit" | "autograder-zip" | "help";
  target?: string;
  submission?: string;
  submissionDir?: string;
  batch?: string;
  csv?: string;
  tasks: string[];
  tests: string[];
  publicTests: boolean;
  timeout?: number;
  totalTimeout?: number;
  memory?: number;
  out?: string;
  json: boolean;
  quiet: boolean;
}

function parse(argv: string[]): Args {
  const a: Args = { cmd: "grade", tasks: [], tests: [], publicTests: true, json: false, quiet: false };
  const root = repoRoot();
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    return v;
  };
  const num = (s: string, flag: string) => {
    const n = Number(s);
    if (!(n > 0)) throw new Error(`${flag} needs a positive number, got "${s}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    switch (f) {
      case "submit": case "autograder-zip": case "grade": a.cmd = f; break;
      case "--help": case "-h": a.cmd = "help"; break;
      case "--target": a.target = value(i++, f); break;
      case "--solutions": a.target = path.join(root, "solutions"); break;
      case "--exercises": a.target = path.join(root, "exercises"); break;
      case "--submission": a.submission = value(i++, f); break;
      case "--submission-dir": a.submissionDir = value(i++, f); break;
      case "--batch": a.batch = value(i++, f); break;
      case "--csv": a.csv = value(i++, f); break;
      case "--task": case "--tasks": a.tasks.push(...value(i++, f).split(",").map((s) => s.trim()).filter(Boolean)); break;
      case "--tests": a.tests.push(value(i++, f)); break;
      case "--no-public": a.publicTests = false; break;
      case "--timeout": a.timeout = num(value(i++, f), f); break;
      case "--total-timeout": a.totalTimeout = num(value(i++, f), f); break;
      case "--memory": a.memory = num(value(i++, f), f); break;
      case "--out": a.out = value(i++, f); break;
      case "--json": a.json = true; break;
      case "--quiet": a.quiet = true; break;
      default: throw new Error(`unknown argument "${f}" (see --help)`);
    }
  }
  for (const t of a.tasks) if (!/^\d+(\.\d+)?$/.test(t)) throw new Error(`--task expects ids like 4.2 or 4, got "${t}"`);
  return a;
}

function options(a: Args, target: string): GradeOptions {
  return { target, tasks: a.tasks, tests: a.tests, publicTests: a.publicTests, taskTimeout: a.timeout, totalTimeout: a.totalTimeout, memoryMb: a.memory };
}

async function main(): Promise<number> {
  const a = parse(process.argv.slice(2));
  const root = repoRoot();
  if (a.cmd === "help") {
    console.log(HELP);
    return 0;
  }
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
  if (a.batch) {
    if (!a.csv) throw new Error("--batch needs --csv <file>");
    const zips = fs.readdirSync(a.batch).filter((n) => n.endsWith(".zip")).sort();
    if (zips.length === 0) throw new Error(`no .zip files in ${a.batch}`);
    const rows: { name: string; report: GradeReport | null; error?: string }[] = [];
    for (const z of zips) {
      let dir: string | undefined;
      try {
        dir = extractSubmission(path.join(a.batch, z));
        const report = await grade(options(a, dir));
        rows.push({ name: z, report });
        console.log(`${z}: ${report.score} / ${report.maxScore}`);
      } catch (e) {
        rows.push({ name: z, report: null, error: (e as Error).message });
        console.log(`${z}: not graded: ${(e as Error).message}`);
      } finally {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    fs.writeFileSync(a.csv, toCsv(rows));
    console.log(`wrote ${a.csv}`);
    return 0;
  }
  let target = a.target ?? path.join(root, "exercises");
  let tmp: string | undefined;
  if (a.submission) target = tmp = extractSubmission(a.submission);
  else if (a.submissionDir) target = tmp = extractFolder(a.submissionDir);
  try {
    const report = await grade(options(a, target));
    const results = toGradescope(report);
    const out = path.resolve(a.out ?? "results.json");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
    if (a.json) console.log(JSON.stringify(results, null, 2));
    else if (a.quiet) console.log(`${report.score} / ${report.maxScore}`);
    else console.log(`${formatTable(report)}\nwrote ${out}`);
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`grader: ${(e as Error).message}`);
    process.exit(2);
  },
);
