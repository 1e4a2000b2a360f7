import { appendFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { load } from "../../lib/data/cifar10/load";
import { CLASS_NAMES, labelOf, pixel, record, removeTempDirs, tempDir, writeBatches } from "./cifar-fixture";

afterAll(removeTempDirs);

describe("cifar10.load", () => {
  it("reads labels, class names and pixels as [N,3,32,32] (red plane, green, blue; each row-major)", () => {
    const root = tempDir();
    writeBatches(root, 3, 4);
    const train = load({ root, split: "train" });
    expect(train.length).toBe(15);
    expect(train.images).toBeInstanceOf(Uint8Array);
    expect(train.images.length).toBe(15 * 3072);
    expect(train.classes).toEqual(CLASS_NAMES);
    for (let id = 0; id < 15; id++) {
      expect(train.labels[id]).toBe(labelOf(id));
      for (const [c, y, x] of [[0, 0, 0], [0, 0, 31], [1, 5, 2], [2, 31, 30], [2, 17, 9]]) {
        expect(train.images[id * 3072 + c * 1024 + y * 32 + x]).toBe(pixel(id, c, y, x));
      }
    }
    const test = load({ root, split: "test" });
    expect(test.length).toBe(4);
    expect(Array.from(test.labels)).toEqual([1000, 1001, 1002, 1003].map(labelOf));
  });

  it("gives Dataset samples [image Tensor [3,32,32], label]", () => {
    const root = tempDir();
    writeBatches(root, 2, 1);
    const ds = load({ root, split: "train" });
    const [img, label] = ds.get(7);
    expect(img.shape).toEqual([3, 32, 32]);
    expect(label).toBe(labelOf(7));
    const v = img.toFloat32Array();
    expect(v[0 * 1024 + 3 * 32 + 4]).toBe(pixel(7, 0, 3, 4)); // red, row 3, column 4
    expect(v[1 * 1024 + 31 * 32 + 0]).toBe(pixel(7, 1, 31, 0)); // green, last row
    expect(v[2 * 1024 + 0 * 32 + 31]).toBe(pixel(7, 2, 0, 31)); // blue, last column
    expect(() => ds.get(10)).toThrow(/out of range/);
  });

  it("accepts the batches folder itself and a limit spanning several files", () => {
    const root = tempDir();
    const dir = writeBatches(root, 3, 2);
    const ds = load({ root: dir, split: "train", limit: 7 });
    expect(ds.length).toBe(7);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2, 3, 4, 5, 6].map(labelOf));
    expect(ds.images[6 * 3072 + 2 * 1024 + 33]).toBe(pixel(6, 2, 1, 1));
  });

  it("a limit that is not a whole number of images is a clear error (not 'offset is out of bounds')", () => {
    const root = tempDir();
    writeBatches(root, 3, 2);
    for (const bad of [2.5, -1, NaN, "3"]) {
      expect(() => load({ root, split: "train", limit: bad as number })).toThrow(/^cifar10\.load: limit must be a whole number of images ≥ 0, got /);
    }
    expect(() => load({ root, split: "train", limit: 2.5 })).toThrow(/got 2.5$/);
    expect(load({ root, split: "train", limit: 0 }).length).toBe(0);
    expect(load({ root, split: "train", limit: Infinity }).length).toBe(15);
  });

  it("names the file of a truncated batch", () => {
    const root = tempDir();
    const dir = writeBatches(root);
    truncateSync(join(dir, "data_batch_2.bin"), 3073 * 3 - 100);
    expect(() => load({ root })).toThrow(/data_batch_2\.bin is truncated.*not a multiple of 3073/);
  });

  it("names the file and the size of a wrong record size", () => {
    const root = tempDir();
    const dir = writeBatches(root);
    writeFileSync(join(dir, "test_batch.bin"), Buffer.alloc(3074 * 5)); // CIFAR-100 layout
    expect(() => load({ root, split: "test" })).toThrow(/test_batch\.bin has 3074-byte records/);
    appendFileSync(join(dir, "data_batch_5.bin"), Buffer.alloc(1));
    expect(() => load({ root, split: "train" })).toThrow(/data_batch_5\.bin .*wrong record size/);
  });

  it("names a missing batch file, a missing class list and a missing folder", () => {
    const root = tempDir();
    const dir = writeBatches(root);
    rmSync(join(dir, "data_batch_4.bin"));
    expect(() => load({ root })).toThrow(/missing batch file .*data_batch_4\.bin/);
    expect(load({ root, split: "test" }).length).toBe(4);
    rmSync(join(dir, "batches.meta.txt"));
    expect(() => load({ root, split: "test" })).toThrow(/batches\.meta\.txt/);
    expect(() => load({ root: tempDir() })).toThrow(/no cifar-10-batches-bin folder.*download/);
  });

  it("names the file and record of a label > 9", () => {
    const root = tempDir();
    const dir = writeBatches(root, 3);
    const bad = record(4);
    bad[0] = 12;
    writeFileSync(join(dir, "data_batch_2.bin"), Buffer.concat([record(3), bad, record(5)]));
    expect(() => load({ root })).toThrow(/data_batch_2\.bin record 1 has label 12/);
  });
});
