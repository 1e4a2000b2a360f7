/**
 * Worker thread of typecheck.ts (never imported): type-checks submissions one message at a time.
 */
import { parentPort } from "node:worker_threads";
import { compileSubmission } from "./compile";

parentPort!.on("message", (m: { id: number; sources: [string, string][]; root: string }) => {
  try {
    const { files, typeChecked } = compileSubmission(new Map(m.sources), m.root, { typeCheck: true });
    const errors: Record<string, string[]> = {};
    for (const f of files.values()) if (f.errors.length) errors[f.name] = f.errors;
    parentPort!.postMessage({ id: m.id, errors, checked: typeChecked });
  } catch {
    parentPort!.postMessage({ id: m.id, errors: {}, checked: false });
  }
});
