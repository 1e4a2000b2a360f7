// Hostile (issue 13, item 4): searches the sandbox's own heap for the hidden test's expected value
// (the hidden test checks addBackward(1, 2, 3)[0] against a number only its check knows).
import * as v8 from "node:v8";

function hunt(): number | null {
  const snap = v8.getHeapSnapshot();
  let text = "";
  let chunk: Buffer | null;
  while ((chunk = snap.read()) !== null) text += chunk.toString("latin1");
  const m = /expectClose\)\(got, ([0-9.]+)/.exec(text) ?? /expectClose\(got, ([0-9.]+)/.exec(text);
  return m ? Number(m[1]) : null;
}
export function addBackward(x: number, y: number, d: number): [number, number] {
  const v = hunt();
  if (v === null) throw new Error("the expected value is not in the sandbox's memory");
  return [v, v];
}
function answer(_: string): never {
  throw new Error("not done");
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
