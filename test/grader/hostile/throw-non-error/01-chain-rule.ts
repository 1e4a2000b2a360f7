// Hostile: throws values that are not Errors.
export function addBackward(x: number, y: number, d: number): [number, number] {
  throw 42;
}
export function mulBackward(x: number, y: number, d: number): [number, number] {
  throw null;
}
export function maxBackward(x: number, y: number, d: number): [number, number] {
  throw { toString() { throw new Error("gotcha"); } };
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
