/**
 * Hostile submissions (test/grader/hostile/<case>/): each is graded on chapter 1 and must get the score
 * in its expected.json, with the expected message, without crashing the grader.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");
const cli = path.join(root, "dist", "grader", "cli.js");
const casesDir = path.join(__dirname, "hostile");
const cases = fs.readdirSync(casesDir).filter((n) => fs.existsSync(path.join(casesDir, n, "expected.json"))).sort();

interface Expected {
  score: number;
  messages?: Record<string, string>;
  absent?: string;
  maxSeconds?: number;
}

describe("hostile submissions", () => {
  it("has the cases the brief lists", () => {
    for (const c of ["infinite-loop", "process-exit", "throw-non-error", "monkey-patch", "write-results", "read-secrets"]) expect(cases).toContain(c);
  });

  it.each(cases)("%s gets the score it deserves", (name) => {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first`);
    const expected: Expected = JSON.parse(fs.readFileSync(path.join(casesDir, name, "expected.json"), "utf8"));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gw-hostile-"));
    const out = path.join(tmp, "results.json");
    try {
      check(name, expected, tmp, out);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

/** Grade case `name` into `out` and compare with its expected.json. */
function check(name: string, expected: Expected, tmp: string, out: string): void {
  const t0 = Date.now();
  const stdout = execFileSync(process.execPath, [cli, "--target", path.join(casesDir, name), "--task", "1", "--timeout", "2", "--memory", "256", "--out", out, "--json"], {
    cwd: tmp,
    encoding: "utf8",
    timeout: 60_000,
  });
  const seconds = (Date.now() - t0) / 1000;
  const printed = JSON.parse(stdout);
  const written = JSON.parse(fs.readFileSync(out, "utf8"));
  // results.json is the grader's, whatever the submission tried to write or print.
  expect(written).toEqual(printed);
  expect(written.max_score).toBe(15);
  expect(written.score).toBe(expected.score);
  expect(written.tests.reduce((a: number, t: any) => a + t.score, 0)).toBe(expected.score);
  for (const [task, text] of Object.entries(expected.messages ?? {})) {
    const outputs = written.tests.filter((t: any) => t.number === task && t.score === 0).map((t: any) => t.output);
    expect(outputs.length, `a failed test of task ${task}`).toBeGreaterThan(0);
    expect(outputs.some((o: string) => o.includes(text)), `a message of task ${task} mentions "${text}": ${outputs[0]}`).toBe(true);
  }
  if (expected.absent) expect(JSON.stringify(written)).not.toContain(expected.absent);
  if (expected.maxSeconds) expect(seconds).toBeLessThan(expected.maxSeconds);
  // Nothing the submission tried to write landed outside the grader's own file.
  expect(fs.readdirSync(tmp)).toEqual(["results.json"]);
  expect(fs.existsSync(path.join(root, "results.json")) && fs.readFileSync(path.join(root, "results.json"), "utf8").includes("1000")).toBe(false);
}
