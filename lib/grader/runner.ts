/**
 * The trusted side of grading: runs the student's code in a sandboxed child process, one test at a
 * time, with a wall-clock budget per task and a memory cap, and scores each test by running its
 * `check` here, where no student code is ever loaded.
 *
 * @example
 * const report = await grade({ target: "solutions", tasks: ["2.1"] });
 * console.log(report.score, "/", report.maxScore);
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import { randomBytes } from "node:crypto";
import * as harness from "./harness";
import type { TaskTest, Visibility } from "./harness";
import { compileTests, readTestSources, type TestSource } from "./loader";
import { typescript } from "./typescript";
import { cleanStale, libraryImage, makeSandbox } from "./sandbox";
import { packageRoot } from "../paths";
import { compileSubmission } from "./compile";
import { typeCheck } from "./typecheck";
import { ChannelError, decode, encode, FrameReader, MAX_FRAME_BYTES } from "./ipc";
import { isolation, LEVELS, permissionFlag, sandboxCommand, type IsolationLevel } from "./isolation";

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
  /**
   * Refuse to grade below this isolation level (see isolation.ts). `true` means "bubblewrap".
   * Default: "bubblewrap" when extra (hidden) tests are used, else none.
   */
  requireIsolation?: boolean | IsolationLevel;
  /** Seconds a test's check may take in the grader (default 20). */
  checkTimeout?: number;
  /** Type-check the submission (default true; syntax is always checked). */
  typeCheck?: boolean;
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
  /** How the submission was isolated. */
  isolation: { level: IsolationLevel; detail: string };
  /** Compile errors by file (files that compiled are absent). */
  compileErrors: Record<string, string[]>;
  /** False when files were only parsed: type-checking was turned off, or the typescript package is missing. */
  typeChecked: boolean;
  /** True when type-checking was turned off (`typeCheck: false`, `--no-type-check`). */
  typeCheckDisabled: boolean;
}

type Outcome =
  | { kind: "result"; msg: any }
  | { kind: "timeout"; loading: string | null }
  | { kind: "exit"; code: number | null; signal: string | null; loading: string | null }
  | { kind: "memory"; rssMb: number }
  | { kind: "channel"; message: string };

const OUTPUT_LIMIT = 20_000;

/** Resident memory of a process and its descendants (Linux), in MB. */
function treeRssMb(pid: number): number {
  let kb = 0;
  const seen = new Set<number>();
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    try {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) kb += Number(m[1]);
      for (const t of fs.readdirSync(`/proc/${p}/task`)) {
        for (const c of fs.readFileSync(`/proc/${p}/task/${t}/children`, "utf8").split(" ")) if (c.trim()) stack.push(Number(c));
      }
    } catch {
      /* gone */
    }
  }
  return kb / 1024;
}

/** The sandboxed process, spoken to over fd 3 (see ipc.ts); nothing it sends is trusted. */
class Child {
  proc: ChildProcess;
  ready: Promise<string[]>;
  private pending: { token: string; done: (o: Outcome) => void; loading: string | null } | null = null;
  private exited: { code: number | null; signal: string | null } | null = null;
  private memTimer: NodeJS.Timeout | undefined;
  private channelError: string | null = null;
  private onReady: ((m: any) => void) | null = null;

  constructor(box: { studentDir: string; workDir: string; modulesDir: string; dir: string }, sources: TestSource[], memoryMb: number, cpuSeconds: number, out: { text: string }) {
    const iso = isolation();
    const readable = iso.level === "bubblewrap" ? ["/sandbox/*"] : [`${box.dir}/*`, `${box.modulesDir}/*`];
    const nodeArgs = [
      `--max-old-space-size=${memoryMb}`,
      permissionFlag(),
      ...readable.map((r) => `--allow-fs-read=${r}`),
      "--allow-worker",
      ...(process.allowedNodeEnvironmentFlags.has("--disable-sigusr1") ? ["--disable-sigusr1"] : []),
      "--disable-warning=ExperimentalWarning",
      // Worker threads (the cpu backend's pool) stay under the same permission model.
      "--disable-warning=SecurityWarning",
    ];
    const cmd = sandboxCommand(iso, { ...box, nodeArgs, entry: "dist/grader/child.js", cpuSeconds });
    this.proc = spawn(cmd.file, cmd.args, {
      cwd: iso.level === "bubblewrap" ? "/" : box.workDir,
      env: { PATH: "/usr/bin:/bin", NODE_ENV: "production", GRADWORK_GRADING: "1", HOME: cmd.workDir },
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    const collect = (d: Buffer) => {
      if (out.text.length < OUTPUT_LIMIT) out.text += d.toString("utf8").slice(0, OUTPUT_LIMIT - out.text.length);
    };
    this.proc.stdout!.on("data", collect);
    this.proc.stderr!.on("data", collect);
    const channel = this.proc.stdio[3] as import("node:net").Socket;
    const reader = new FrameReader(MAX_FRAME_BYTES);
    channel.on("data", (chunk: Buffer) => {
      if (this.channelError) return;
      try {
        for (const f of reader.push(chunk)) this.onMessage(decode(f));
      } catch (e) {
        this.channelError = e instanceof ChannelError ? e.message : `unreadable message (${(e as Error).message})`;
        this.settle({ kind: "channel", message: this.channelError });
        this.kill();
      }
    });
    channel.on("error", () => {});
    this.proc.on("exit", (code, signal) => {
      this.exited = { code, signal };
      clearInterval(this.memTimer);
      const p = this.pending;
      if (p) this.settle({ kind: "exit", code, signal, loading: p.loading });
    });
    this.proc.on("error", () => {});
    const pid = this.proc.pid;
    if (pid && fs.existsSync(`/proc/${pid}/status`)) {
      this.memTimer = setInterval(() => {
        const rssMb = treeRssMb(pid);
        if (rssMb > 2 * memoryMb && this.pending) {
          this.settle({ kind: "memory", rssMb });
          this.kill();
        }
      }, 200);
      this.memTimer.unref();
    }
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error("the grading process did not start within 30 s"));
        this.kill();
      }, 30_000);
      this.onReady = (m: any) => {
        if (m.type === "ready" && Array.isArray(m.ids) && m.ids.every((x: unknown) => typeof x === "string")) {
          clearTimeout(timer);
          resolve(m.ids);
        } else if (m.type === "init-error") {
          clearTimeout(timer);
          reject(new Error(`loading the library and the tests failed: ${String(m.message).slice(0, 2000)}`));
        }
      };
      this.proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the grading process stopped during start-up (exit code ${code}${signal ? `, signal ${signal}` : ""}): ${out.text.slice(0, 800)}`));
      });
      channel.write(encode({ type: "init", sources, studentDir: cmd.studentDir }));
    });
    this.ready.catch(() => {});
  }

  private onMessage(m: any): void {
    if (m === null || typeof m !== "object" || Array.isArray(m) || typeof m.type !== "string") throw new ChannelError("a message has no type");
    if (this.onReady && (m.type === "ready" || m.type === "init-error")) {
      const f = this.onReady;
      this.onReady = null;
      return f(m);
    }
    const p = this.pending;
    if (!p || m.token !== p.token) return;
    if (m.type === "loading") p.loading = String(m.module).slice(0, 200);
    else if (m.type === "started") p.loading = null;
    else if (m.type === "result") {
      if (typeof m.ok !== "boolean") throw new ChannelError("a result has no ok field");
      if (!m.ok && (m.error === null || typeof m.error !== "object" || typeof m.error.message !== "string" || typeof m.error.kind !== "string")) throw new ChannelError("an error result is malformed");
      if (!m.ok) m.error = { kind: m.error.kind.slice(0, 40), message: m.error.message.slice(0, 4000) };
      this.settle({ kind: "result", msg: m });
    }
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

  /** Run test `index` on `input` (built by the grader, withheld fields removed). */
  run(index: number, timeoutMs: number, input: unknown): Promise<Outcome> {
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
      if (this.channelError) return this.settle({ kind: "channel", message: this.channelError });
      if (!this.alive) return this.settle({ kind: "exit", code: this.exited!.code, signal: this.exited!.signal, loading: null });
      let frame: Buffer;
      try {
        frame = encode({ type: "run", index, token, input });
      } catch (e) {
        return this.settle({ kind: "channel", message: `the test's input could not be sent: ${(e as Error).message}` });
      }
      (this.proc.stdio[3] as import("node:net").Socket).write(frame);
    });
  }

  kill(): void {
    clearInterval(this.memTimer);
    if (this.alive) this.proc.kill("SIGKILL");
  }
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
  const gradwork = require(path.join(packageRoot(), "dist", "index.js"));
  return compileTests(sources, { gradwork, harness });
}

/** Read the public and extra test folders (`runSide`: the sandbox's half only, see `runSideSource`). */
export function testSources(opts: Pick<GradeOptions, "tests" | "publicTests">, runSide = false): TestSource[] {
  const root = packageRoot();
  const dirs: { dir: string; visibility?: Visibility; label?: string }[] = [];
  if (opts.publicTests !== false) dirs.push({ dir: path.join(root, "test", "tasks"), label: "test/tasks" });
  for (const d of opts.tests ?? []) dirs.push({ dir: path.resolve(d), visibility: "after_due_date", label: `extra:${path.basename(path.resolve(d))}` });
  return readTestSources(dirs, { runSide });
}

/**
 * The inputs of a test, short enough to read and redo by hand: numbers rounded, long arrays and typed
 * arrays summarized, withheld fields left out.
 */
export function describeInputs(input: unknown, withhold: readonly string[] = []): string {
  if (input === undefined) return "";
  const show = (v: unknown, depth: number): string => {
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
    if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
    if (v === null || typeof v !== "object") return String(v);
    if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
    if (depth > 3) return "…";
    if (Array.isArray(v)) return v.length > 12 ? `[${v.slice(0, 6).map((x) => show(x, depth + 1)).join(", ")}, … ${v.length} items]` : `[${v.map((x) => show(x, depth + 1)).join(", ")}]`;
    const keys = Object.keys(v).filter((k) => depth > 0 || !withhold.includes(k));
    return `{ ${keys.map((k) => `${k}: ${show((v as Record<string, unknown>)[k], depth + 1)}`).join(", ")} }`;
  };
  const text = show(input, 0);
  return text.length > 600 ? text.slice(0, 600) + " …" : text;
}

function describeError(err: { kind: string; message: string }, taskId: string): { status: TestResult["status"]; output: string } {
  if (err.kind === "not-implemented") {
    const what = err.message.split("\n")[0].replace(/^NotImplementedError: /, "");
    const other = /Task (\d+\.\d+)/.exec(what)?.[1];
    if (other && other !== taskId) return { status: "not-implemented", output: `This test also calls task ${other}, which is not implemented yet` };
    // The library's message already says it: "Task 1.1 is not implemented yet: open the exercise file, …"
    return { status: "not-implemented", output: /not implemented yet/i.test(what) ? what : `Not implemented yet: ${what}` };
  }
  if (/^(LoadError|MissingFile): /.test(err.message)) return { status: "error", output: err.message.replace(/^(LoadError|MissingFile): /, "") };
  if (err.kind === "non-error") return { status: "error", output: `Your code ${err.message}` };
  return { status: "error", output: `Your code raised ${err.message}` };
}

/**
 * The tests `opts` selects (loaded in this process; nothing runs).
 *
 * @example
 * listTests({ tasks: ["4"] }).map((t) => t.id); // ["4.1", "4.1", "4.2", ...]
 */
export function listTests(opts: Pick<GradeOptions, "tests" | "publicTests" | "tasks">): TaskTest[] {
  return loadParentTests(testSources(opts)).filter((t) => selected(t, opts.tasks));
}

/** Run a trusted check with a time limit (the watchdog stops it even inside a loop). */
export function boundedCheck(t: TaskTest, observed: unknown, input: unknown, seconds: number): void | string {
  const ctx = vm.createContext({ check: t.check, observed, input });
  return new vm.Script("check(observed, input)").runInContext(ctx, { timeout: seconds * 1000 }) as void | string;
}

let cleaned = false;
let sigusr1Guard = false;

/** Which level `opts` demands, or null. */
function required(opts: GradeOptions): IsolationLevel | null {
  const r = opts.requireIsolation ?? ((opts.tests?.length ?? 0) > 0 ? "bubblewrap" : false);
  if (r === false) return null;
  return r === true ? "bubblewrap" : r;
}

/**
 * Grade the modules in `opts.target` against the task tests.
 *
 * @example
 * const r = await grade({ target: "solutions", tasks: ["1"] });
 */
export async function grade(opts: GradeOptions = {}): Promise<GradeReport> {
  const t0 = Date.now();
  const root = packageRoot();
  if (!cleaned) {
    cleaned = true;
    cleanStale();
  }
  if (!sigusr1Guard) {
    // Without a pid namespace, a child of the same user could send SIGUSR1 to open our inspector: a
    // listener turns that default off.
    sigusr1Guard = true;
    process.on("SIGUSR1", () => {});
  }
  const iso = isolation();
  const need = required(opts);
  if (need && LEVELS.indexOf(iso.level) < LEVELS.indexOf(need))
    throw new Error(`refusing to grade: isolation "${need}" is required (hidden tests are used, or --require-isolation) but this machine allows only "${iso.level}" (${iso.detail}). Install bubblewrap (apt-get install bubblewrap), or pass --no-require-isolation to accept the weaker level.`);
  const target = path.resolve(opts.target ?? path.join(root, "exercises"));
  const sources = testSources(opts);
  const all = loadParentTests(sources);
  const runSources = testSources(opts, true);
  // The child compiles the run side of the same sources in the same order: a test is addressed by its index in `all`.
  const indexOf = new Map(all.map((t, i) => [t, i] as const));
  const tests = all.filter((t) => selected(t, opts.tasks));
  if (opts.tasks?.length && tests.length === 0) throw new Error(`no task tests match --task ${opts.tasks.join(",")}`);
  const taskBudget = new Map<string, number>();
  const perTask = (opts.taskTimeout ?? 30) * 1000;
  const totalSeconds = opts.totalTimeout ?? 600;
  const deadline = t0 + totalSeconds * 1000;
  const memoryMb = opts.memoryMb ?? 1024;
  const checkSeconds = opts.checkTimeout ?? 20;
  const box = makeSandbox(target, libraryImage(root));
  const out = { text: "" };
  const results: TestResult[] = [];
  const brokenModules = new Map<string, string>();
  const compileErrors: Record<string, string[]> = {};
  let typeChecked = false;
  let child: Child | null = null;
  let startFailure: string | null = null;

  try {
    // Syntax now (nothing that does not parse runs); type errors from a worker thread while the tests run.
    const compiled = compileSubmission(box.sources, root, { typeCheck: false });
    const typed = opts.typeCheck !== false && typescript() ? typeCheck(box.sources, root, Math.max(30_000, deadline - Date.now())) : null;
    for (const f of compiled.files.values()) {
      const mod = f.name.replace(/\.(ts|js)$/, "");
      if (f.js !== undefined) fs.writeFileSync(path.join(box.studentDir, `${mod}.js`), f.js, { mode: 0o644 });
      else {
        compileErrors[f.name] = f.errors;
        brokenModules.set(mod, `${f.name} does not compile, so its tasks were not run:\n${f.errors.join("\n")}`);
      }
    }
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
        child = new Child(box, runSources, memoryMb, totalSeconds + 30, out);
        try {
          const ids = await child.ready;
          const expected = all.map((x) => `${x.id} ${x.name}`);
          if (ids.length !== expected.length || ids.some((x, i) => x !== expected[i])) throw new Error("the sandbox's half of the task tests does not register the same tests as the grader's (a test whose name or order depends on check-only code?)");
        } catch (e) {
          startFailure = `The grader could not start the sandbox: ${(e as Error).message}`;
          child.kill();
          record("grader-error", 0, startFailure);
          continue;
        }
      }
      // Inputs are built here, in the grader, and sent as data; prepare() is not counted in the task's time.
      let input: unknown;
      try {
        input = t.prepare ? await t.prepare() : t.inputs();
      } catch (e) {
        record("grader-error", 0, `The test itself failed to ${t.prepare ? "prepare its data" : "build its inputs"}: ${(e as Error)?.message ?? String(e)}`);
        continue;
      }
      const started = Date.now();
      const o = await child.run(indexOf.get(t)!, left, withheld(input, t.withhold));
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
      if (o.kind === "channel") {
        record("failed", 0, `The submission sent the grader malformed data (${o.message}); the test fails`);
        child?.kill();
        child = null;
        continue;
      }
      if (o.kind === "exit") {
        const how = o.signal
          ? `crashed (signal ${o.signal}; usually the ${memoryMb} MB memory limit, the CPU-time limit or a native crash)`
          : `exited with code ${o.code} (did your code call process.exit()? that is not allowed)`;
        const msg = o.loading ? `Loading ${o.loading}.ts ended the grading process: it ${how}` : `The grading process ${how} during this test`;
        if (o.loading) brokenModules.set(o.loading, msg);
        record("crashed", 0, msg);
        continue;
      }
      const m = o.msg;
      if (!m.ok) {
        const d = describeError(m.error ?? { kind: "error", message: "unknown error" }, t.id);
        record(d.status, 0, d.output);
        continue;
      }
      try {
        const note = boundedCheck(t, m.data, input, checkSeconds);
        record("passed", t.points, typeof note === "string" && note ? `Passed: ${note}` : "Passed");
      } catch (e) {
        const isCheck = e instanceof harness.CheckFailure;
        const timedOut = (e as { code?: string })?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT";
        const shown = describeInputs(input, t.withhold);
        const why = isCheck
          ? `Wrong result: ${(e as Error).message}`
          : timedOut
            ? `Wrong result: checking it took longer than ${checkSeconds} s`
            : `Wrong result (the check could not read it): ${(e as Error)?.message ?? String(e)}`;
        record("failed", 0, shown ? `${why}\nInputs: ${shown}` : why);
      }
    }
    if (typed) {
      const tc = await typed;
      typeChecked = tc.checked;
      for (const [file, errors] of Object.entries(tc.errors)) {
        if (compileErrors[file]) continue;
        compileErrors[file] = errors;
        const mod = file.replace(/\.(ts|js)$/, "");
        const msg = `${file} does not compile, so its tasks score nothing:\n${errors.join("\n")}`;
        for (const r of results) if (r.module === mod) Object.assign(r, { status: "error", score: 0, output: msg });
      }
    }
  } finally {
    child?.kill();
    box.cleanup();
  }
  const score = results.reduce((a, r) => a + r.score, 0);
  const maxScore = results.reduce((a, r) => a + r.points, 0);
  return {
    target,
    score,
    maxScore,
    tests: results,
    tasks: summarize(results),
    executionMs: Date.now() - t0,
    studentOutput: out.text,
    files: box.files,
    isolation: { level: iso.level, detail: iso.detail },
    compileErrors,
    typeChecked,
    typeCheckDisabled: opts.typeCheck === false,
  };
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
