// Writing a file so that its real name only ever holds complete contents: write a temp file in
// the same folder, fsync it, rename it over the target, then fsync the folder.
//
// A writer killed mid-save (SIGKILL, power loss) leaves its temp file behind. The next save to
// the same target removes the ones that are provably stale (see `isStaleTemp`).
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";

/** Test hook: called after each chunk is written to the temp file (tests throw from it to simulate a crash). */
export const atomicHooks: { afterChunk?: (tmpPath: string, written: number) => void } = {};

/** A temp file older than this is stale whoever wrote it (covers pid reuse and other machines). */
export const STALE_TEMP_AGE_MS = 24 * 60 * 60 * 1000;

/** The host part of temp names: letters, digits and dashes only, so names parse back unambiguously. */
const HOST = hostname().replace(/[^A-Za-z0-9-]/g, "-") || "host";

/**
 * Write `chunks` to `path` atomically (creating missing folders): a crash or error part-way leaves the previous file (or no
 * file) under `path`, never a half-written one.
 *
 * @example
 * writeFileAtomic("out/config.json", JSON.stringify(config));
 */
export function writeFileAtomic(path: string, ...chunks: (string | Uint8Array)[]): void {
  mkdirSync(dirname(path), { recursive: true }); // a checkpoint path in a new folder just works
  removeStaleTemps(path);
  const tmp = join(dirname(path), `.${basename(path)}.${HOST}.${process.pid}.${Date.now()}.tmp`);
  let fd = openSync(tmp, "w");
  try {
    let written = 0;
    for (const chunk of chunks) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      written += bytes.length;
      atomicHooks.afterChunk?.(tmp, written);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(dirname(path));
}

/**
 * Whether the temp file `name` (in a folder, for target `target`) was left by a writer that can no
 * longer finish it. The rule: it is ours by name (`.<target>.[<host>.]<pid>.<ms>.tmp`), and either
 * - it is older than STALE_TEMP_AGE_MS (24 h; no save takes that long), or
 * - it was written on this machine (our host name, or the older name without one) by a process
 *   id that no longer exists (`process.kill(pid, 0)` fails with ESRCH).
 * A temp file of a live process, or of another machine sharing the folder (a network home) that
 * is younger than a day, is never touched.
 *
 * @example
 * isStaleTemp("ckpt.safetensors", ".ckpt.safetensors.myhost.999999.1700000000000.tmp", Date.now() - 1000); // true when pid 999999 is gone
 */
export function isStaleTemp(target: string, name: string, mtimeMs: number, now = Date.now()): boolean {
  const prefix = `.${target}.`;
  if (!name.startsWith(prefix) || !name.endsWith(".tmp")) return false;
  const m = /^(?:([A-Za-z0-9-]+)\.)?(\d+)\.(\d+)$/.exec(name.slice(prefix.length, -".tmp".length));
  if (!m) return false;
  if (now - mtimeMs > STALE_TEMP_AGE_MS) return true;
  const [, host, pidText] = m;
  if (host !== undefined && host !== HOST) return false;
  const pid = Number(pidText);
  if (pid === process.pid) return false; // one of ours: saves are synchronous, so it would be in use right now
  return !processExists(pid);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ESRCH"; // EPERM: it exists but is not ours
  }
}

/**
 * Remove the stale temp files of earlier writes to `path` (best effort: errors are ignored);
 * returns the paths removed. `writeFileAtomic` calls it before every write.
 *
 * @example
 * removeStaleTemps("checkpoints/convnet.safetensors"); // e.g. [".../.convnet.safetensors.host.4242.1700000000000.tmp"]
 */
export function removeStaleTemps(path: string): string[] {
  const dir = dirname(path);
  const target = basename(path);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(`.${target}.`) || !name.endsWith(".tmp")) continue;
    try {
      const full = join(dir, name);
      if (isStaleTemp(target, name, statSync(full).mtimeMs)) {
        rmSync(full, { force: true });
        removed.push(full);
      }
    } catch {
      // raced with another cleaner or the writer itself: nothing to do
    }
  }
  return removed;
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms (Windows) cannot open a folder; the rename is still atomic there.
  }
}
