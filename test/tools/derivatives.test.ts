// docs/derivatives.md: generated from the record(...) calls of lib/ops and lib/nn; stale pages,
// wrong line numbers and ops without a formula fail here.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { derivativeIndex, recordSites } from "../../lib/tools/derivatives";

const root = resolve(__dirname, "../..");
const scratch = mkdtempSync(join(tmpdir(), "gradwork-derivatives-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fake package with the given lib/ops files (and an empty lib/nn). */
function fakeRoot(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, "lib", "ops"), { recursive: true });
  mkdirSync(join(dir, "lib", "nn"), { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, "lib", "ops", f), text);
  return dir;
}

describe("the derivative index", () => {
  it("is up to date (run `npm run docs:derivatives` after changing an op)", () => {
    expect(readFileSync(join(root, "docs", "derivatives.md"), "utf8")).toBe(derivativeIndex(root));
  });

  it("points every row at the line that records the backward, and lists the course's ops", () => {
    const sites = recordSites(root);
    for (const s of sites) expect(readFileSync(join(root, s.file), "utf8").split("\n")[s.line - 1], `${s.op} at ${s.file}:${s.line}`).toMatch(/\brecord\(/);
    const ops = sites.map((s) => s.op);
    for (const op of ["exp", "mul", "matmul", "conv2d", "maxPool2d", "avgPool2d", "maximum", "minimum", "max", "gather", "batchNorm"]) expect(ops).toContain(op);
  });

  it("reads op names from literals, expressions with literals and `// records:` comments", () => {
    const dir = fakeRoot("names", {
      "a.ts": [
        'return record(unaryK("exp", x), "exp", [x], (g) => [g]);',
        'return record(y, mode === "max" ? "maxPool2d" : "avgPool2d", [x], (g) => [g]);',
        "return record(y, op, [A, B], (g) => { // records: maximum, minimum",
      ].join("\n"),
    });
    expect(recordSites(dir).map((s) => `${s.op}@${s.line}`)).toEqual(["exp@1", "maxPool2d@2", "avgPool2d@2", "maximum@3", "minimum@3"]);
  });

  it("fails for an op without a formula, and for an op name it cannot read", () => {
    expect(() => derivativeIndex(fakeRoot("mystery", { "m.ts": 'return record(y, "mystery", [x], (g) => [g]);' }))).toThrow(/no formula for mystery \(lib\/ops\/m\.ts:1\)/);
    expect(() => recordSites(fakeRoot("unnamed", { "u.ts": "return record(y, opName, [x], (g) => [g]);" }))).toThrow(/lib\/ops\/u\.ts:1: .*add "\/\/ records: <op names>"/);
  });
});
