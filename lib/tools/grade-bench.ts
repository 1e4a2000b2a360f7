#!/usr/bin/env node
/**
 * Batch-grading throughput: generates N submission archives (a mixture: every third one the reference
 * solutions, the others the untouched stubs with one or two solved chapters), grades them with
 * `--batch` at each job count, and prints submissions per minute.
 *
 *   npm run build && node dist/tools/grade-bench.js [--count 100] [--jobs 1,2] [--task 1,2,3,4]
 *
 * Task 5.4 (a CIFAR-10 training run) dominates a full grading; `--task` picks what is graded (default
 * chapters 1–4, say so when quoting figures). Figures depend on the machine and its load: quote the
 * conditions with them.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { zipSync } from "fflate";
import { packageRoot } from "../paths";

const { values } = parseArgs({
  options: { count: { type: "string", default: "100" }, jobs: { type: "string", default: "1,2" }, task: { type: "string", default: "1,2,3,4" } },
});
const root = packageRoot();
const count = Number(values.count);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gw-grade-bench-"));
const dir = path.join(tmp, "submissions");
fs.mkdirSync(dir);
const modules = fs.readdirSync(path.join(root, "solutions")).filter((n) => n.endsWith(".ts"));
for (let i = 0; i < count; i++) {
  const files: Record<string, Uint8Array> = {};
  modules.forEach((m, k) => {
    const solved = i % 3 === 0 || k === i % modules.length || k === (i * 7) % modules.length;
    files[`exercises/${m}`] = new Uint8Array(fs.readFileSync(path.join(root, solved ? "solutions" : "exercises", m)));
  });
  fs.writeFileSync(path.join(dir, `student-${String(i).padStart(3, "0")}.zip`), zipSync(files));
}
const cli = path.join(root, "dist", "grader", "cli.js");
console.log(`${count} submissions, tasks ${values.task}, ${os.availableParallelism()} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
for (const jobs of values.jobs.split(",").map(Number)) {
  const csv = path.join(tmp, `scores-${jobs}.csv`);
  const t0 = Date.now();
  execFileSync(process.execPath, [cli, "--batch", dir, "--csv", csv, "--jobs", String(jobs), "--task", values.task, "--quiet"], { stdio: "ignore" });
  const s = (Date.now() - t0) / 1000;
  const rows = fs.readFileSync(csv, "utf8").trim().split("\n").length - 1;
  console.log(`--jobs ${jobs}: ${rows} graded in ${s.toFixed(1)} s = ${((rows / s) * 60).toFixed(1)} submissions per minute (load average now ${os.loadavg()[0].toFixed(1)})`);
}
fs.rmSync(tmp, { recursive: true, force: true });
