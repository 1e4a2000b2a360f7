// Hostile (issue 13, item 3): tries TCP, HTTP, a Unix socket and UDP to servers the test started
// (their addresses are filled in by the test). Every function fails; the servers must hear nothing.
import * as net from "node:net";
import * as http from "node:http";
import * as dgram from "node:dgram";

const tcp = Number("__TCP_PORT__");
try {
  net.connect(tcp, "127.0.0.1").on("error", () => {}).on("connect", function (this: net.Socket) { this.write("tcp-leak"); });
} catch {}
try {
  http.get("http://127.0.0.1:" + tcp + "/http-leak").on("error", () => {});
} catch {}
try {
  net.connect("__UNIX_PATH__").on("error", () => {}).on("connect", function (this: net.Socket) { this.write("unix-leak"); });
} catch {}
try {
  const u = dgram.createSocket("udp4");
  u.on("error", () => {});
  u.send("udp-leak", Number("__UDP_PORT__"), "127.0.0.1", () => {});
} catch {}
function answer(_: string): never {
  const until = Date.now() + 300;
  while (Date.now() < until) {}
  throw new Error("no network");
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
