// `npm run bench:grading`: how long grading the reference solutions takes at each isolation level,
// measured in the same run, alternating, each run a fresh `gradwork-grade` process (the way an
// instructor or Gradescope runs it). Prints the median, min and max of each setting and the cost of the
// OS sandbox as a ratio to Node's permission model alone (the grader before bubblewrap).
//
//   npm run bench:grading                 # 5 rounds
//   npm run bench:grading -- --runs 7     # more rounds
//   npm run bench:grading -- --node /usr/bin/node   # the Node that runs the grader and the sandbox
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(__dirname, "..");
const cli = join(root, "dist", "grader", "cli.js");

interface Setting {
  label: string;
  env: Record<string, string>;
  args: string[];
}

const SETTINGS: Setting[] = [
  { label: "bubblewrap, type-checked (the default)", env: {}, args: [] },
  { label: "bubblewrap, parse only (--no-type-check)", env: {}, args: ["--no-type-check"] },
  { label: "permission model only, parse only", env: { GRADWORK_ISOLATION: "permission-model" }, args: ["--no-type-check"] },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, node: { type: "string", default: process.execPath } }, allowPositionals: false });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1, got "${values.runs}"`);
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const node = values.node!;
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
  console.log(`grading ${join(root, "solutions")} with ${node} (${version}); ${runs} rounds, settings alternating; load ${loadavg()[0].toFixed(2)}`);
  const out = mkdtempSync(join(tmpdir(), "gradwork-bench-grading-"));
  const times = SETTINGS.map(() => [] as number[]);
  try {
    for (let r = 0; r < runs; r++) {
      SETTINGS.forEach((s, i) => {
        const t0 = process.hrtime.bigint();
        const p = spawnSync(node, [cli, "--solutions", "-q", "--no-require-isolation", "--out", join(out, "results.json"), ...s.args], {
          cwd: root,
          encoding: "utf8",
          env: { ...process.env, ...s.env },
          timeout: 600_000,
        });
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const score = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { score: number; extra_data?: { isolation?: { level?: string } } };
        if (p.status !== 0 || score.score !== 97) throw new Error(`${s.label}: grading failed (exit ${p.status}, score ${score.score}): ${p.stderr.slice(0, 500)}`);
        times[i].push(seconds);
        console.log(`  round ${r + 1}  ${s.label.padEnd(42)} ${seconds.toFixed(2)} s  (isolation: ${score.extra_data?.isolation?.level})`);
      });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  console.log("\n| setting | median (s) | min | max |\n|---|---|---|---|");
  SETTINGS.forEach((s, i) => console.log(`| ${s.label} | ${median(times[i]).toFixed(2)} | ${Math.min(...times[i]).toFixed(2)} | ${Math.max(...times[i]).toFixed(2)} |`));
  const base = median(times[2]);
  console.log(`\nsandbox cost: bubblewrap ${(median(times[1]) / base).toFixed(2)}× the permission model alone; with type-checking ${(median(times[0]) / base).toFixed(2)}×`);
}

main();
