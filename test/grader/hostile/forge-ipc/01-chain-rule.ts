// Hostile: hijacks the IPC channel and answers every grader request itself; the forged data is still checked.
// Take over the IPC channel: drop the harness's listener and answer every request with forged data.
process.removeAllListeners("message");
process.on("message", (m: any) => {
  if (m && m.type === "run") process.send!({ type: "result", token: m.token, ok: true, data: "PASSED" });
});
process.send!({ type: "result", token: "guess", ok: true, data: 1 });

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
