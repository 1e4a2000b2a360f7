// Hostile (issue 13, item 1): climbs out of the sandbox through the library's folder ("dist/.." once
// led to the checkout through a symlink), /proc and parent folders, looking for the reference solutions,
// the task tests, hidden tests, TypeScript and the CIFAR-10 labels. If any solution is found, it answers
// with it (full marks); otherwise every function fails.
import * as fs from "node:fs";
import * as path from "node:path";

const found: string[] = [];
let solution: any = null;
function probe(p: string): void {
  try {
    const text = fs.readFileSync(p, "utf8");
    found.push("READ " + p);
    if (p.endsWith("01-chain-rule.ts") && text.includes("export function addBackward")) solution = text;
  } catch {
    /* denied or absent */
  }
}
let lib = "";
try {
  lib = path.dirname(require.resolve("gradwork"));
} catch {}
const bases = [lib, path.join(lib, ".."), path.join(lib, "../.."), path.join(lib, "../../.."), path.dirname(__dirname), "/proc/1/root", "/proc/self/root", "/proc/1/cwd", "/", "/work/main", "/work/wt/grader", "/autograder/source"];
for (const b of bases) {
  for (const rel of ["solutions/01-chain-rule.ts", "dist/../solutions/01-chain-rule.ts", "test/tasks/01-chain-rule.task.ts", "hidden-tests/01.task.ts", "node_modules/typescript/package.json", "data/cifar10/test_batch.bin", "../shared/cifar10/README.md", "etc/shadow"]) probe(path.join(b, rel));
}
for (const d of ["/work", "/root", "/home", "/etc", "/usr/lib/node_modules"]) {
  try {
    found.push("LISTED " + d + ": " + fs.readdirSync(d).slice(0, 3).join(" "));
  } catch {}
}
function answer(name: string): any {
  if (solution) {
    const js = solution.replace(/: \[number, number\]|: number\[\]|: number|: \(x: number\[\]\) => number|: \{[^}]*\}/g, "");
    const m: any = { exports: {} };
    new Function("exports", "module", "require", js.replace(/export function/g, "exports.f_ = 0; function"))(m.exports, m, require);
  }
  throw new Error("found nothing: " + (found.join("; ") || "no file outside the sandbox"));
}
export function addBackward(x: number, y: number, d: number): [number, number] {
  return answer("add");
}
export function mulBackward(x: number, y: number, d: number): [number, number] {
  return answer("mul");
}
export function maxBackward(x: number, y: number, d: number): [number, number] {
  return answer("max");
}
export function numericalGradient(f: (x: number[]) => number, x: number[]): number[] {
  return answer("num");
}
export function backpropAddMul(x: number, y: number, z: number): { f: number; dx: number; dy: number; dz: number } {
  return answer("addmul");
}
export function backpropExample(x1: number, x2: number): { f: number; dx1: number; dx2: number } {
  return answer("example");
}
