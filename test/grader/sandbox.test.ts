/**
 * Sandbox folders and isolation choices (lib/grader/sandbox.ts, isolation.ts): a copy of the library
 * (no link out), stale folders of a killed grader removed, the permission flag chosen by Node version.
 */
import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cleanStale, libraryImage, makeSandbox } from "../../lib/grader/sandbox";
import { isolation, permissionFlag } from "../../lib/grader/isolation";

const root = path.resolve(__dirname, "..", "..");

function links(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isSymbolicLink()) out.push(p);
    else if (e.isDirectory()) out.push(...links(p));
  }
  return out;
}

describe("sandbox folders", () => {
  it("the library image is a copy holding no symlink and no answer key", () => {
    const img = libraryImage(root);
    expect(links(img.dir)).toEqual([]);
    expect(fs.existsSync(path.join(img.modulesDir, "gradwork", "dist", "index.js"))).toBe(true);
    const all = fs.readdirSync(path.join(img.modulesDir, "gradwork"));
    expect(all.sort()).toEqual(["dist", "package.json"]);
    expect(fs.existsSync(path.join(img.modulesDir, "typescript"))).toBe(false);
    const box = makeSandbox(path.join(root, "exercises"), img);
    try {
      // The submission's only link leads to the image (a copy), never into the checkout.
      expect(links(box.dir).map((l) => fs.realpathSync(l))).toEqual([fs.realpathSync(img.modulesDir)]);
    } finally {
      box.cleanup();
    }
  });

  it("removes the folders of a grader that is gone, keeps those of live ones", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gw-stale-"));
    try {
      const dead = path.join(tmp, "gradwork-sandbox-999999999-abc");
      const live = path.join(tmp, `gradwork-submission-${process.pid}-def`);
      const other = path.join(tmp, "something-else");
      for (const d of [dead, live, other]) fs.mkdirSync(d);
      expect(cleanStale(tmp)).toEqual([dead]);
      expect(fs.existsSync(live) && fs.existsSync(other)).toBe(true);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe("isolation", () => {
  it("chooses --permission where Node has it, --experimental-permission before", () => {
    expect(permissionFlag(new Set(["--permission", "--experimental-permission"]))).toBe("--permission");
    expect(permissionFlag(new Set(["--experimental-permission"]))).toBe("--experimental-permission");
  });

  it("uses bubblewrap where it works (CI installs it)", () => {
    const here = ["/usr/bin/bwrap", "/bin/bwrap"].some((f) => fs.existsSync(f));
    if (here || process.env.CI) expect(isolation().level).toBe("bubblewrap");
    else expect(["unprivileged", "permission-model"]).toContain(isolation().level);
  });
});
