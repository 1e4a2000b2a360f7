// The published package as a user gets it: `npm pack` the built library, install the tarball into a
// fresh project without dev dependencies (from the npm cache when possible), then use it from ESM,
// CommonJS and strict TypeScript (and `gradwork/grader` once package.json exports it).
// Needs dist/ (`npm test` builds first).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
const hasGrader = Boolean(PKG.exports?.["./grader"]);

let work = "";
let tarball = "";
let project = "";
let entries: string[] = [];

function run(cmd: string, args: string[], cwd: string, timeout = 120_000): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", timeout, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_loglevel: "error" } });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${err.stderr || ""}${err.stdout || ""}${err.message}`);
  }
}

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, "dist", "index.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "gradwork-pack-")));
  // --ignore-scripts: dist/ is already built; `prepare` would rebuild it and register the kernel.
  const out = run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], ROOT);
  const info = JSON.parse(out.slice(out.indexOf("[")))[0] as { filename: string; files: { path: string }[] };
  tarball = path.join(work, info.filename);
  entries = info.files.map((f) => f.path);

  project = path.join(work, "consumer");
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
  run("npm", ["install", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund", tarball], project, 300_000);
}, 420_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe("the tarball", () => {
  it("holds the built library and README, never the answer key, tests, exercises or notebooks", () => {
    expect(entries).toContain("dist/index.js");
    expect(entries).toContain("dist/index.d.ts");
    expect(entries).toContain("README.md");
    expect(entries.some((f) => f.endsWith(".wasm"))).toBe(true); // the cpu backend's kernels
    const forbidden = entries.filter((f) => /^(solutions|test|exercises|notebooks|bench|lib|\.ci)\//.test(f) || f.endsWith(".ipynb"));
    expect(forbidden).toEqual([]);
    // Belt and braces: the tarball bytes themselves.
    const listed = run("tar", ["tzf", tarball], work).split("\n").filter(Boolean);
    expect(listed.filter((f) => /^package\/(solutions|test|exercises|notebooks)\//.test(f))).toEqual([]);
    expect(listed.length).toBe(entries.length);
  });

  it("installs without the notebook stack, the bench peers or a self-dependency", () => {
    const nm = path.join(project, "node_modules");
    for (const absent of ["tslab", "typescript", "@tensorflow", "convnetjs", "wabt", "vitest"]) {
      expect(fs.existsSync(path.join(nm, absent)), `${absent} should not be installed`).toBe(false);
    }
    expect(fs.existsSync(path.join(nm, ".bin", "tsc"))).toBe(false);
    const installed = JSON.parse(fs.readFileSync(path.join(nm, "gradwork", "package.json"), "utf8"));
    expect(installed.dependencies?.gradwork).toBeUndefined();
    expect(installed.dependencies?.tslab).toBeUndefined();
    // `npm ls` exits non-zero on an invalid or missing dependency.
    run("npm", ["ls", "--omit=dev", "--all"], project);
  });
});

describe("consumers", () => {
  it("ESM: import * as gw from \"gradwork\" computes on the cpu backend", () => {
    fs.writeFileSync(
      path.join(project, "esm.mjs"),
      `import * as gw from "gradwork";
import gwDefault from "gradwork";
const x = gw.tensor([[1, 2], [3, 4]]);
const big = gw.ones([128, 128]).matmul(gw.ones([128, 128]));
console.log(JSON.stringify({ y: x.matmul(x).toArray(), big: big.sum().item(), backend: gw.getBackend(), same: gwDefault.tensor === gw.tensor, nn: typeof gw.nn.Linear }));
`,
    );
    const r = JSON.parse(run(process.execPath, ["esm.mjs"], project).trim().split("\n").pop()!);
    expect(r.y).toEqual([[7, 10], [15, 22]]);
    expect(r.big).toBe(128 * 128 * 128);
    expect(r.backend).toBe("cpu");
    expect(r.same).toBe(true);
    expect(r.nn).toBe("function");
  });

  it("CommonJS: require(\"gradwork\") trains a layer and saves safetensors", () => {
    fs.writeFileSync(
      path.join(project, "cjs.cjs"),
      `const gw = require("gradwork");
gw.manualSeed(0);
const net = new gw.nn.Linear(2, 1);
const opt = new gw.optim.SGD(net.parameters(), { lr: 0.1 });
const X = gw.tensor([[0, 1], [1, 0]]), y = gw.tensor([[1], [2]]);
let first = 0, last = 0;
for (let i = 0; i < 50; i++) { opt.zeroGrad(); const l = gw.F.mseLoss(net.forward(X), y); l.backward(); opt.step(); if (i === 0) first = l.item(); last = l.item(); }
gw.save(net, "net.safetensors");
console.log(JSON.stringify({ first, last, bytes: require("fs").statSync("net.safetensors").size }));
`,
    );
    const r = JSON.parse(run(process.execPath, ["cjs.cjs"], project).trim().split("\n").pop()!);
    expect(r.last).toBeLessThan(r.first / 10);
    expect(r.bytes).toBeGreaterThan(0);
  });

  it("strict TypeScript type-checks against the shipped declarations (nodenext and node10 resolution)", () => {
    fs.writeFileSync(
      path.join(project, "typed.ts"),
      `import * as gw from "gradwork";
const t: gw.Tensor = gw.tensor([[1, 2], [3, 4]], { requiresGrad: true });
const s: number = t.sum().item();
const shape: readonly number[] = t.shape;
const net: gw.nn.Module = new gw.nn.Sequential(new gw.nn.Linear(2, 3), new gw.nn.ReLU());
const out: gw.Tensor = net.forward(t);
// @ts-expect-error a string is not a tensor
gw.add("x", t);
export const used = [s, shape, out];
`,
    );
    const common = ["--strict", "--noEmit", "--skipLibCheck", "false", "--types", "node", "--typeRoots", path.join(ROOT, "node_modules", "@types"), "--target", "es2022"];
    run(process.execPath, [TSC, ...common, "--module", "nodenext", "--moduleResolution", "nodenext", "typed.ts"], project);
    run(process.execPath, [TSC, ...common, "--module", "commonjs", "--moduleResolution", "node10", "--ignoreDeprecations", "5.0", "typed.ts"], project);
  }, 300_000); // two full type-checks: slow on a busy machine

  it("the gradwork-train command is installed and answers --version and -h", () => {
    const bin = path.join(project, "node_modules", ".bin", "gradwork-train");
    expect(fs.existsSync(bin)).toBe(true);
    expect(run(bin, ["--version"], project).trim()).toBe(`gradwork ${PKG.version}`);
    expect(run(bin, ["-h"], project)).toMatch(/--resume FILE/);
  });

  it.runIf(hasGrader)("gradwork/grader loads from the installed package (ESM and CommonJS)", () => {
    fs.writeFileSync(
      path.join(project, "grader.mjs"),
      `import * as g from "gradwork/grader";
const c = (await import("node:module")).createRequire(import.meta.url)("gradwork/grader");
console.log(JSON.stringify({ esm: Object.keys(g).length, cjs: Object.keys(c).length }));
`,
    );
    const r = JSON.parse(run(process.execPath, ["grader.mjs"], project).trim().split("\n").pop()!);
    expect(r.esm).toBeGreaterThan(0);
    expect(r.cjs).toBeGreaterThan(0);
  });

  it("declares an engines range that includes the Node running this test", () => {
    const m = /^>=(\d+)\.(\d+)/.exec(PKG.engines.node);
    expect(m, `engines.node is ${PKG.engines.node}`).not.toBeNull();
    const [major, minor] = process.versions.node.split(".").map(Number);
    expect(major > Number(m![1]) || (major === Number(m![1]) && minor >= Number(m![2]))).toBe(true);
  });
});
