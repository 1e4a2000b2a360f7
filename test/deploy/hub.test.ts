// The class deployment (deploy/jupyterhub_config.py) end to end: test/deploy/hub_check.py creates
// three local users, starts Debian's JupyterHub on 127.0.0.1, runs notebook 01 in each user's
// gradwork kernel through the hub, and checks each kernel's CPU/memory share and that users cannot
// read each other's files. It needs root (users, cgroups) and `apt-get install jupyterhub`; where
// either is missing the test is skipped (and says why). Takes 3–5 minutes on 2 busy cores.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");
const isRoot = process.getuid?.() === 0;
const hasHub = existsSync("/usr/bin/jupyterhub") && existsSync("/usr/bin/jupyterhub-singleuser");
const reason = !isRoot ? "not root" : !hasHub ? "Debian's jupyterhub is not installed" : process.env.GRADWORK_SKIP_HUB === "1" ? "GRADWORK_SKIP_HUB=1" : "";

describe("JupyterHub for a class (deploy/)", () => {
  it.skipIf(reason !== "")(`three users run notebook 01 in kernels sized by their cgroups, and cannot read each other's files${reason ? ` (skipped: ${reason})` : ""}`, () => {
    const r = spawnSync("/usr/bin/python3", [join(root, "test/deploy/hub_check.py"), "--cpus", "1", "--mem-mb", "1024"], { encoding: "utf8", timeout: 900_000 });
    const last = r.stdout.trim().split("\n").pop() ?? "";
    let report: { ok: boolean; errors: unknown[]; checks: Record<string, Record<string, boolean>> };
    try {
      report = JSON.parse(last);
    } catch {
      throw new Error(`hub_check.py printed no report (exit ${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    }
    expect(report.errors).toEqual([]);
    expect(Object.keys(report.checks)).toHaveLength(3);
    for (const [user, checks] of Object.entries(report.checks)) {
      for (const [name, ok] of Object.entries(checks)) expect(ok, `${user}: ${name}`).toBe(true);
    }
    expect(report.ok).toBe(true);
    expect(r.status).toBe(0);
  }, 960_000);
});
