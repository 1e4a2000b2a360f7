// Hostile: tries to read the reference solutions and the task tests; every function reports what it got.
import * as fs from "node:fs";
import * as path from "node:path";
function tryRead(p: string): string {
  try {
    return "READ " + fs.readFileSync(p, "utf8").length + " chars of " + p;
  } catch (e) {
    return "denied " + (e as any).code + " " + p;
  }
}
const root = path.resolve(process.argv[1], "../../..");
const report = [root + "/solutions/01-chain-rule.ts", root + "/test/tasks/01-chain-rule.task.ts", "/work/main/solutions/01-chain-rule.ts", "/autograder/source/hidden-tests"].map(tryRead).join("; ");
function leak(): never {
  throw new Error(report);
}
export function addBackward(x: number, y: number, d: number): [number, number] {
  return leak();
}
export function mulBackward(x: number, y: number, d: number): [number, number] {
  return leak();
}
export function maxBackward(x: number, y: number, d: number): [number, number] {
  return leak();
}
export function numericalGradient(f: (x: number[]) => number, x: number[]): number[] {
  return leak();
}
export function backpropAddMul(x: number, y: number, z: number): { f: number; dx: number; dy: number; dz: number } {
  return leak();
}
export function backpropExample(x1: number, x2: number): { f: number; dx1: number; dx2: number } {
  return leak();
}
