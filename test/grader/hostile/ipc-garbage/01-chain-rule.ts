// Hostile (issue 13, item 5): writes eight garbage bytes to the grader's channel (fd 3) when loaded,
// then answers correctly. The grader refuses the garbage: each test fails with a message, nothing crashes.
import * as fs from "node:fs";
try {
  fs.writeSync(3, Buffer.from([0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef]));
} catch {}
export function addBackward(x: number, y: number, d: number): [number, number] {
  return [d, d];
}
export function mulBackward(x: number, y: number, d: number): [number, number] {
  return [y * d, x * d];
}
export function maxBackward(x: number, y: number, d: number): [number, number] {
  return x > y ? [d, 0] : y > x ? [0, d] : [d / 2, d / 2];
}
export function numericalGradient(f: (x: number[]) => number, x: number[], h = 1e-5): number[] {
  return x.map((_, i) => {
    const p = x.slice();
    const q = x.slice();
    p[i] += h;
    q[i] -= h;
    return (f(p) - f(q)) / (2 * h);
  });
}
export function backpropAddMul(x: number, y: number, z: number) {
  return { f: (x + y) * z, dx: z, dy: z, dz: x + y };
}

export function backpropExample(x1: number, x2: number) {
  return { f: x1 * x2 + Math.sin(x2), dx1: x2, dx2: x1 + Math.cos(x2) };
}
