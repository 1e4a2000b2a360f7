/**
 * Grading a folder of submission archives: several at a time, each in its own sandbox with its own
 * limits, one CSV row appended as each finishes (so an interrupted batch keeps what it did), and a
 * resumed batch skips the submissions its CSV already lists.
 *
 * @example
 * await gradeBatch({ dir: "submissions", csv: "scores.csv", jobs: 2, grade: { tasks: ["1"] } });
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { grade, type GradeOptions, type GradeReport } from "./runner";
import { extractSubmission } from "./submission";

/**
 * How many submissions to grade at once by default: the CPUs this process may use — Node's
 * `os.availableParallelism()` (CPU affinity) capped by the cgroup's CPU quota (`cpu.max` in cgroup v2,
 * `cpu.cfs_quota_us` in v1) — and at least 1.
 *
 * @example
 * availableCpus(); // 2
 */
export function availableCpus(): { cpus: number; source: string } {
  const avail = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  const quota = cgroupQuota();
  if (quota !== null && quota < avail) return { cpus: Math.max(1, Math.floor(quota)), source: `cgroup CPU quota ${quota.toFixed(2)}` };
  return { cpus: Math.max(1, avail), source: "os.availableParallelism()" };
}

function cgroupQuota(): number | null {
  try {
    const [q, p] = fs.readFileSync("/sys/fs/cgroup/cpu.max", "utf8").trim().split(/\s+/);
    if (q !== "max" && Number(p) > 0) return Number(q) / Number(p);
  } catch {
    /* not cgroup v2 */
  }
  try {
    const q = Number(fs.readFileSync("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "utf8"));
    const p = Number(fs.readFileSync("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "utf8"));
    if (q > 0 && p > 0) return q / p;
  } catch {
    /* no v1 cpu controller either */
  }
  return null;
}

/** Options of `gradeBatch`. */
export interface BatchOptions {
  /** Folder of `.zip` submissions. */
  dir: string;
  /** CSV file: rows are appended; names already in it are skipped (resume). */
  csv: string;
  /** Submissions graded at once (default `availableCpus()`). */
  jobs?: number;
  /** Options passed to `grade` for each submission. */
  grade: Omit<GradeOptions, "target">;
  /** Task ids of the CSV's columns (default: the tasks of the first report). */
  taskIds: string[];
  /** Called as each submission finishes. */
  onDone?: (row: BatchRow) => void;
}

/** One finished submission. */
export interface BatchRow {
  name: string;
  report: GradeReport | null;
  error?: string;
  seconds: number;
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function pts(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

/** The CSV header for `taskIds`. */
export function csvHeader(taskIds: string[]): string {
  return ["submission", "score", "max_score", ...taskIds.map((id) => `task ${id}`), "seconds", "isolation", "error"].join(",") + "\n";
}

/** One CSV line for a finished submission. */
export function csvRow(row: BatchRow, taskIds: string[]): string {
  const per = new Map(row.report?.tasks.map((t) => [t.id, t.score]) ?? []);
  const r = row.report;
  return [csvCell(row.name), r ? pts(r.score) : "0", r ? pts(r.maxScore) : "", ...taskIds.map((id) => pts(per.get(id) ?? 0)), row.seconds.toFixed(1), r?.isolation.level ?? "", csvCell(row.error ?? "")].join(",") + "\n";
}

/** Submission names already in `csv` (first column). */
export function gradedNames(csv: string): Set<string> {
  const done = new Set<string>();
  if (!fs.existsSync(csv)) return done;
  for (const line of fs.readFileSync(csv, "utf8").split("\n").slice(1)) {
    if (!line.trim()) continue;
    const m = /^"((?:[^"]|"")*)"|^([^,]*)/.exec(line)!;
    done.add(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]);
  }
  return done;
}

/**
 * Grade every `.zip` of `opts.dir` not yet in `opts.csv`, `opts.jobs` at a time. A submission whose
 * grading fails (a broken archive, the grader itself) gets a row with its error; the batch goes on.
 *
 * @example
 * const rows = await gradeBatch({ dir: "subs", csv: "scores.csv", jobs: 2, grade: {}, taskIds: ["1.1"] });
 */
export async function gradeBatch(opts: BatchOptions): Promise<{ graded: BatchRow[]; skipped: string[] }> {
  const zips = fs.readdirSync(opts.dir).filter((n) => n.endsWith(".zip")).sort();
  if (zips.length === 0) throw new Error(`no .zip files in ${opts.dir}`);
  const done = gradedNames(opts.csv);
  const skipped = zips.filter((z) => done.has(z));
  const todo = zips.filter((z) => !done.has(z));
  if (!fs.existsSync(opts.csv) || fs.statSync(opts.csv).size === 0) fs.writeFileSync(opts.csv, csvHeader(opts.taskIds));
  const jobs = Math.max(1, Math.floor(opts.jobs ?? availableCpus().cpus));
  const graded: BatchRow[] = [];
  // A submission that hangs the grader itself cannot hold the batch: it gets a row after this long.
  const hardLimit = ((opts.grade.totalTimeout ?? 600) + 120) * 1000;
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const name = todo[next++];
      const t0 = Date.now();
      let dir: string | undefined;
      let row: BatchRow;
      let timer: NodeJS.Timeout | undefined;
      try {
        dir = extractSubmission(path.join(opts.dir, name));
        const target = dir;
        const report = await Promise.race([
          grade({ ...opts.grade, target }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`grading did not finish within ${hardLimit / 1000} s`)), hardLimit);
          }),
        ]);
        row = { name, report, seconds: (Date.now() - t0) / 1000 };
      } catch (e) {
        row = { name, report: null, error: (e as Error)?.message ?? String(e), seconds: (Date.now() - t0) / 1000 };
      } finally {
        clearTimeout(timer);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      }
      fs.appendFileSync(opts.csv, csvRow(row, opts.taskIds));
      graded.push(row);
      opts.onDone?.(row);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, todo.length) }, worker));
  return { graded, skipped };
}
