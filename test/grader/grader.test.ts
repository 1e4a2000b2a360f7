/**
 * The autograder end to end, through its command line and its programmatic API: reference solutions
 * score 100 %, untouched stubs 0 %, results.json follows Gradescope's format, extra (hidden) tests,
 * batch CSV, the submission zip round trip and the Gradescope bundle's run_autograder.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Each case starts the grader (and its sandbox) at least once: minutes, not seconds, on a loaded 2-core machine.
vi.setConfig({ testTimeout: 400_000, hookTimeout: 900_000 });
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { strToU8, unzipSync, zipSync } from "fflate";

const root = path.resolve(__dirname, "..", "..");
const cli = path.join(root, "dist", "grader", "cli.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gw-grader-test-"));

function grade(args: string[], cwd = tmp): any {
  const out = path.join(tmp, `r-${Math.random().toString(36).slice(2)}.json`);
  execFileSync(process.execPath, [cli, ...args, "--out", out, "--quiet"], { cwd, encoding: "utf8", timeout: 600_000 });
  return JSON.parse(fs.readFileSync(out, "utf8"));
}

/** The total's maximum: the sum of the tests' (results.json has no top-level max_score). */
const maxOf = (r: any): number => r.tests.reduce((a: number, t: any) => a + t.max_score, 0);
/** "4.2" of test number "4.2.3". */
const taskOf = (t: any): string => t.number.split(".").slice(0, 2).join(".");

let solutions: any;
let exercises: any;

beforeAll(() => {
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first`);
  solutions = grade(["--solutions"]);
  exercises = grade([]);
}, 900_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("grading the reference and the stubs", () => {
  it("gives the solutions full marks on every task", () => {
    const failed = solutions.tests.filter((t: any) => t.score !== t.max_score).map((t: any) => `${t.name}: ${t.output}`);
    expect(failed).toEqual([]);
    expect(solutions.score).toBe(maxOf(solutions));
    expect(maxOf(solutions)).toBeGreaterThanOrEqual(90);
  });

  it("grades task 5.4 on the CIFAR-10 subset when the course mirror is there, else on the synthetic stand-in", () => {
    const t = solutions.tests.find((x: any) => taskOf(x) === "5.4");
    const mirror = fs.existsSync(path.join(root, "..", "shared", "cifar10", "cifar-10-binary.tar.gz"));
    expect(t.output).toMatch(mirror ? /^Passed: test accuracy \d+\.\d % on CIFAR-10: the first 2000 training and 500 test images$/ : /^Passed: test accuracy .* on synthetic CIFAR-shaped data/);
  });

  it("covers tasks of all five chapters", () => {
    const chapters = new Set(solutions.tests.map((t: any) => t.number.split(".")[0]));
    expect([...chapters].sort()).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("gives the untouched exercises zero, every test failing as not implemented", () => {
    expect(exercises.score).toBe(0);
    expect(maxOf(exercises)).toBe(maxOf(solutions));
    for (const t of exercises.tests) {
      expect(t.score, t.name).toBe(0);
      expect(t.output, t.name).toMatch(/^(Task \d+\.\d+ is not implemented yet: open the exercise file|This test also calls task \d+\.\d+, which is not implemented yet$)/);
      expect(t.output.match(/not implemented yet/g)!.length, "said once").toBe(1);
      // a test of task 3.3 that stops in task 3.2's function says so, not "3.2 is not implemented" as if it were 3.2's test
      if (t.output.startsWith("Task ")) expect(t.output.startsWith(`Task ${taskOf(t)} is not implemented yet`)).toBe(true);
    }
  });

  it("writes results.json with Gradescope's fields", () => {
    for (const r of [solutions, exercises]) {
      expect(typeof r.score).toBe("number");
      expect(r.max_score, "no stray top-level max_score").toBeUndefined();
      expect(r.output_format).toBe("text");
      expect(typeof r.execution_time).toBe("number");
      expect(typeof r.output).toBe("string");
      expect(Array.isArray(r.tests)).toBe(true);
      for (const t of r.tests) {
        expect(Object.keys(t).sort()).toEqual(["max_score", "name", "number", "output", "score", "status", "tags", "visibility"]);
        expect(t.number).toMatch(/^\d+\.\d+\.\d+$/);
        expect(t.tags).toEqual([`task ${taskOf(t)}`, `chapter ${t.number.split(".")[0]}`, expect.stringMatching(/^0\d-/)]);
        expect(typeof t.name).toBe("string");
        expect(t.name).toMatch(/^\d+\.\d+ /);
        expect(["visible", "hidden", "after_due_date", "after_published"]).toContain(t.visibility);
        expect(["passed", "failed"]).toContain(t.status);
        expect(t.score).toBeLessThanOrEqual(t.max_score);
      }
      expect(r.tests.reduce((a: number, t: any) => a + t.score, 0)).toBe(r.score);
      // tests of a task are numbered 1, 2, … in order
      const seen = new Map<string, number>();
      for (const t of r.tests) {
        seen.set(taskOf(t), (seen.get(taskOf(t)) ?? 0) + 1);
        expect(t.number).toBe(`${taskOf(t)}.${seen.get(taskOf(t))}`);
      }
    }
    // a leaderboard entry with task 5.4's accuracy, read from its passed test
    const acc = Number(/test accuracy (\d+\.\d) %/.exec(solutions.tests.find((t: any) => taskOf(t) === "5.4").output)![1]);
    expect(solutions.leaderboard).toEqual([{ name: "CIFAR-10 test accuracy (%)", value: acc, order: "desc" }]);
    expect(exercises.leaderboard).toEqual([{ name: "CIFAR-10 test accuracy (%)", value: 0, order: "desc" }]);
  });
});

describe("command-line options", () => {
  it("--task grades one task", () => {
    const r = grade(["--solutions", "--task", "4.2"]);
    expect(new Set(r.tests.map(taskOf))).toEqual(new Set(["4.2"]));
    expect(r.score).toBe(maxOf(r));
  });

  it("--tests adds an instructor's hidden tests, run like the public ones", () => {
    const hidden = path.join(tmp, "hidden");
    fs.mkdirSync(hidden, { recursive: true });
    fs.writeFileSync(
      path.join(hidden, "extra.ts"),
      `import { suite, expectClose } from "../../lib/grader/harness";
const { task } = suite<any>("02-sigmoid");
task("2.1", "hidden: sigmoid(1)", 2, { run: (m) => m.sigmoid(1), check: (g) => expectClose(g, 1 / (1 + Math.exp(-1))) });
task("2.1", "hidden: a test that fails for everybody", 1, { run: (m) => m.sigmoid(1), check: (g) => expectClose(g, 7) });
`,
    );
    const r = grade(["--solutions", "--task", "2.1", "--tests", hidden]);
    const extra = r.tests.filter((t: any) => t.name.includes("hidden:"));
    expect(extra.map((t: any) => [t.score, t.max_score, t.visibility])).toEqual([[2, 2, "after_due_date"], [0, 1, "after_due_date"]]);
    expect(maxOf(r)).toBe(r.tests.filter((t: any) => !t.name.includes("hidden:")).reduce((a: number, t: any) => a + t.max_score, 0) + 3);
  });

  it("prepare() builds inputs in the grader and ships them to the sandbox, bytes as bytes, withheld fields kept back", () => {
    const dir = path.join(tmp, "prepared");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, "prepared.ts"),
      `import { suite, expectEqual } from "../../lib/grader/harness";
const { task } = suite<any>("02-sigmoid");
task("2.1", "prepared: shipped", 1, {
  prepare: async () => ({ pixels: new Uint8Array([1, 2, 250]), secret: [7, 8], pid: process.pid }),
  withhold: ["secret"],
  run: (m, d) => ({ bytes: d.pixels instanceof Uint8Array, sum: d.pixels.reduce((a, b) => a + b, 0), secret: d.secret === undefined ? "absent" : "seen", otherProcess: d.pid !== process.pid, half: m.sigmoid(0) }),
  check: (g, d) => expectEqual([g.bytes, g.sum, g.secret, g.otherProcess, g.half, d.secret], [true, 253, "absent", true, 0.5, [7, 8]]),
});
task("2.1", "prepared: a prepare that throws", 1, {
  prepare: () => { throw new Error("no data here"); },
  run: () => 1,
  check: () => {},
});
`,
    );
    const r = grade(["--solutions", "--task", "2.1", "--tests", dir]);
    const byName = Object.fromEntries(r.tests.filter((t: any) => t.name.includes("prepared:")).map((t: any) => [t.name.replace(/^2\.1 /, ""), t]));
    expect(byName["prepared: shipped"].score, byName["prepared: shipped"].output).toBe(1);
    expect(byName["prepared: a prepare that throws"].score).toBe(0);
    expect(byName["prepared: a prepare that throws"].output).toBe("The test itself failed to prepare its data: no data here");
  });

  it("rejects an unknown option with a clear message", () => {
    expect(() => execFileSync(process.execPath, [cli, "--frobnicate"], { encoding: "utf8", stdio: "pipe" })).toThrow(/Unknown option '--frobnicate'.*\(see --help\)/);
    expect(() => execFileSync(process.execPath, [cli, "--jobs", "zero"], { encoding: "utf8", stdio: "pipe" })).toThrow(/--jobs needs a positive number, got "zero" \(see --help\)/);
  });

  it("takes --task=1.1, -t 1.2, comma lists, -v and -h", () => {
    const r = grade(["--solutions", "--task=1.1", "-t", "1.2,1.3"]);
    expect([...new Set(r.tests.map((t: any) => t.number.split(".").slice(0, 2).join(".")))]).toEqual(["1.1", "1.2", "1.3"]);
    expect(execFileSync(process.execPath, [cli, "-v"], { encoding: "utf8" }).trim()).toBe(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version);
    expect(execFileSync(process.execPath, [cli, "-h"], { encoding: "utf8" })).toMatch(/--require-isolation/);
  });

  it("grades the solutions 100 % and the stubs 0 % from folders outside the repository", () => {
    for (const [src, full] of [["solutions", true], ["exercises", false]] as const) {
      const dir = path.join(tmp, `elsewhere-${src}`);
      fs.mkdirSync(dir, { recursive: true });
      for (const n of fs.readdirSync(path.join(root, src))) fs.copyFileSync(path.join(root, src, n), path.join(dir, n));
      const r = grade(["--target", dir]);
      expect(r.score).toBe(full ? solutions.score : 0);
      expect(r.tests.reduce((a: number, t: any) => a + t.max_score, 0)).toBe(solutions.score);
    }
  }, 400_000);
});

describe("submissions", () => {
  it("npm run submit writes a zip that round-trips and grades like the folder", () => {
    const zip = path.join(tmp, "submission.zip");
    execFileSync(process.execPath, [cli, "submit", "--out", zip], { cwd: root, encoding: "utf8" });
    const files = unzipSync(new Uint8Array(fs.readFileSync(zip)));
    const names = Object.keys(files).filter((n) => n.startsWith("exercises/")).sort();
    const expected = fs.readdirSync(path.join(root, "exercises")).filter((n) => n.endsWith(".ts")).map((n) => `exercises/${n}`).sort();
    expect(names).toEqual(expected);
    for (const n of names) expect(Buffer.from(files[n]).toString("utf8")).toBe(fs.readFileSync(path.join(root, n), "utf8"));
    const r = grade(["--submission", zip, "--task", "1"]);
    expect(r.score).toBe(0);
    expect(maxOf(r)).toBe(solutions.tests.filter((t: any) => t.number.startsWith("1.")).reduce((a: number, t: any) => a + t.max_score, 0));
  });

  it("batch mode writes one CSV row per zip with per-task columns", () => {
    const dir = path.join(tmp, "batch");
    fs.mkdirSync(dir, { recursive: true });
    const pack = (src: string, names: string[]) => zipSync(Object.fromEntries(names.map((n) => [`exercises/${n}`, fs.readFileSync(path.join(root, src, n))])));
    fs.writeFileSync(path.join(dir, "alice.zip"), pack("solutions", ["01-chain-rule.ts", "02-sigmoid.ts"]));
    fs.writeFileSync(path.join(dir, "bob.zip"), pack("exercises", ["01-chain-rule.ts"]));
    fs.writeFileSync(path.join(dir, "carol.zip"), strToU8("this is not a zip"));
    const csv = path.join(tmp, "scores.csv");
    execFileSync(process.execPath, [cli, "--batch", dir, "--csv", csv, "--task", "1,2"], { encoding: "utf8" });
    const [head, ...rows] = fs.readFileSync(csv, "utf8").trim().split("\n");
    expect(head).toBe("submission,score,max_score,task 1.1,task 1.2,task 1.3,task 2.1,task 2.2,task 2.3,task 2.4,seconds,isolation,error");
    // rows are written as submissions finish (in parallel by default), so their order varies
    const cells = rows.map((r) => r.split(",")).sort((a, b) => a[0].localeCompare(b[0]));
    expect(cells.map((c) => c[0])).toEqual(["alice.zip", "bob.zip", "carol.zip"]);
    expect(cells[0][1]).toBe(cells[0][2]);
    expect(cells[1][1]).toBe("0");
    expect(cells[1][2]).toBe(cells[0][2]);
    expect(cells[2].slice(-1)[0]).toMatch(/not a readable zip/);
  });
});

describe("Gradescope bundle", () => {
  it("run_autograder grades /autograder/submission into /autograder/results/results.json", () => {
    const zip = path.join(tmp, "autograder.zip");
    execFileSync(process.execPath, [cli, "autograder-zip", "--out", zip], { cwd: root, encoding: "utf8" });
    const files = unzipSync(new Uint8Array(fs.readFileSync(zip)));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(["setup.sh", "run_autograder", "package.json", "dist/grader/cli.js", "test/tasks/01-chain-rule.task.ts"]));
    expect(Object.keys(files).some((n) => n.startsWith("solutions/"))).toBe(false);
    // A fake /autograder: the bundle in source/ (packages linked one by one instead of setup.sh's npm ci), a submission.
    const ag = path.join(tmp, "autograder");
    for (const [name, data] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(ag, "source", name)), { recursive: true });
      fs.writeFileSync(path.join(ag, "source", name), data);
    }
    const nm = path.join(ag, "source", "node_modules");
    fs.mkdirSync(nm);
    for (const n of fs.readdirSync(path.join(root, "node_modules"))) if (n !== "gradwork" && n !== ".bin") fs.symlinkSync(path.join(root, "node_modules", n), path.join(nm, n));
    fs.mkdirSync(path.join(ag, "submission", "my-work"), { recursive: true });
    for (const n of ["01-chain-rule.ts", "02-sigmoid.ts", "05-cifar10.ts"]) fs.copyFileSync(path.join(root, "solutions", n), path.join(ag, "submission", "my-work", n));
    execFileSync("bash", [path.join(ag, "source", "run_autograder")], { env: { ...process.env, AUTOGRADER_ROOT: ag }, encoding: "utf8", timeout: 120_000 });
    const r = JSON.parse(fs.readFileSync(path.join(ag, "results", "results.json"), "utf8"));
    const ch125 = solutions.tests.filter((t: any) => /^[125]\./.test(t.number)).reduce((a: number, t: any) => a + t.max_score, 0);
    expect(r.score).toBe(ch125);
    expect(maxOf(r)).toBe(maxOf(solutions));
    expect(r.tests.find((t: any) => taskOf(t) === "4.1").output).toMatch(/04-convolution.ts was not found/);
    // No CIFAR-10 beside this bundle (no ../shared, no data/cifar10): task 5.4 runs on the stand-in and says so.
    expect(r.tests.find((t: any) => taskOf(t) === "5.4").output).toMatch(/^Passed: test accuracy \d+\.\d % on synthetic CIFAR-shaped data \(no CIFAR-10 in .*and no course mirror/);
    // On Gradescope, setup.sh fetches CIFAR-10 into data/cifar10 so that grading uses the real images.
    expect(Buffer.from(files["setup.sh"]).toString("utf8")).toMatch(/cifar10\.download\(\{ root: "data\/cifar10"/);
  }, 400_000);
});

describe("programmatic API", () => {
  it("gradeTasks({ target, tasks }) returns structured results from a fresh process", () => {
    const script = `require(${JSON.stringify(path.join(root, "dist", "grader", "index.js"))}).gradeTasks({ target: "solutions", tasks: ["1.1", "2.2"] }).then((r) => console.log(JSON.stringify({ score: r.score, max: r.maxScore, tasks: r.tasks.map((t) => t.id), statuses: r.tests.map((t) => t.status) })))`;
    const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
    expect(out.tasks).toEqual(["1.1", "2.2"]);
    expect(out.score).toBe(out.max);
    expect(new Set(out.statuses)).toEqual(new Set(["passed"]));
  });
});
