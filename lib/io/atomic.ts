// Writing a file so that its real name only ever holds complete contents: write a temp file in
// the same folder, fsync it, rename it over the target, then fsync the folder.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Test hook: called after each chunk is written to the temp file (tests throw from it to simulate a crash). */
export const atomicHooks: { afterChunk?: (tmpPath: string, written: number) => void } = {};

/**
 * Write `chunks` to `path` atomically (creating missing folders): a crash or error part-way leaves the previous file (or no
 * file) under `path`, never a half-written one.
 *
 * @example
 * writeFileAtomic("out/config.json", JSON.stringify(config));
 */
export function writeFileAtomic(path: string, ...chunks: (string | Uint8Array)[]): void {
  mkdirSync(dirname(path), { recursive: true }); // a checkpoint path in a new folder just works
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
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
