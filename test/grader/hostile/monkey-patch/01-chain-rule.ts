// Hostile: wrong answers, plus patches of Math, JSON, Array.prototype and the library itself that would
// make an in-process comparison pass. Checks run in the grader process, so nothing changes.
import * as gw from "gradwork";

Math.abs = () => 0;
Math.max = () => Infinity;
Number.isNaN = () => true;
JSON.stringify = () => '"same"';
(Array.prototype as any).every = function () { return true; };
(gw.Value.prototype as any).backward = function () {};
Object.defineProperty(gw.Value.prototype, "grad", { get: () => 0, set: () => {} });

export function addBackward(x: number, y: number, d: number): [number, number] {
  return [0, 0];
}
export function mulBackward(x: number, y: number, d: number): [number, number] {
  return [0, 0];
}
export function maxBackward(x: number, y: number, d: number): [number, number] {
  return [0, 0];
}
export function numericalGradient(f: (x: number[]) => number, x: number[]): number[] {
  x[0] = NaN;
  return x.map(() => 0);
}
export function backpropAddMul(x: number, y: number, z: number) {
  return { f: 0, dx: 0, dy: 0, dz: 0 };
}
export function backpropExample(x1: number, x2: number) {
  return { f: 0, dx1: 0, dx2: 0 };
}
