/**
 * The trust split (lib/grader/loader.ts runSideSource): the sandbox gets each task's run function and
 * what it uses, never its check, inputs, prepare, expected values or the helpers only checks use.
 */
import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { runSideSource } from "../../lib/grader/loader";

const root = path.resolve(__dirname, "..", "..");

describe("runSideSource", () => {
  it("keeps run and what it uses; drops check, inputs, prepare, withhold and their helpers", () => {
    const src = [
      'import { suite, expectClose } from "gradwork/grader/harness";',
      'const { task } = suite<any>("m");',
      "const SECRET = 271828.1828;",
      "function expected(x: number) { return x * SECRET; }",
      "const scale = (x: number) => 2 * x;",
      'task("1.1", "a", 1, {',
      "  inputs: () => [1, 2, SECRET],",
      "  run: (m, xs) => xs.map((x: number) => m.f(scale(x))),",
      "  check: (got, xs) => expectClose(got, xs.map(expected)),",
      "});",
      'task("1.2", "b", 1, { prepare: async () => ({ labels: [SECRET] }), withhold: ["labels"], run: (m) => m.g(), check(got) { expectClose(got, 424242); } });',
    ].join("\n");
    const out = runSideSource(src, "m.task.ts");
    expect(out).toContain("run: (m, xs) => xs.map((x: number) => m.f(scale(x)))");
    expect(out).toContain("const scale");
    for (const gone of ["SECRET", "271828", "424242", "expected(", "labels"]) expect(out).not.toContain(gone);
    expect(out).toContain("check: undefined");
  });

  it("refuses a spec it cannot split", () => {
    expect(() => runSideSource('const spec = { run: () => 1, check: () => {} };\ntask("1.1", "a", 1, spec);', "x.task.ts")).toThrow(/object literal/);
    expect(() => runSideSource('task("1.1", "a", 1, { ...base, run: () => 1 });', "x.task.ts")).toThrow(/spread/);
  });

  it("leaves no expected value of the course's task tests in the sandbox's half", () => {
    const src = fs.readFileSync(path.join(root, "test/tasks/05-cifar10.task.ts"), "utf8");
    const out = runSideSource(src, "05-cifar10.task.ts");
    expect(out).toContain("buildModel");
    expect(out).not.toMatch(/testLabels\[|gradingImages\(|acc >= THRESHOLD/);
  });
});

describe("checks in the grader", () => {
  it("stop after their time limit, even in an endless loop", async () => {
    const { boundedCheck } = await import("../../lib/grader/runner");
    const t = { check: () => { for (;;) {} } } as any;
    const t0 = Date.now();
    expect(() => boundedCheck(t, 1, undefined, 0.3)).toThrow(expect.objectContaining({ code: "ERR_SCRIPT_EXECUTION_TIMEOUT" }));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(boundedCheck({ check: (got: number) => (got === 2 ? "fine" : undefined) } as any, 2, undefined, 1)).toBe("fine");
  });
});
