/**
 * Entry point of the sandboxed grading process (started by the runner, never imported).
 *
 * It receives the run side of the task tests (see `runSideSource`: no checks, no expected values)
 * over its channel (fd 3, see ipc.ts) before any student code is loaded, then runs one test at a time
 * on request, with the inputs the grader built, and answers with plain data or a description of what
 * the student's code threw. It never decides a score: the trusted parent checks the data.
 */
import * as path from "node:path";
import * as fsIo from "node:fs";
import { createRequire } from "node:module";
import { encode, FrameReader, decode } from "./ipc";
import * as harness from "./harness";
import { compileTests, type TestSource } from "./loader";
import type { TaskTest } from "./harness";

// Under Node 20's permission model fs.existsSync throws ERR_ACCESS_DENIED for a path outside the
// sandbox (later Node versions return false). Library code that probes for optional files at load
// time (e.g. the CIFAR-10 mirror) must see "not there" rather than crash.
{
  const fs = require("node:fs") as typeof import("node:fs");
  const exists = fs.existsSync;
  fs.existsSync = ((p: import("node:fs").PathLike) => {
    try {
      return exists(p);
    } catch {
      return false;
    }
  }) as typeof fs.existsSync;
}

// The channel (fd 3, a socket the grader made) through plain fd reads and writes: from Node 25 the
// permission model refuses net.Socket without --allow-net, and the sandbox keeps the network closed.
// Captured, with the intrinsics, before student code can touch them.
const CHANNEL_FD = 3;
const writeSync = fsIo.writeSync;
const readFd = fsIo.read;
const pause = new Int32Array(new SharedArrayBuffer(4));
const write = (buf: Buffer): void => {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(CHANNEL_FD, buf, off, buf.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
};
const encodeFrame = encode;
const send = (m: unknown): void => {
  try {
    write(encodeFrame(m));
  } catch (e) {
    write(encodeFrame({ type: "result", token: (m as { token?: string }).token, ok: false, error: { kind: "error", message: `the result could not be sent: ${(e as Error).message}` } }));
  }
};
const isArray = Array.isArray;
const objectKeys = Object.keys;
const isView = ArrayBuffer.isView;
const StringFn = String;
const now = Date.now;

type Init = { type: "init"; sources: TestSource[]; studentDir: string; backend?: string };
/** `input` is the test's input, built by the grader (inputs() or prepare()) with withheld fields removed. */
type Run = { type: "run"; index: number; token: string; input?: unknown };

let tests: TaskTest[] = [];
let studentDir = "";
let req: NodeRequire;
const loaded = new Map<string, { ok: true; mod: unknown } | { ok: false; error: string }>();

const LIMIT = 2_000_000;

/** Convert an observation to structured-clone-safe plain data. */
function toPlain(x: unknown, depth: number, budget: { n: number }): unknown {
  if (--budget.n < 0) throw new Error(`the result is too large to grade (more than ${LIMIT} values)`);
  if (x === null || x === undefined || typeof x === "number" || typeof x === "boolean" || typeof x === "string") return x;
  if (typeof x === "bigint") return Number(x);
  if (depth > 8) throw new Error("the result is nested too deeply (more than 8 levels)");
  if (typeof x === "object") {
    const o = x as any;
    if (isArray(o.shape) && typeof o.toFloat32Array === "function") {
      const data = o.toFloat32Array() as ArrayLike<number>;
      if (!isView(data)) throw new Error("a tensor's toFloat32Array() did not return a typed array");
      budget.n -= data.length;
      if (budget.n < 0) throw new Error(`the result is too large to grade (more than ${LIMIT} values)`);
      return { $tensor: true, shape: toPlain(o.shape, depth + 1, budget), data: Float64Array.from(data) };
    }
    if (isView(o)) {
      const n: number = (o as any).length ?? 0;
      budget.n -= n;
      if (budget.n < 0) throw new Error(`the result is too large to grade (more than ${LIMIT} values)`);
      return Float64Array.from(o as unknown as ArrayLike<number>);
    }
    if (isArray(o)) {
      const out: unknown[] = new Array(o.length);
      for (let i = 0; i < o.length; i++) out[i] = toPlain(o[i], depth + 1, budget);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const k of objectKeys(o)) out[k] = toPlain(o[k], depth + 1, budget);
    return out;
  }
  return { $unsupported: typeof x };
}

function safeString(v: unknown): string {
  try {
    return StringFn(v).slice(0, 500);
  } catch {
    return "(a value that cannot be printed)";
  }
}

/** Describe anything the student's code threw, without trusting it to behave. */
function describeThrown(e: unknown): { kind: string; message: string } {
  try {
    if (e !== null && typeof e === "object" && typeof (e as any).message === "string") {
      const name = typeof (e as any).name === "string" ? (e as any).name : "Error";
      const stack = typeof (e as any).stack === "string" ? (e as any).stack : "";
      const where = stack
        .split("\n")
        .filter((l: string) => l.includes(studentDir))
        .slice(0, 3)
        .map((l: string) => l.replace(studentDir + path.sep, "").trim())
        .join("\n");
      const kind = name === "NotImplementedError" ? "not-implemented" : "error";
      return { kind, message: `${name}: ${safeString((e as any).message)}${where ? "\n" + where : ""}` };
    }
    const shown = typeof e === "symbol" ? e.toString() : typeof e === "object" && e !== null ? "an object" : safeString(e);
    return { kind: "non-error", message: `threw a non-Error value (${typeof e === "object" ? "object" : typeof e}): ${shown}` };
  } catch {
    return { kind: "non-error", message: "threw a value that cannot be described" };
  }
}

function loadModule(name: string): unknown {
  const hit = loaded.get(name);
  if (hit) {
    if (hit.ok) return hit.mod;
    throw Object.assign(new Error(hit.error), { name: "LoadError" });
  }
  let file: string;
  try {
    file = req.resolve(path.join(studentDir, name));
  } catch {
    const error = `${name}.ts was not found in the submission`;
    loaded.set(name, { ok: false, error });
    throw Object.assign(new Error(error), { name: "MissingFile" });
  }
  try {
    const mod = req(file);
    loaded.set(name, { ok: true, mod });
    return mod;
  } catch (e) {
    const error = `${name}.ts could not be loaded: ${describeThrown(e).message}`;
    loaded.set(name, { ok: false, error });
    throw Object.assign(new Error(error), { name: "LoadError" });
  }
}

async function runTest(msg: Run): Promise<void> {
  const t = tests[msg.index];
  const start = now();
  try {
    if (!t) throw new Error(`no test number ${msg.index}`);
    if (!loaded.has(t.module)) send({ type: "loading", token: msg.token, module: t.module });
    const mod = loadModule(t.module);
    send({ type: "started", token: msg.token });
    let out = t.run(mod, msg.input);
    if (out !== null && typeof out === "object" && typeof (out as any).then === "function") out = await out;
    const data = toPlain(out, 0, { n: LIMIT });
    send({ type: "result", token: msg.token, ok: true, data, ms: now() - start });
  } catch (e) {
    send({ type: "result", token: msg.token, ok: false, error: describeThrown(e), ms: now() - start });
  }
}

process.on("uncaughtException", (e) => {
  process.stderr.write(`[grader] uncaught exception in the submission (ignored): ${describeThrown(e).message}\n`);
});
process.on("unhandledRejection", (e) => {
  process.stderr.write(`[grader] unhandled promise rejection in the submission (ignored): ${describeThrown(e).message}\n`);
});

const reader = new FrameReader(256 * 1024 * 1024);
const chunk = Buffer.alloc(1 << 20);
function readLoop(): void {
  readFd(CHANNEL_FD, chunk, 0, chunk.length, null, (err, n) => {
    if (err) {
      if (err.code === "EAGAIN") return void setTimeout(readLoop, 2);
      process.exit(70);
    }
    if (n === 0) process.exit(0); // the grader closed the channel
    for (const f of reader.push(Buffer.from(chunk.subarray(0, n)))) onMessage(decode(f, { depth: 64, items: 64_000_000 }));
    readLoop();
  });
}
readLoop();

function onMessage(m: Init | Run): void {
  if (m.type === "init") {
    try {
      studentDir = m.studentDir;
      req = createRequire(path.join(studentDir, "__grader__.js"));
      const gradwork = req("gradwork");
      if (m.backend) (gradwork as any).setBackend?.(m.backend);
      tests = compileTests(m.sources, { gradwork, harness });
      send({ type: "ready", count: tests.length, ids: tests.map((t) => `${t.id} ${t.name}`) });
    } catch (e) {
      // No student code has run yet: this is a problem of the installation or of the tests.
      const err = e as { message?: string; code?: string; resource?: string };
      send({ type: "init-error", message: `${err.message ?? String(e)}${err.resource ? ` (${err.code}: ${err.resource})` : ""}` });
    }
  } else if (m.type === "run") {
    void runTest(m);
  }
}
