import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultRoot } from "../../lib/data/cifar10/source";
import * as gw from "gradwork";

describe("CIFAR-10 default root", () => {
  it("is one per-user cache folder, overridable, never relative to the working directory", () => {
    expect(defaultRoot({})).toBe(join(homedir(), ".cache", "gradwork", "cifar10"));
    expect(defaultRoot({ XDG_CACHE_HOME: "/var/cache/me" })).toBe("/var/cache/me/gradwork/cifar10");
    expect(defaultRoot({ XDG_CACHE_HOME: "relative/ignored" })).toBe(join(homedir(), ".cache", "gradwork", "cifar10")); // the XDG spec ignores relative paths
    expect(defaultRoot({ GRADWORK_CIFAR10_ROOT: "here/data", XDG_CACHE_HOME: "/x" })).toBe(resolve("here/data"));
    expect(gw.data.cifar10.defaultRoot).toBe(defaultRoot);
  });

  it("is where load() looks when no root is given (its error names the folder)", () => {
    const prev = process.env.GRADWORK_CIFAR10_ROOT;
    process.env.GRADWORK_CIFAR10_ROOT = "/nonexistent/gw-cifar-root";
    try {
      expect(() => gw.data.cifar10.load()).toThrow(/\/nonexistent\/gw-cifar-root/);
    } finally {
      if (prev === undefined) delete process.env.GRADWORK_CIFAR10_ROOT;
      else process.env.GRADWORK_CIFAR10_ROOT = prev;
    }
  });
});
