import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureSelfLink } from "../../lib/tools/link-self";

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "gw-link-")));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fakeCheckout(dir: string): string {
  fs.mkdirSync(path.join(dir, "lib"), { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "gradwork", main: "dist/index.js" }));
  return dir;
}

describe("ensureSelfLink", () => {
  it("links node_modules/gradwork to the checkout (relative), and repairs a missing or dangling link", () => {
    const root = fakeCheckout(path.join(tmp, "checkout"));
    const link = path.join(root, "node_modules", "gradwork");
    expect(ensureSelfLink(root).ok).toBe(true);
    expect(fs.readlinkSync(link)).toBe("..");
    expect(fs.realpathSync(link)).toBe(root);
    expect(ensureSelfLink(root).message).toMatch(/already links/);
    fs.unlinkSync(link);
    fs.symlinkSync("../nowhere", link);
    expect(ensureSelfLink(root).ok).toBe(true);
    expect(fs.realpathSync(link)).toBe(root);
  });

  it("does nothing in an installed copy, in another package, or over a real folder", () => {
    const installed = fakeCheckout(path.join(tmp, "app", "node_modules", "gradwork"));
    expect(ensureSelfLink(installed).ok).toBe(false);
    expect(fs.existsSync(path.join(installed, "node_modules"))).toBe(false);
    const other = path.join(tmp, "other");
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, "package.json"), JSON.stringify({ name: "something-else" }));
    expect(ensureSelfLink(other).message).toMatch(/not the gradwork checkout/);
    const root = fakeCheckout(path.join(tmp, "real-folder"));
    fs.mkdirSync(path.join(root, "node_modules", "gradwork"), { recursive: true });
    expect(ensureSelfLink(root).message).toMatch(/is a real folder/);
  });

  it("the checkout's own link resolves \"gradwork\" for notebooks and exercises", () => {
    const root = path.resolve(__dirname, "..", "..");
    ensureSelfLink(root);
    expect(require.resolve("gradwork", { paths: [path.join(root, "notebooks")] })).toBe(path.join(root, "dist", "index.js"));
    expect(require.resolve("gradwork", { paths: [path.join(root, "exercises")] })).toBe(path.join(root, "dist", "index.js"));
  });
});
