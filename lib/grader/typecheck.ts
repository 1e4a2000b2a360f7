/**
 * Type-checking a submission in a worker thread of the grader, while its tests already run in the
 * sandbox: files are parsed (syntax) before anything runs, and their type errors, which take longer to
 * find, arrive before the report is final. One worker per grader process keeps the compiler's parsed
 * declaration files (the library's, Node's) between submissions of a batch.
 *
 * @example
 * const errors = await typeCheck(new Map([["a.ts", "export const n: number = 'x';"]]), packageRoot());
 * errors["a.ts"]; // ["a.ts:1:14 error TS2322: Type 'string' is not assignable to type 'number'."]
 */
import { Worker } from "node:worker_threads";
import * as path from "node:path";

let worker: Worker | null = null;
let seq = 0;
const waiting = new Map<number, (r: { errors: Record<string, string[]>; checked: boolean }) => void>();

function start(): Worker {
  const w = new Worker(path.join(__dirname, "typecheck-worker.js"));
  w.on("message", (m: { id: number; errors: Record<string, string[]>; checked: boolean }) => {
    waiting.get(m.id)?.({ errors: m.errors, checked: m.checked });
    waiting.delete(m.id);
  });
  const fail = () => {
    worker = null;
    for (const done of waiting.values()) done({ errors: {}, checked: false });
    waiting.clear();
  };
  w.on("error", fail);
  w.on("exit", fail);
  // After the listeners (adding a "message" listener refs the worker): a waiting worker never keeps the
  // grader's process alive; a pending check is held by its own timer.
  w.unref();
  return w;
}

/**
 * Type errors of the files (only files with errors appear); `checked` is false when the typescript
 * package is missing or the check did not finish within `timeoutMs`.
 *
 * @example
 * await typeCheck(new Map([["ok.ts", "export const x = 1;"]]), packageRoot()); // { errors: {}, checked: true }
 */
export function typeCheck(sources: Map<string, string>, root: string, timeoutMs = 120_000): Promise<{ errors: Record<string, string[]>; checked: boolean }> {
  worker ??= start();
  const id = ++seq;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      resolve({ errors: {}, checked: false });
    }, timeoutMs);
    waiting.set(id, (r) => {
      clearTimeout(timer);
      resolve(r);
    });
    worker!.postMessage({ id, sources: [...sources], root });
  });
}
