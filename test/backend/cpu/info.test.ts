import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..", "..", "..");
const probe = `const gw = require(${JSON.stringify(resolve(ROOT, "dist", "index.js"))});
const y = gw.ones([64, 64]).matmul(gw.ones([64, 64])).sum().item();
console.log(JSON.stringify({ y, backend: gw.getBackend(), info: gw.cpuBackendInfo() }));`;

function run(nodeFlags: string[]) {
  const r = spawnSync(process.execPath, [...nodeFlags, "-e", probe], { encoding: "utf8", timeout: 60_000, env: { ...process.env, GRADWORK_THREADS: "2" } });
  expect(r.status, r.stderr).toBe(0);
  return { ...JSON.parse(r.stdout.trim().split("\n").pop()!), stderr: r.stderr };
}

describe.runIf(existsSync(resolve(ROOT, "dist", "index.js")))("cpuBackendInfo", () => {
  it("reports the SIMD kernels and no fallback on this engine", () => {
    const r = run([]);
    expect(r.y).toBe(64 * 64 * 64);
    expect(r.backend).toBe("cpu");
    expect(r.info).toMatchObject({ simd: true, fallbackReason: null });
  });

  it("says why when the cpu backend falls back to the reference kernels (no WebAssembly under --jitless)", () => {
    const r = run(["--jitless"]);
    expect(r.y).toBe(64 * 64 * 64); // still correct, only slower
    expect(r.backend).toBe("cpu");
    expect(r.info.simd).toBe(false);
    expect(r.info.fallbackReason).toMatch(/WebAssembly/);
    expect(r.stderr).toMatch(/using the reference kernels/);
  });
});
