/**
 * gradingImages: the images of graded training tasks (task 5.4), loaded in the grader process. A small
 * archive in the official format stands in for the course mirror; an empty folder without a mirror
 * gives the synthetic stand-in.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gradingImages, syntheticImages } from "../../lib/grader/datasets";
import { labelOf, pixel, removeTempDirs, tempDir, writeArchive } from "../data/cifar-fixture";

let mirror: { url: string; md5: string };

beforeAll(async () => {
  const a = await writeArchive(3, 4); // 5 train batches of 3 images (ids 0–14), 4 test images (ids 1000–1003)
  mirror = { url: a.path, md5: a.md5 };
});
afterAll(removeTempDirs);

/** Image `id` of the fixture as bytes. */
const imageOf = (id: number) => Uint8Array.from({ length: 3072 }, (_, i) => pixel(id, i >> 10, (i >> 5) & 31, i & 31));

describe("gradingImages", () => {
  it("extracts the mirror once into root and returns the first images of each split, as bytes", async () => {
    const root = join(tempDir("gw-grading-"), "data", "cifar10");
    const d = await gradingImages({ train: 5, test: 3, root, mirror });
    expect(d.source).toBe("cifar10");
    expect(d.note).toMatch(/CIFAR-10: the first 5 training and 3 test images/);
    expect(d.trainImages).toBeInstanceOf(Uint8Array);
    expect(d.trainImages.length).toBe(5 * 3072);
    // Images 3 and 4 come from the second batch file.
    expect(Array.from(d.trainLabels)).toEqual([0, 1, 2, 3, 4].map(labelOf));
    expect(d.trainImages.subarray(4 * 3072, 5 * 3072)).toEqual(imageOf(4));
    expect(Array.from(d.testLabels)).toEqual([1000, 1001, 1002].map(labelOf));
    expect(d.testImages.subarray(2 * 3072)).toEqual(imageOf(1002));
    expect(existsSync(join(root, "cifar-10-batches-bin", "data_batch_5.bin"))).toBe(true);
    expect(readdirSync(root).filter((f) => f.startsWith(".grader.lock") || f.startsWith(".extract"))).toEqual([]);
  });

  it("reuses an existing extraction without a mirror", async () => {
    const root = join(tempDir("gw-grading-"), "cifar10");
    await gradingImages({ train: 2, test: 1, root, mirror });
    const d = await gradingImages({ train: 4, test: 2, root, mirror: null });
    expect(d.source).toBe("cifar10");
    expect(Array.from(d.trainLabels)).toEqual([0, 1, 2, 3].map(labelOf));
  });

  it("extracts once when graders start in parallel (a lock, no half-written folder)", async () => {
    const root = join(tempDir("gw-grading-"), "cifar10");
    const all = await Promise.all([1, 2, 3].map((n) => gradingImages({ train: n, test: 1, root, mirror })));
    expect(all.map((d) => d.source)).toEqual(["cifar10", "cifar10", "cifar10"]);
    expect(all.map((d) => d.trainLabels.length)).toEqual([1, 2, 3]);
    expect(readdirSync(root).sort()).toEqual([".cifar10.complete", "cifar-10-batches-bin"]);
  });

  it("falls back to the synthetic set, saying why, without data and without a mirror", async () => {
    const root = join(tempDir("gw-grading-"), "cifar10");
    const d = await gradingImages({ train: 30, test: 10, root, mirror: null });
    expect(d.source).toBe("synthetic");
    expect(d.note).toMatch(/^synthetic CIFAR-shaped data \(no CIFAR-10 in .*cifar10 and no course mirror/);
    expect(d.trainImages.length).toBe(30 * 3072);
    expect(d.testImages.length).toBe(10 * 3072);
    expect(Math.max(...d.trainLabels)).toBeLessThan(10);
    expect(existsSync(root)).toBe(false); // nothing created
  });

  it("falls back when the data holds fewer images than asked for", async () => {
    const root = join(tempDir("gw-grading-"), "cifar10");
    const d = await gradingImages({ train: 16, test: 2, root, mirror });
    expect(d.source).toBe("synthetic");
    expect(d.note).toMatch(/holds only 15 training and 2 test images \(16 and 2 needed\)/);
  });

  it("falls back, naming the problem, when the mirror is broken", async () => {
    const root = join(tempDir("gw-grading-"), "cifar10");
    const d = await gradingImages({ train: 1, test: 1, root, mirror: { url: mirror.url, md5: "0".repeat(32) } });
    expect(d.source).toBe("synthetic");
    expect(d.note).toMatch(/CIFAR-10 could not be read \(.*MD5 mismatch/);
  });

  it("refuses to run inside the sandbox and rejects bad sizes", async () => {
    await expect(gradingImages({ train: 0, test: 1, mirror: null })).rejects.toThrow(/train must be a positive whole number of images, got 0/);
    process.env.GRADWORK_GRADING = "1";
    try {
      await expect(gradingImages({ train: 1, test: 1 })).rejects.toThrow(/grader process only/);
    } finally {
      delete process.env.GRADWORK_GRADING;
    }
  });
});

describe("syntheticImages", () => {
  it("is deterministic for a seed and uses all ten classes", () => {
    const a = syntheticImages(200, 50, 7, "test");
    const b = syntheticImages(200, 50, 7, "test");
    const c = syntheticImages(200, 50, 8, "test");
    expect(a.trainImages).toEqual(b.trainImages);
    expect(a.testLabels).toEqual(b.testLabels);
    expect(a.trainImages).not.toEqual(c.trainImages);
    expect(new Set(a.trainLabels).size).toBe(10);
  });

  it("hides the class from the mean image (random stripe phase) but not from stripe energy", () => {
    // Class means of pixel values differ little (a linear model stays near chance), while the energy of
    // the image's difference along the class's stripes separates the two stripe periods.
    const d = syntheticImages(2000, 1, 3, "test");
    const meanOf = (cls: number) => {
      const ids = [...d.trainLabels.keys()].filter((i) => d.trainLabels[i] === cls);
      let s = 0;
      for (const i of ids) for (let p = 0; p < 64; p++) s += d.trainImages[i * 3072 + p] - 128;
      return s / ids.length / 64;
    };
    for (let cls = 0; cls < 10; cls++) expect(Math.abs(meanOf(cls))).toBeLessThan(10);
    // Vertical stripes (class 0: period 4, class 5: period 8): correlation of a row with itself `lag` pixels on.
    const corr = (cls: number, lag: number) => {
      const ids = [...d.trainLabels.keys()].filter((i) => d.trainLabels[i] === cls);
      let s = 0;
      for (const i of ids) {
        for (let c = 0; c < 3; c++) {
          const plane = d.trainImages.subarray(i * 3072 + c * 1024, i * 3072 + (c + 1) * 1024);
          const m = plane.reduce((a, v) => a + v, 0) / 1024; // remove the image's brightness
          for (let y = 0; y < 32; y++) for (let x = 0; x + lag < 32; x++) s += (plane[y * 32 + x] - m) * (plane[y * 32 + x + lag] - m);
        }
      }
      return s / ids.length;
    };
    expect(corr(0, 2)).toBeLessThan(0); // half a period apart: opposite signs
    expect(corr(0, 4)).toBeGreaterThan(0); // a whole period apart: the same sign
    expect(corr(5, 4)).toBeLessThan(0); // half of the longer period
  });
});
