// Fetch, verify and unpack the CIFAR-10 binary archive so that `load` can read it.
//
// Layout under `root`:
//   cifar-10-binary.tar.gz        the archive (http(s) sources only; only once its MD5 matched)
//   cifar-10-binary.tar.gz.part   an interrupted download, resumed on the next call
//   cifar-10-batches-bin/         the extracted batches (renamed into place from a temp folder)
//   .cifar10.complete             written last; holds the MD5 of the archive that was extracted
//   .cifar10.lock                 held while a process downloads or extracts (others wait for it)
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type * as Tar from "tar";
import { writeFileAtomic } from "../../io/atomic";
import { withLock } from "../../io/lock";
import { fetchToPart, HttpStatusError } from "../../io/http";
import { ProgressBar } from "../../io/progress";
import { ARCHIVE_NAME, BATCHES_DIR, defaultRoot, localPath, resolveSource } from "./source";

/** The files `load` needs inside `cifar-10-batches-bin/`. */
export const BATCH_FILES = {
  train: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
  test: ["test_batch.bin"],
  meta: "batches.meta.txt",
};

export const MARKER = ".cifar10.complete";
export const LOCK = ".cifar10.lock";
/** Bytes per CIFAR-10 record (1 label byte + 3,072 pixels). */
const RECORD = 3073;

export interface DownloadProgress {
  phase: "download" | "extract";
  /** Bytes downloaded, or archive bytes read while extracting. */
  bytes: number;
  total?: number;
}

export interface DownloadOptions {
  /** Folder to put the data in (default: `defaultRoot()`, a per-user cache folder). */
  root?: string;
  /** http(s)://, file:// or a local path (default: GRADWORK_CIFAR10_URL, else the mirror, else the official URL). */
  url?: string;
  /** Expected MD5 of the archive (see `resolveSource` for the defaults). */
  md5?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** Draw a progress bar on a terminal or in a notebook (default true). */
  progress?: boolean;
  /** How many times a dropped connection is retried (resuming) within this call (default 3). */
  retries?: number;
  /** How long to wait for another process downloading into the same `root` (default 1 hour). */
  lockTimeoutMs?: number;
}

export interface DownloadResult {
  /** The `root` folder (absolute). */
  root: string;
  /** The extracted `cifar-10-batches-bin` folder. */
  dir: string;
  md5: string;
  /** True when a verified copy was already there and nothing was done. */
  skipped: boolean;
}

/**
 * True when `root` holds a finished extraction of the archive with this MD5: the marker names
 * that MD5 and every file `load` reads is there with a plausible size (a whole number of
 * records; a non-empty class list).
 *
 * @example
 * gw.data.cifar10.isComplete("data/cifar10", gw.data.cifar10.OFFICIAL_MD5); // false before download
 */
export function isComplete(root: string, md5: string): boolean {
  const marker = join(root, MARKER);
  if (!existsSync(marker)) return false;
  if (readFileSync(marker, "utf8").trim() !== md5) return false;
  return damagedFiles(join(root, BATCHES_DIR)).length === 0;
}

/** The files `load` relies on that are missing or have an impossible size. */
function damagedFiles(dir: string): string[] {
  const bad: string[] = [];
  for (const name of [...BATCH_FILES.train, ...BATCH_FILES.test, BATCH_FILES.meta]) {
    let size: number;
    try {
      const st = statSync(join(dir, name));
      if (!st.isFile()) throw new Error("not a file");
      size = st.size;
    } catch {
      bad.push(name);
      continue;
    }
    if (size === 0 || (name !== BATCH_FILES.meta && size % RECORD !== 0)) bad.push(name);
  }
  return bad;
}

/**
 * Download (or copy from a local mirror), verify and extract the CIFAR-10 binary archive.
 * A second call with the same MD5 does nothing; an interrupted download is resumed with an
 * HTTP Range request (or restarted when the server does not support it); a wrong MD5 is an
 * error that leaves nothing looking complete.
 *
 * @example
 * const { dir } = await gw.data.cifar10.download({ root: "data/cifar10" });
 * const train = gw.data.cifar10.load({ root: "data/cifar10", split: "train" });
 */
export async function download(opts: DownloadOptions = {}): Promise<DownloadResult> {
  const { url, md5 } = resolveSource(opts.url, opts.md5);
  const root = resolve(opts.root ?? defaultRoot());
  const dir = join(root, BATCHES_DIR);
  if (isComplete(root, md5)) return { root, dir, md5, skipped: true };
  mkdirSync(root, { recursive: true });
  // One process at a time per folder: a second one waits, then finds the work done.
  return withLock(join(root, LOCK), () => downloadLocked(opts, url, md5, root, dir), {
    timeoutMs: opts.lockTimeoutMs,
    onWait: (holder) => {
      if (opts.progress !== false) console.log(`CIFAR-10: waiting for another process downloading into ${root} (${holder})`);
    },
  });
}

async function downloadLocked(opts: DownloadOptions, url: string, md5: string, root: string, dir: string): Promise<DownloadResult> {
  if (isComplete(root, md5)) return { root, dir, md5, skipped: true };
  rmSync(join(root, MARKER), { force: true }); // stale, for another archive, or its files are damaged: no longer true
  // We hold the lock, so extraction folders left here are from killed runs.
  for (const name of readdirSync(root)) if (name.startsWith(".extract-")) rmSync(join(root, name), { recursive: true, force: true });

  const show = opts.progress !== false;
  const local = localPath(url);
  let archive: string;
  let downloadedPart: string | undefined;
  if (local !== undefined) {
    if (!existsSync(local)) throw new Error(`cifar10.download: archive not found: ${local}`);
    archive = local;
  } else {
    archive = join(root, ARCHIVE_NAME);
    if (!existsSync(archive)) {
      downloadedPart = `${archive}.part`;
      await downloadWithRetries(url, downloadedPart, opts.retries ?? 3, show, opts.onProgress);
      archive = downloadedPart;
    }
  }

  const tmp = join(root, `.extract-${process.pid}-${Date.now()}`);
  try {
    let actual: string;
    try {
      actual = await extractHashing(archive, tmp, show, opts.onProgress);
    } catch (err) {
      // A broken archive is usually a wrong one: report the checksum when it differs.
      actual = await md5OfFile(archive);
      if (actual === md5) throw err;
    }
    if (actual !== md5) {
      if (local === undefined) unlinkSync(archive); // never keep bytes that failed the check
      throw new Error(
        `cifar10.download: MD5 mismatch for ${url}: got ${actual}, expected ${md5}` +
          (local === undefined ? " (the downloaded file was deleted; call again to retry)" : ""),
      );
    }
    for (const name of [...BATCH_FILES.train, ...BATCH_FILES.test, BATCH_FILES.meta]) {
      if (!existsSync(join(tmp, BATCHES_DIR, name))) {
        throw new Error(`cifar10.download: archive ${archive} has no ${BATCHES_DIR}/${name}`);
      }
    }
    if (downloadedPart) renameSync(downloadedPart, join(root, ARCHIVE_NAME));
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, BATCHES_DIR), dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  writeFileAtomic(join(root, MARKER), `${md5}\n`);
  return { root, dir, md5, skipped: false };
}

async function downloadWithRetries(
  url: string,
  part: string,
  retries: number,
  show: boolean,
  onProgress?: (p: DownloadProgress) => void,
): Promise<void> {
  const bar = show ? new ProgressBar({ label: "CIFAR-10 download", unit: "bytes" }) : undefined;
  let last = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetchToPart(url, part, (bytes, total) => {
        last = bytes;
        if (bar) {
          bar.total = total;
          bar.update(bytes);
        }
        onProgress?.({ phase: "download", bytes, total });
      });
      bar?.finish(last);
      return;
    } catch (err) {
      const retryable = !(err instanceof HttpStatusError) || err.status >= 500;
      if (!retryable || attempt >= retries) {
        bar?.finish(last, "interrupted");
        const kept = existsSync(part) ? ` (${statSync(part).size} bytes kept in ${part}; the next call resumes)` : "";
        throw new Error(`${(err as Error).message}${kept}`);
      }
      await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
    }
  }
}

/** Extract `archive` into `dest` (only regular files and folders under cifar-10-batches-bin/) and return its MD5. */
async function extractHashing(
  archive: string,
  dest: string,
  show: boolean,
  onProgress?: (p: DownloadProgress) => void,
): Promise<string> {
  mkdirSync(dest, { recursive: true });
  const total = statSync(archive).size;
  const bar = show ? new ProgressBar({ label: "CIFAR-10 extract", unit: "bytes", total }) : undefined;
  const hash = createHash("md5");
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      bar?.update(bytes);
      onProgress?.({ phase: "extract", bytes, total });
      done(null, chunk);
    },
  });
  const tar = require("tar") as typeof Tar; // loaded on first use: importing gradwork stays cheap
  const unpack = tar.x({
    cwd: dest,
    strict: true,
    filter: (path, entry) => {
      const type = (entry as { type?: string }).type;
      const inside = path === BATCHES_DIR || path === `${BATCHES_DIR}/` || path.startsWith(`${BATCHES_DIR}/`);
      return inside && (type === "File" || type === "OldFile" || type === "Directory");
    },
  });
  try {
    await pipeline(createReadStream(archive), tap, unpack);
  } catch (err) {
    throw new Error(`cifar10.download: cannot extract ${archive}: ${(err as Error).message}`);
  } finally {
    bar?.finish(bytes);
  }
  return hash.digest("hex");
}

function md5OfFile(path: string): Promise<string> {
  const hash = createHash("md5");
  return pipeline(createReadStream(path), hash).then(() => hash.digest("hex"));
}
