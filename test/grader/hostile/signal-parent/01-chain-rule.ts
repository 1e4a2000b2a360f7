// Hostile (issue 13, items 2 and 5): signals the grader (SIGUSR1 to open its inspector, SIGSTOP to
// freeze it, SIGTERM), then tries the inspector's port. The grader must finish on time regardless.
import * as net from "node:net";

const tried: string[] = [];
for (const sig of ["SIGUSR1", "SIGSTOP", "SIGTERM"] as const) {
  try {
    process.kill(process.ppid, sig);
    tried.push(sig + " sent to " + process.ppid);
  } catch (e) {
    tried.push(sig + " refused " + (e as any).code);
  }
}
const s = net.connect(9229, "127.0.0.1");
s.on("connect", () => tried.push("INSPECTOR OPEN"));
s.on("error", () => {});
function answer(_: string): never {
  throw new Error("signals: " + tried.join(", "));
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
