/**
 * The trusted side of grading: runs the student's code in a sandboxed child process, one test at a
 * time, with a wall-clock budget per task and a memory cap, and scores each test by running its
 * `check` here, where no student code is ever loaded.
 *
 * @example
 * const report = await grade({ target: "solutions", tasks: ["2.1"] });
 * console.log(report.score, "/", report.maxScore);
 */
import { fork, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import * as harness from "./harness";
import type { TaskTest, Visibility } from "./harness";
import { compileTests, readTestSources, type TestSource } from "./loader";
import { makeSandbox, repoRoot } from "./sandbox";

/** Options of `grade`. */
export interface GradeOptions {
  /** Folder with the student's modules (default: the repository's exercises/). */
  target?: string;
  /** Task ids ("4.2") or chapters ("4") to grade; default all. */
  tasks?: string[];
  /** Extra (hidden) test folders, run exactly like the public ones. */
  tests?: string[];
  /** Include the public tests of test/tasks (default true). */
  publicTests?: boolean;
  /** Wall-clock budget per task in seconds (default 30). */
  taskTimeout?: number;
  /** Wall-clock budget for the whole run in seconds (default 600). */
  totalTimeout?: number;
  /** Heap limit of the child in MB (default 1024); the child is also killed above 2× this resident size. */
  memoryMb?: number;
  /** Called after each test. */
  onResult?: (r: TestResult) => void;
}

/** Outcome of one test. */
export interface TestResult {
  id: string;
  name: string;
  module: string;
  file: string;
  points: number;
  score: number;
  status: "passed" | "failed" | "not-implemented" | "error" | "timeout" | "crashed" | "memory" | "missing" | "grader-error";
  output: string;
  visibility: Visibility;
  ms: number;
}

/** Per-task sum. */
export interface TaskSummary {
  id: string;
  score: number;
  maxScore: number;
  passed: number;
  total: number;
}

/** Everything a grading run found. */
export interface GradeReport {
  target: string;
  score: number;
  maxScore: number;
  tests: TestResult[];
  tasks: TaskSummary[];
  executionMs: number;
  /** What the submission printed (never used for scoring), truncated. */
  studentOutput: string;
  /** Files found in the submission. */
  files: string[];
}

type Outcome =
  | { kind: "result"; msg: any }
  | { kind: "timeout"; loading: string | null }
  | { kind: "exit"; code: number | null; signal: string | null; loading: string | null }
  | { kind: "memory"; rssMb: number };

const OUTPUT_LIMIT = 20_000;

class Child {
  proc: ChildProcess;
  ready: Promise<void>;
  private pending: { token: string; done: (o: Outcome) => void; loading: string | null } | null = null;
  private exited: { code: number | null; signal: string | null } | null = null;
  private memTimer: NodeJS.Timeout | undefined;

  constructor(sandboxDir: string, studentDir: string, workDir: string, sources: TestSource[], memoryMb: number, out: { text: string }) {
    const dist = fs.realpathSync(path.join(repoRoot(), "dist"));
    const entry = path.join(dist, "grader", "child.js");
    if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first`);
    this.proc = fork(entry, [], {
      cwd: workDir,
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", GRADWORK_GRADING: "1" },
      execArgv: [
        `--max-old-space-size=${memoryMb}`,
        "--experimental-permission",
        `--allow-fs-read=${sandboxDir}/*`,
        `--allow-fs-read=${dist}/*`,
        // A folder given without "/*" is readable with everything under it (and a symlinked package
        // folder can be read as a link). Giving both forms trips an assertion in Node 20.
        ...runtimeDependencyDirs().map((d) => `--allow-fs-read=${d}`),
        "--allow-worker",
        "--disable-warning=ExperimentalWarning",
        // Worker threads (the cpu backend's pool) stay under the same permission model in Node 20.
        "--disable-warning=SecurityWarning",
      ],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "advanced",
    });
    const collect = (d: Buffer) => {
      if (out.text.length < OUTPUT_LIMIT) out.text += d.toString("utf8").slice(0, OUTPUT_LIMIT - out.text.length);
    };
    this.proc.stdout!.on("data", collect);
    this.proc.stderr!.on("data", collect);
    this.proc.on("message", (m: any) => {
      const p = this.pending;
      if (!p || m === null || typeof m !== "object" || m.token !== p.token) return;
      if (m.type === "loading") p.loading = String(m.module);
      else if (m.type === "started") p.loading = null;
      else if (m.type === "result") this.settle({ kind: "result", msg: m });
    });
    this.proc.on("exit", (code, signal) => {
      this.exited = { code, signal };
      clearInterval(this.memTimer);
      const p = this.pending;
      if (p) this.settle({ kind: "exit", code, signal, loading: p.loading });
    });
    this.proc.on("error", () => {});
    const statusFile = `/proc/${this.proc.pid}/status`;
    if (fs.existsSync(statusFile)) {
      this.memTimer = setInterval(() => {
        try {
          const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(statusFile, "utf8"));
          const rssMb = m ? Number(m[1]) / 1024 : 0;
          if (rssMb > 2 * memoryMb && this.pending) {
            this.settle({ kind: "memory", rssMb });
            this.kill();
          }
        } catch {
          /* process gone */
        }
      }, 200);
      this.memTimer.unref();
    }
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the grading process did not start within 30 s")), 30_000);
      const onMsg = (m: any) => {
        if (m && m.type === "ready") {
          clearTimeout(timer);
          this.proc.off("message", onMsg);
          resolve();
        } else if (m && m.type === "init-error") {
          clearTimeout(timer);
          reject(new Error(`loading the library and the tests failed: ${String(m.message)}`));
        }
      };
      this.proc.on("message", onMsg);
      this.proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the grading process stopped during start-up (exit code ${code})`));
      });
      this.proc.send({ type: "init", sources, studentDir });
    });
    this.ready.catch(() => {});
  }

  get alive(): boolean {
    return this.exited === null;
  }

  private settle(o: Outcome): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    p.done(o);
  }

  /** Run test `index`; `shipped` (when given) is its prepared input, sent along instead of the child building it. */
  run(index: number, timeoutMs: number, shipped?: { value: unknown }): Promise<Outcome> {
    const token = randomBytes(12).toString("hex");
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const loading = this.pending?.loading ?? null;
        this.settle({ kind: "timeout", loading });
        this.kill();
      }, Math.max(1, timeoutMs));
      this.pending = {
        token,
        loading: null,
        done: (o) => {
          clearTimeout(timer);
          resolve(o);
        },
      };
      if (!this.alive) return this.settle({ kind: "exit", code: this.exited!.code, signal: this.exited!.signal, loading: null });
      // "advanced" serialization: typed arrays and Buffers travel as binary (a Buffer arrives as a Uint8Array).
      this.proc.send(shipped ? { type: "run", index, token, shipped: true, input: shipped.value } : { type: "run", index, token });
    });
  }

  kill(): void {
    clearInterval(this.memTimer);
    if (this.alive) this.proc.kill("SIGKILL");
  }
}

/**
 * Real paths of the library's runtime dependencies (public npm packages the built library may load),
 * readable by the sandbox. Never the package's own self-link, which points at the repository root.
 */
function runtimeDependencyDirs(): string[] {
  const root = repoRoot();
  const deps = Object.keys(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).dependencies ?? {});
  const out: string[] = [];
  for (const name of deps) {
    if (name === "gradwork") continue;
    let dir: string;
    try {
      dir = path.join(root, "node_modules", name);
      if (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(require.resolve(`${name}/package.json`, { paths: [root] }));
    } catch {
      continue; // not installed, or its package.json is not exported
    }
    // Both the path module resolution looks at and its real path (node_modules may hold symlinks).
    for (const d of new Set([dir, fs.realpathSync(dir)])) {
      if (!path.relative(d, root).startsWith("..")) continue; // d is the root or holds it: never
      out.push(d);
    }
  }
  return out;
}

/** A shallow copy of a prepared input without the fields the sandbox must not see. */
function withheld(value: unknown, keys: readonly string[] | undefined): unknown {
  if (!keys?.length || value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const k of keys) delete out[k];
  return out;
}

function selected(t: TaskTest, tasks: string[] | undefined): boolean {
  if (!tasks || tasks.length === 0) return true;
  return tasks.some((s) => t.id === s || t.id.startsWith(s.endsWith(".") ? s : s + "."));
}

function loadParentTests(sources: TestSource[]): TaskTest[] {
  const gradwork = require(path.join(repoRoot(), "dist", "index.js"));
  return compileTests(sources, { gradwork, harness });
}

/** Read the public and extra test folders. */
export function testSources(opts: Pick<GradeOptions, "tests" | "publicTests">): TestSource[] {
  const root = repoRoot();
  const dirs: { dir: string; visibility?: Visibility; label?: string }[] = [];
  if (opts.publicTests !== false) dirs.push({ dir: path.join(root, "test", "tasks"), label: "test/tasks" });
  for (const d of opts.tests ?? []) dirs.push({ dir: path.resolve(d), visibility: "after_due_date", label: `extra:${path.basename(path.resolve(d))}` });
  return readTestSources(dirs);
}

function describeError(err: { kind: string; message: string }): { status: TestResult["status"]; output: string } {
  if (err.kind === "not-implemented") return { status: "not-implemented", output: `Not implemented yet: ${err.message.split("\n")[0].replace(/^NotImplementedError: /, "")}` };
  if (/^(LoadError|MissingFile): /.test(err.message)) return { status: "error", output: err.message.replace(/^(LoadError|MissingFile): /, "") };
  if (err.kind === "non-error") return { status: "error", output: `Your code ${err.message}` };
  return { status: "error", output: `Your code raised ${err.message}` };
}

/**
 * Grade the modules in `opts.target` against the task tests.
 *
 * @example
 * const r = await grade({ target: "solutions", tasks: ["1"] });
 */
export async function grade(opts: GradeOptions = {}): Promise<GradeReport> {
  const t0 = Date.now();
  const root = repoRoot();
  const target = path.resolve(opts.target ?? path.join(root, "exercises"));
  const sources = testSources(opts);
  const all = loadParentTests(sources);
  // The child compiles the same sources in the same order, so a test is addressed by its index in `all`.
  const indexOf = new Map(all.map((t, i) => [t, i] as const));
  const tests = all.filter((t) => selected(t, opts.tasks));
  if (opts.tasks?.length && tests.length === 0) throw new Error(`no task tests match --task ${opts.tasks.join(",")}`);
  const taskBudget = new Map<string, number>();
  const perTask = (opts.taskTimeout ?? 30) * 1000;
  const deadline = t0 + (opts.totalTimeout ?? 600) * 1000;
  const memoryMb = opts.memoryMb ?? 1024;
  const box = makeSandbox(target, root);
  const out = { text: "" };
  const results: TestResult[] = [];
  const brokenModules = new Map<string, string>();
  let child: Child | null = null;
  let startFailure: string | null = null;

  try {
    for (const t of tests) {
      const tt0 = Date.now();
      const base = { id: t.id, name: t.name, module: t.module, file: t.file, points: t.points, visibility: t.visibility ?? "visible" } as const;
      const record = (status: TestResult["status"], score: number, output: string) => {
        const r: TestResult = { ...base, status, score, output, ms: Date.now() - tt0 };
        results.push(r);
        opts.onResult?.(r);
      };
      if (!box.files.some((f) => f.replace(/\.(ts|js)$/, "") === t.module)) {
        record("missing", 0, `${t.module}.ts was not found in the submission`);
        continue;
      }
      if (brokenModules.has(t.module)) {
        record("error", 0, brokenModules.get(t.module)!);
        continue;
      }
      const left = Math.min(taskBudget.get(t.id) ?? perTask, deadline - Date.now());
      if (left <= 0) {
        record("timeout", 0, Date.now() >= deadline ? "Not run: the whole grading run reached its time limit" : `Not run: task ${t.id} used up its ${perTask / 1000} s time limit in an earlier test`);
        continue;
      }
      if (startFailure) {
        record("grader-error", 0, startFailure);
        continue;
      }
      if (!child || !child.alive) {
        child = new Child(box.dir, box.studentDir, box.workDir, sources, memoryMb, out);
        try {
          await child.ready;
        } catch (e) {
          startFailure = `The grader could not start the sandbox: ${(e as Error).message}`;
          child.kill();
          record("grader-error", 0, startFailure);
          continue;
        }
      }
      // Grader-side inputs (e.g. a dataset the sandbox cannot read): built here, not counted in the task's time.
      let prepared: { value: unknown } | undefined;
      if (t.prepare) {
        try {
          prepared = { value: await t.prepare() };
        } catch (e) {
          record("grader-error", 0, `The test itself failed to prepare its data: ${(e as Error)?.message ?? String(e)}`);
          continue;
        }
      }
      const started = Date.now();
      const o = await child.run(indexOf.get(t)!, left, prepared && { value: withheld(prepared.value, t.withhold) });
      taskBudget.set(t.id, left - (Date.now() - started));
      if (o.kind === "timeout") {
        const msg = o.loading
          ? `Loading ${o.loading}.ts did not finish within the time limit (an endless loop at the top level?)`
          : `Timed out: task ${t.id} ran longer than its ${perTask / 1000} s limit (an endless loop?)`;
        if (o.loading) brokenModules.set(o.loading, msg);
        record("timeout", 0, msg);
        child = null;
        continue;
      }
      if (o.kind === "memory") {
        record("memory", 0, `Stopped: the submission used ${Math.round(o.rssMb)} MB of memory (limit ${2 * memoryMb} MB)`);
        child = null;
        continue;
      }
      if (o.kind === "exit") {
        const how = o.signal
          ? `crashed (signal ${o.signal}; usually the ${memoryMb} MB memory limit or a native crash)`
          : `exited with code ${o.code} (did your code call process.exit()? that is not allowed)`;
        const msg = o.loading ? `Loading ${o.loading}.ts ended the grading process: it ${how}` : `The grading process ${how} during this test`;
        if (o.loading) brokenModules.set(o.loading, msg);
        record("crashed", 0, msg);
        continue;
      }
      const m = o.msg;
      if (!m.ok) {
        const d = describeError(m.error ?? { kind: "error", message: "unknown error" });
        record(d.status, 0, d.output);
        continue;
      }
      let input: unknown;
      try {
        input = prepared ? prepared.value : t.inputs();
      } catch (e) {
        record("grader-error", 0, `The test itself failed to build its inputs: ${(e as Error).message}`);
        continue;
      }
      try {
        const note = t.check(m.data, input);
        record("passed", t.points, typeof note === "string" && note ? `Passed: ${note}` : "Passed");
      } catch (e) {
        const isCheck = e instanceof harness.CheckFailure;
        record("failed", 0, isCheck ? `Wrong result: ${(e as Error).message}` : `Wrong result (the check could not read it): ${(e as Error)?.message ?? String(e)}`);
      }
    }
  } finally {
    child?.kill();
    box.cleanup();
  }
  const score = results.reduce((a, r) => a + r.score, 0);
  const maxScore = results.reduce((a, r) => a + r.points, 0);
  return { target, score, maxScore, tests: results, tasks: summarize(results), executionMs: Date.now() - t0, studentOutput: out.text, files: box.files };
}

/** Sum results per task, in task order. */
export function summarize(results: TestResult[]): TaskSummary[] {
  const m = new Map<string, TaskSummary>();
  for (const r of results) {
    const s = m.get(r.id) ?? { id: r.id, score: 0, maxScore: 0, passed: 0, total: 0 };
    s.score += r.score;
    s.maxScore += r.points;
    s.total++;
    if (r.status === "passed") s.passed++;
    m.set(r.id, s);
  }
  const key = (id: string) => id.split(".").map(Number);
  return [...m.values()].sort((a, b) => {
    const [x1, x2] = key(a.id);
    const [y1, y2] = key(b.id);
    return x1 - y1 || x2 - y2;
  });
}
