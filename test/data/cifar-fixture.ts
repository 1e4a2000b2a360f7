// Builds small CIFAR-10 folders and archives in the official binary format for the tests.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";

export const CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
export const TRAIN_FILES = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

/** Pixel value of image `id`, channel c, row y, column x (distinct planes, rows and columns). */
export function pixel(id: number, c: number, y: number, x: number): number {
  return (id * 31 + c * 80 + y * 5 + x * 3) % 256;
}

/** Label of image `id`. */
export function labelOf(id: number): number {
  return (id * 7 + 3) % 10;
}

/** One 3,073-byte record written by hand: label, then red, green, blue planes, each row-major. */
export function record(id: number): Uint8Array {
  const r = new Uint8Array(3073);
  r[0] = labelOf(id);
  let at = 1;
  for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) r[at++] = pixel(id, c, y, x);
  return r;
}

const created: string[] = [];

/** A new empty folder under the OS temp dir (removed by `removeTempDirs`). */
export function tempDir(prefix = "gw-cifar-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Delete every folder made by `tempDir` (call from afterAll). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Write `<parent>/cifar-10-batches-bin/` with `perFile` records in each of the five train
 * batches (ids 0…5·perFile−1, in order) and `testCount` test records (ids from 1000).
 */
export function writeBatches(parent: string, perFile = 3, testCount = 4): string {
  const dir = join(parent, "cifar-10-batches-bin");
  mkdirSync(dir, { recursive: true });
  TRAIN_FILES.forEach((name, f) => {
    const recs = Array.from({ length: perFile }, (_, r) => record(f * perFile + r));
    writeFileSync(join(dir, name), Buffer.concat(recs));
  });
  writeFileSync(join(dir, "test_batch.bin"), Buffer.concat(Array.from({ length: testCount }, (_, r) => record(1000 + r))));
  writeFileSync(join(dir, "batches.meta.txt"), CLASS_NAMES.join("\n") + "\n\n");
  writeFileSync(join(dir, "readme.html"), "<p>test copy</p>");
  return dir;
}

/** A .tar.gz laid out like the official archive; returns its path and MD5. */
export async function writeArchive(perFile = 3, testCount = 4): Promise<{ path: string; md5: string; bytes: Buffer }> {
  const src = tempDir("gw-cifar-src-");
  writeBatches(src, perFile, testCount);
  const path = join(tempDir("gw-cifar-arc-"), "cifar-10-binary.tar.gz");
  await tar.c({ gzip: true, cwd: src, file: path, portable: true }, ["cifar-10-batches-bin"]);
  const bytes = readFileSync(path);
  return { path, md5: createHash("md5").update(bytes).digest("hex"), bytes };
}
