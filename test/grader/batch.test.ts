/**
 * Batch grading (lib/grader/batch.ts): several submissions at once, a CSV row per submission as it
 * finishes, a batch that survives a hostile submission, resumes after being killed without regrading,
 * and leaves no temp folders once the next run has cleaned up after the killed one.
 */
import { afterAll, describe, expect, it } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { zipSync } from "fflate";
import { availableCpus, csvRow, gradedNames } from "../../lib/grader/batch";

const root = path.resolve(__dirname, "..", "..");
const cli = path.join(root, "dist", "grader", "cli.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gw-batch-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const zip = (file: string) => zipSync({ "exercises/01-chain-rule.ts": new Uint8Array(fs.readFileSync(file)) });
const rowsOf = (csv: string) => fs.readFileSync(csv, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));

describe("batch grading", () => {
  it("grades two at a time, one row each, a hostile submission included", () => {
    const dir = path.join(tmp, "subs");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "a-solution.zip"), zip(path.join(root, "solutions", "01-chain-rule.ts")));
    fs.writeFileSync(path.join(dir, "b-stub.zip"), zip(path.join(root, "exercises", "01-chain-rule.ts")));
    fs.writeFileSync(path.join(dir, "c-garbage.zip"), zip(path.join(root, "test", "grader", "hostile", "ipc-garbage", "01-chain-rule.ts")));
    const csv = path.join(tmp, "scores.csv");
    const out = execFileSync(process.execPath, [cli, "--batch", dir, "--csv", csv, "--task", "1", "--jobs", "2"], { encoding: "utf8", timeout: 300_000 });
    expect(out).toMatch(/2 at a time/);
    expect(out).toMatch(/graded 3 in [\d.]+ s \([\d.]+ per minute\)/);
    const rows = rowsOf(csv);
    expect(rows.map((r) => r[0]).sort()).toEqual(["a-solution.zip", "b-stub.zip", "c-garbage.zip"]);
    const score = Object.fromEntries(rows.map((r) => [r[0], [r[1], r[2]]]));
    expect(score["a-solution.zip"]).toEqual(["15", "15"]);
    expect(score["b-stub.zip"]).toEqual(["0", "15"]);
    expect(score["c-garbage.zip"]).toEqual(["0", "15"]);
    for (const r of rows) expect(Number(r[r.length - 3])).toBeGreaterThan(0); // seconds per submission
  }, 300_000);

  it("resumes a killed batch without regrading, and the next run removes the killed run's temp folders", async () => {
    const dir = path.join(tmp, "resume");
    fs.mkdirSync(dir);
    for (const n of ["s1", "s2", "s3"]) fs.writeFileSync(path.join(dir, `${n}.zip`), zip(path.join(root, "solutions", "01-chain-rule.ts")));
    // s4 loops until its time limit, so the batch is still busy when it is killed
    fs.writeFileSync(path.join(dir, "s4.zip"), zip(path.join(root, "test", "grader", "hostile", "infinite-loop", "01-chain-rule.ts")));
    const csv = path.join(tmp, "resume.csv");
    const p = spawn(process.execPath, [cli, "--batch", dir, "--csv", csv, "--task", "1", "--jobs", "1", "--timeout", "20"], { stdio: "ignore" });
    const t0 = Date.now();
    while (!(fs.existsSync(csv) && rowsOf(csv).length >= 3)) {
      if (Date.now() - t0 > 240_000) throw new Error("the batch wrote no rows");
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1500)); // s4 is being graded now
    p.kill("SIGKILL");
    await new Promise((r) => p.once("exit", r));
    const left = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`gradwork-submission-${p.pid}-`) || n.startsWith(`gradwork-sandbox-${p.pid}-`));
    expect(left().length, "a SIGKILLed grader leaves its folders").toBeGreaterThan(0);
    const before = rowsOf(csv).map((r) => r[0]);
    expect(before).toEqual(["s1.zip", "s2.zip", "s3.zip"]);
    const out = execFileSync(process.execPath, [cli, "--batch", dir, "--csv", csv, "--task", "1", "--timeout", "2"], { encoding: "utf8", timeout: 300_000 });
    expect(out).toMatch(/skipped 3 already in/);
    expect(rowsOf(csv).map((r) => r[0])).toEqual(["s1.zip", "s2.zip", "s3.zip", "s4.zip"]);
    expect(left()).toEqual([]);
  }, 400_000);

  it("reads back the names a CSV holds, quoted or not", () => {
    const csv = path.join(tmp, "names.csv");
    const row = (name: string) => csvRow({ name, report: null, error: "x", seconds: 1 }, ["1.1"]);
    fs.writeFileSync(csv, "submission,score\n" + row("plain.zip") + row('odd, "name".zip'));
    expect([...gradedNames(csv)]).toEqual(["plain.zip", 'odd, "name".zip']);
  });

  it("defaults to the CPUs this process may use", () => {
    const c = availableCpus();
    expect(c.cpus).toBeGreaterThanOrEqual(1);
    expect(c.cpus).toBeLessThanOrEqual(os.availableParallelism());
    expect(c.source).toMatch(/availableParallelism|cgroup/);
  });
});
