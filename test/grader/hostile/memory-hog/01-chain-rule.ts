// Hostile: task 1.2 allocates without bound; the other tasks are correct.
export function addBackward(x: number, y: number, d: number): [number, number] {
  return [d, d];
}
export function mulBackward(x: number, y: number, d: number): [number, number] {
  return [y * d, x * d];
}
export function maxBackward(x: number, y: number, d: number): [number, number] {
  return x > y ? [d, 0] : y > x ? [0, d] : [d / 2, d / 2];
}
export function numericalGradient(f: (x: number[]) => number, x: number[]): number[] {
  const hog: number[][] = [];
  for (;;) hog.push(new Array(1e6).fill(Math.random()));
}
export function backpropAddMul(x: number, y: number, z: number) {
  return { f: (x + y) * z, dx: z, dy: z, dz: x + y };
}

export function backpropExample(x1: number, x2: number) {
  return { f: x1 * x2 + Math.sin(x2), dx1: x2, dx2: x1 + Math.cos(x2) };
}
