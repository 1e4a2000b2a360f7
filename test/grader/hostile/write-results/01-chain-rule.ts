// Hostile: tries to write a perfect results.json everywhere and prints a fake score; the answers are stubs.
import * as fs from "node:fs";
const fake = JSON.stringify({ score: 1000, tests: [] });
for (const p of ["results.json", "../results.json", "/work/main/results.json", "/autograder/results/results.json", process.cwd() + "/../../results.json"]) {
  try {
    fs.writeFileSync(p, fake);
  } catch (e) {
    console.log("write refused:", p, (e as any).code);
  }
}
console.log(fake);
export function addBackward(x: number, y: number, d: number): [number, number] {
  throw new Error("not done");
}
export function mulBackward(x: number, y: number, d: number): [number, number] {
  throw new Error("not done");
}
export function maxBackward(x: number, y: number, d: number): [number, number] {
  throw new Error("not done");
}
export function numericalGradient(f: (x: number[]) => number, x: number[], h = 1e-5): number[] {
  throw new Error("not done");
}
export function backpropAddMul(x: number, y: number, z: number): { f: number; dx: number; dy: number; dz: number } {
  throw new Error("not done");
}
export function backpropExample(x1: number, x2: number): { f: number; dx1: number; dx2: number } {
  throw new Error("not done");
}
