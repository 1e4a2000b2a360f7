import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { DataLoader } from "../../lib/data/dataloader";
import { Dataset, Subset, TensorDataset } from "../../lib/data/dataset";
import { ImageDataset } from "../../lib/data/image-dataset";
import { compose, normalize, randomCrop, randomHorizontalFlip, toTensor } from "../../lib/data/transforms";

/** N float images [1,2,2] whose every pixel is the image's index; label = index % 10. */
function indexed(n: number): ImageDataset {
  const images = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) images.fill(i, i * 4, i * 4 + 4);
  return new ImageDataset(images, Uint8Array.from({ length: n }, (_, i) => i % 10), [1, 2, 2]);
}

/** The sample ids of one epoch, batch by batch (checking labels agree with images). */
function epochIds(loader: Iterable<gw.Tensor[]>): number[][] {
  const out: number[][] = [];
  for (const [x, y] of loader) {
    const ids = [];
    const xs = x.toFloat32Array();
    const ys = y.toFloat32Array();
    for (let b = 0; b < x.shape[0]; b++) {
      ids.push(xs[b * 4]);
      expect(ys[b]).toBe(xs[b * 4] % 10);
    }
    out.push(ids);
  }
  return out;
}

const sorted = (a: number[]) => [...a].sort((p, q) => p - q);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("DataLoader", () => {
  it("visits every sample exactly once per epoch, in a new order each epoch", () => {
    const loader = new DataLoader(indexed(103), { batchSize: 10, shuffle: true, seed: 1 });
    expect(loader.length).toBe(11);
    const e1 = epochIds(loader);
    const e2 = epochIds(loader);
    expect(e1.map((b) => b.length)).toEqual([...new Array(10).fill(10), 3]);
    expect(sorted(e1.flat())).toEqual(range(103));
    expect(sorted(e2.flat())).toEqual(range(103));
    expect(e1.flat()).not.toEqual(e2.flat());
    expect(e1.flat()).not.toEqual(range(103));
  });

  it("keeps order without shuffle", () => {
    expect(epochIds(new DataLoader(indexed(7), { batchSize: 3 })).flat()).toEqual(range(7));
  });

  it("reproduces seeded shuffles, and different seeds differ", () => {
    const a = new DataLoader(indexed(50), { batchSize: 8, shuffle: true, seed: 42 });
    const b = new DataLoader(indexed(50), { batchSize: 8, shuffle: true, seed: 42 });
    const c = new DataLoader(indexed(50), { batchSize: 8, shuffle: true, seed: 43 });
    const [a1, a2, b1, b2, c1] = [epochIds(a), epochIds(a), epochIds(b), epochIds(b), epochIds(c)];
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
    expect(c1.flat()).not.toEqual(a1.flat());
  });

  it("draws unseeded shuffles from the global generator (gw.manualSeed)", () => {
    gw.manualSeed(5);
    const a = epochIds(new DataLoader(indexed(30), { batchSize: 30, shuffle: true }));
    gw.manualSeed(5);
    const b = epochIds(new DataLoader(indexed(30), { batchSize: 30, shuffle: true }));
    expect(b).toEqual(a);
  });

  it("drops the last short batch with dropLast", () => {
    const loader = new DataLoader(indexed(103), { batchSize: 10, shuffle: true, seed: 0, dropLast: true });
    expect(loader.length).toBe(10);
    const ids = epochIds(loader);
    expect(ids).toHaveLength(10);
    expect(ids.every((b) => b.length === 10)).toBe(true);
    expect(new Set(ids.flat()).size).toBe(100);
  });

  it("iterates asynchronously with for await, same batches as sync for the same seed", async () => {
    const sync = epochIds(new DataLoader(indexed(25), { batchSize: 4, shuffle: true, seed: 9 }));
    const loader = new DataLoader(indexed(25), { batchSize: 4, shuffle: true, seed: 9 });
    const got: number[][] = [];
    for await (const [x] of loader) got.push(Array.from({ length: x.shape[0] }, (_, b) => x.toFloat32Array()[b * 4]));
    expect(got).toEqual(sync);
  });

  it("batches a TensorDataset, a Subset and a plain Dataset of numbers", () => {
    const x = gw.arange(0, 12).reshape([6, 2]);
    const y = gw.tensor([0, 1, 0, 1, 1, 0]);
    const ds = new TensorDataset(x, y);
    const [x3, y3] = ds.get(3);
    expect(x3.toArray()).toEqual([6, 7]);
    expect(y3.item()).toBe(1);
    const batches = [...new DataLoader(ds, { batchSize: 4 })];
    expect(batches[0][0].shape).toEqual([4, 2]);
    expect(batches[1][0].toArray()).toEqual([[8, 9], [10, 11]]);
    expect(batches[1][1].toArray()).toEqual([1, 0]);
    expect(() => new TensorDataset(x, gw.zeros([5]))).toThrow(/same first dimension.*\[6, 2\], \[5\]/);

    const sub = new Subset(indexed(20), [19, 3, 7]);
    expect(epochIds(new DataLoader(sub, { batchSize: 2 })).flat()).toEqual([19, 3, 7]);

    class Squares extends Dataset<[number, number]> {
      get length() { return 5; }
      get(i: number): [number, number] { return [i, i * i]; }
    }
    const [[a, b]] = [...new DataLoader(new Squares(), { batchSize: 5 })];
    expect(a.toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(b.toArray()).toEqual([0, 1, 4, 9, 16]);
  });

  it("applies augmentations keeping shapes and labels", () => {
    const n = 40;
    const images = new Uint8Array(n * 3 * 8 * 8).map((_, j) => (j * 7) % 256);
    const labels = Uint8Array.from({ length: n }, (_, i) => (i * 3) % 10);
    const ds = new ImageDataset(images, labels, [3, 8, 8]);
    const t = compose([randomCrop(8, { padding: 2 }), randomHorizontalFlip(), toTensor(), normalize([0.5, 0.4, 0.3], [0.2, 0.25, 0.3])]);
    const plain = [...new DataLoader(ds, { batchSize: 16, shuffle: true, seed: 3 })];
    const aug = [...new DataLoader(ds, { batchSize: 16, shuffle: true, seed: 3, transform: t })];
    expect(aug.map(([x]) => x.shape)).toEqual([[16, 3, 8, 8], [16, 3, 8, 8], [8, 3, 8, 8]]);
    aug.forEach(([, y], k) => expect(y.toArray()).toEqual(plain[k][1].toArray()));
    expect(aug[0][0].toFloat32Array()).not.toEqual(plain[0][0].toFloat32Array());
    const again = [...new DataLoader(ds, { batchSize: 16, shuffle: true, seed: 3, transform: t })];
    expect(again[1][0].toFloat32Array()).toEqual(aug[1][0].toFloat32Array());
  });

  it("rejects bad options clearly", () => {
    expect(() => new DataLoader(indexed(3), { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => new DataLoader([1, 2] as never)).toThrow(/must be a gw\.data\.Dataset/);
    const ds = new TensorDataset(gw.zeros([4, 2]));
    expect(() => [...new DataLoader(ds, { batchSize: 2, transform: toTensor() })]).toThrow(/needs image batches \[B,C,H,W\].*\[2,2\]/);
  });
});
