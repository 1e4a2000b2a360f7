/** The report's wording (lib/grader/report.ts): what the console table says about type-checking. */
import { describe, expect, it } from "vitest";
import { formatTable } from "../../lib/grader/report";
import type { GradeReport } from "../../lib/grader/runner";

function report(over: Partial<GradeReport>): GradeReport {
  return {
    target: "/tmp/sub",
    score: 0,
    maxScore: 0,
    tests: [],
    tasks: [],
    executionMs: 1200,
    studentOutput: "",
    files: ["01-chain-rule.ts"],
    isolation: { level: "bubblewrap", detail: "test" },
    compileErrors: {},
    typeChecked: true,
    typeCheckDisabled: false,
    ...over,
  };
}

describe("formatTable: type-checking line", () => {
  it("says nothing when the files were type-checked", () => {
    expect(formatTable(report({}))).not.toMatch(/type-checking/);
  });
  it("says type-checking was turned off when the option turned it off", () => {
    const text = formatTable(report({ typeChecked: false, typeCheckDisabled: true }));
    expect(text).toMatch(/type-checking turned off/);
    expect(text).not.toMatch(/not installed/);
  });
  it("says the typescript package is missing when it is", () => {
    expect(formatTable(report({ typeChecked: false, typeCheckDisabled: false }))).toMatch(/typescript package is not installed/);
  });
  it("lists compile errors per file before the isolation line", () => {
    const lines = formatTable(report({ compileErrors: { "02-sigmoid.ts": ["line 3, column 5: ';' expected"] } })).split("\n");
    const i = lines.indexOf("02-sigmoid.ts does not compile:");
    expect(i).toBeGreaterThanOrEqual(0);
    expect(lines[i + 1]).toBe("  line 3, column 5: ';' expected");
    expect(lines.findIndex((l) => l.startsWith("Isolation: bubblewrap"))).toBeGreaterThan(i);
  });
});
