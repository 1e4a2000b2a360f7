// Atomic writes: stale temp files left by killed saves are removed by the next save to the same
// target — only provably stale ones (dead writer on this machine, or older than a day).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isStaleTemp, STALE_TEMP_AGE_MS, writeFileAtomic } from "../../lib/io/atomic";

const made: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), "gw-atomic-"));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
const HOST = hostname().replace(/[^A-Za-z0-9-]/g, "-") || "host";
const repo = resolve(__dirname, "../..");

/** The pid of a process that has exited (so no process has it, barring immediate reuse). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("writeFileAtomic: stale temp files", () => {
  it("a save killed with SIGKILL leaves a temp file; the next save removes it and keeps the target whole", () => {
    const d = dir();
    const target = join(d, "ckpt.bin");
    writeFileSync(target, "old");
    // a real process, killed (SIGKILL) after writing its first chunk to the temp file
    const script = `
      const { atomicHooks, writeFileAtomic } = require(${JSON.stringify(join(repo, "lib/io/atomic.ts"))});
      atomicHooks.afterChunk = () => process.kill(process.pid, "SIGKILL");
      writeFileAtomic(${JSON.stringify(target)}, Buffer.alloc(1 << 20, 7), Buffer.alloc(16));`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: repo, encoding: "utf8" });
    expect(r.signal).toBe("SIGKILL");
    const left = readdirSync(d).filter((n) => n.endsWith(".tmp"));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(new RegExp(`^\\.ckpt\\.bin\\.${HOST}\\.${r.pid}\\.\\d+\\.tmp$`));
    expect(readFileSync(target, "utf8")).toBe("old");
    writeFileAtomic(target, "new");
    expect(readdirSync(d)).toEqual(["ckpt.bin"]);
    expect(readFileSync(target, "utf8")).toBe("new");
  });

  it("keeps a live writer's temp file, another machine's young one and other targets' ones; removes old and dead ones", () => {
    const d = dir();
    const target = join(d, "m.safetensors");
    const now = Date.now();
    const dead = deadPid();
    const files = {
      live: `.m.safetensors.${HOST}.${process.ppid}.${now}.tmp`, // the parent of this test process is alive
      otherHost: `.m.safetensors.some-other-host.${dead}.${now}.tmp`,
      otherTarget: `.n.safetensors.${HOST}.${dead}.${now}.tmp`,
      notOurs: `.m.safetensors.notes.tmp`,
      dead: `.m.safetensors.${HOST}.${dead}.${now}.tmp`,
      deadOldName: `.m.safetensors.${dead}.${now}.tmp`, // the name before host names were added
      oldLive: `.m.safetensors.some-other-host.${process.ppid}.${now - STALE_TEMP_AGE_MS - 1}.tmp`,
    };
    for (const name of Object.values(files)) writeFileSync(join(d, name), "x");
    const old = (now - STALE_TEMP_AGE_MS - 60_000) / 1000;
    utimesSync(join(d, files.oldLive), old, old);
    writeFileAtomic(target, "data");
    const left = readdirSync(d).sort();
    expect(left).toEqual([files.live, files.notOurs, files.otherHost, files.otherTarget, "m.safetensors"].sort());
  });

  it("isStaleTemp: the rule on names and ages", () => {
    const dead = deadPid();
    const now = Date.now();
    expect(isStaleTemp("a", `.a.${HOST}.${dead}.1.tmp`, now, now)).toBe(true);
    expect(isStaleTemp("a", `.a.${HOST}.${process.pid}.1.tmp`, now, now)).toBe(false);
    expect(isStaleTemp("a", `.a.elsewhere.${dead}.1.tmp`, now, now)).toBe(false);
    expect(isStaleTemp("a", `.a.elsewhere.${dead}.1.tmp`, now - STALE_TEMP_AGE_MS - 1, now)).toBe(true);
    expect(isStaleTemp("a", `.b.${HOST}.${dead}.1.tmp`, 0, now)).toBe(false);
    expect(isStaleTemp("a", `.a.x.y.1.tmp`, 0, now)).toBe(false);
  });
});
