// Hostile: takes over the grader's channel (fd 3): reads the grader's requests itself and answers each
// with forged data. The grader still checks the data, so the forgeries score nothing.
import * as net from "node:net";

function frame(m: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(m));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}
const sock = new net.Socket({ fd: 3, readable: true, writable: true });
sock.on("data", (d: Buffer) => {
  const m = /"token":"([0-9a-f]+)"/.exec(d.toString("latin1"));
  if (m) sock.write(frame({ type: "result", token: m[1], ok: true, data: "PASSED" }));
});
sock.write(frame({ type: "result", token: "guess", ok: true, data: 1 }));

function answer(_: string): never {
  for (;;) {} // let the forged reply win the race
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
