/**
 * Compiling a submission before it runs (lib/grader/compile.ts): syntax and type errors per file with
 * line and column; a file that compiles is transpiled; an absurdly nested file is refused, not crashed on.
 */
import { describe, expect, it } from "vitest";
import * as path from "node:path";
import { compileSubmission, MAX_NESTING } from "../../lib/grader/compile";

const root = path.resolve(__dirname, "..", "..");

describe("compileSubmission", () => {
  it("transpiles a file that compiles, importing the library", () => {
    const { files, typeChecked } = compileSubmission(new Map([["a.ts", 'import * as gw from "gradwork";\nexport const t = (): number => gw.tensor([1, 2]).sum().item();\n']]), root);
    expect(typeChecked).toBe(true);
    const a = files.get("a.ts")!;
    expect(a.errors).toEqual([]);
    expect(a.js).toContain("exports.t");
  });

  it("reports a syntax error that transpiling alone would let through, with line and column", () => {
    const src = "export function f(d: number): number[] {\n  return [d, d;\n}\n";
    const { files } = compileSubmission(new Map([["01-chain-rule.ts", src]]), root);
    const f = files.get("01-chain-rule.ts")!;
    expect(f.js).toBeUndefined();
    expect(f.errors[0]).toMatch(/^01-chain-rule\.ts:2:15 error TS1005: ',' expected/);
  });

  it("reports type errors as tsc --strict would, and only for the file that has them", () => {
    const { files } = compileSubmission(new Map([["bad.ts", 'export const n: number = "one";\n'], ["good.ts", "export const m = 1;\n"]]), root);
    expect(files.get("bad.ts")!.errors[0]).toMatch(/^bad\.ts:1:14 error TS2322/);
    expect(files.get("good.ts")!.errors).toEqual([]);
    expect(compileSubmission(new Map([["bad.ts", 'export const n: number = "one";\n']]), root, { typeCheck: false }).files.get("bad.ts")!.errors).toEqual([]);
  });

  it("refuses a file nested deeper than the parser can take, naming where", () => {
    const deep = "export const x = " + "(".repeat(100_000) + "1" + ")".repeat(100_000) + ";\n";
    const { files } = compileSubmission(new Map([["deep.ts", deep], ["ok.ts", "export const y = 2;\n"]]), root);
    expect(files.get("deep.ts")!.errors[0]).toBe(`deep.ts:1:${17 + MAX_NESTING + 1} error: brackets nest more than ${MAX_NESTING} levels deep here; the grader does not compile such a file`);
    expect(files.get("ok.ts")!.js).toContain("exports.y");
  });
});
