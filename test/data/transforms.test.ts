import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { collateImages, gather } from "../../lib/data/collate";
import { applySteps, compose, normalize, randomCrop, randomHorizontalFlip, toSteps, toTensor } from "../../lib/data/transforms";
import type { Transform } from "../../lib/data/transforms";
import { Generator } from "../../lib/tensor/random";

const C = 3, H = 6, W = 5;
/** Image i, channel c, row y, column x → a distinct byte. */
const px = (i: number, c: number, y: number, x: number) => 1 + ((i * 50 + c * 30 + y * W + x) % 250);
function bytes(n: number): Uint8Array {
  const out = new Uint8Array(n * C * H * W);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[((i * C + c) * H + y) * W + x] = px(i, c, y, x);
  return out;
}

/** Does `img` (one output image, channel-major) equal source image `id` shifted by (sy, sx), maybe flipped, zero-padded? */
function explains(img: Float32Array, id: number, sy: number, sx: number, flip: boolean): boolean {
  for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const xx = flip ? W - 1 - x : x;
    const yy = y + sy, xs = xx + sx;
    const want = yy >= 0 && yy < H && xs >= 0 && xs < W ? px(id, c, yy, xs) : 0;
    if (img[(c * H + y) * W + x] !== want) return false;
  }
  return true;
}

describe("transforms", () => {
  it("randomCrop(padding) + flip give shifted, mirrored, zero-padded copies of the right image", () => {
    const n = 30;
    const ids = Int32Array.from({ length: n }, (_, i) => (i * 7) % n);
    const steps = toSteps(compose([randomCrop([H, W], { padding: 2 }), randomHorizontalFlip()]));
    const { data, dims } = collateImages(bytes(n), [C, H, W], ids, steps, new Generator(1));
    expect(dims).toEqual({ n, c: C, h: H, w: W });
    const seen = new Set<string>();
    for (let b = 0; b < n; b++) {
      const img = data.subarray(b * C * H * W, (b + 1) * C * H * W);
      const found = [];
      for (let sy = -2; sy <= 2; sy++) for (let sx = -2; sx <= 2; sx++) for (const f of [false, true]) if (explains(img, ids[b], sy, sx, f)) found.push(`${sy},${sx},${f}`);
      expect(found.length).toBeGreaterThan(0);
      seen.add(found[0].split(",")[2]);
    }
    expect(seen).toEqual(new Set(["true", "false"])); // both flipped and unflipped happen
  });

  it("fused collation equals the step-by-step path for the same seed", () => {
    const n = 12;
    const src = bytes(n);
    const ids = Int32Array.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8].map((v) => v % n));
    const pipelines: Transform[] = [
      compose([randomCrop([H, W], { padding: 3 }), randomHorizontalFlip(), toTensor(), normalize([0.5, 0.4, 0.3], [0.2, 0.25, 0.3])]),
      compose([toTensor(), normalize(0.5, 0.25), randomHorizontalFlip(0.7), randomCrop([4, 3], { padding: 1, fill: -1 })]),
      compose([randomHorizontalFlip(), randomCrop([H, W], { padding: 2 }), randomCrop([3, 3])]),
      compose([randomCrop([H, W], { padding: 1 }), (x) => x.mul(2), randomCrop([H, W], { padding: 1 }), randomCrop([H, W], { padding: 1 })]),
    ];
    for (const t of pipelines) {
      const fused = collateImages(src, [C, H, W], ids, t.steps, new Generator(11));
      const slow = applySteps(gather(src, C * H * W, ids), { n, c: C, h: H, w: W }, t.steps, new Generator(11));
      expect(fused.dims).toEqual(slow.dims);
      expect(fused.data.length).toBe(slow.data.length);
      for (let j = 0; j < slow.data.length; j++) expect(fused.data[j]).toBeCloseTo(slow.data[j], 5);
    }
  });

  it("toTensor scales bytes to [0,1] and normalize uses per-channel mean/std", () => {
    const x = gw.tensor([0, 51, 255, 102, 0, 255], { shape: [3, 1, 2] });
    expect(toTensor()(x).toFloat32Array()).toEqual(Float32Array.from([0, 0.2, 1, 0.4, 0, 1]));
    const y = compose([toTensor(), normalize([0.5, 0.2, 0.0], [0.5, 0.1, 2])])(x).toArray(3);
    expect(y[0][0][0]).toBeCloseTo(-1, 6);
    expect(y[0][0][1]).toBeCloseTo(-0.6, 5);
    expect(y[1][0][0]).toBeCloseTo(8, 5);
    expect(y[1][0][1]).toBeCloseTo(2, 5);
    expect(y[2][0][1]).toBeCloseTo(0.5, 6);
    expect(() => normalize([0.5, 0.5], [0.2])).toThrow(/mean has 2 values but std has 1/);
    expect(() => normalize([0.5, 0.5], [0.2, 0.3])(x)).toThrow(/2 values per channel but the images have 3 channels/);
  });

  it("works on a single image [C,H,W] and on a batch, seeded by gw.manualSeed", () => {
    const t = compose([randomCrop(4, { padding: 1 }), randomHorizontalFlip()]);
    const img = gw.rand([3, 5, 5]);
    expect(t(img).shape).toEqual([3, 4, 4]);
    const batch = gw.rand([6, 3, 5, 5]);
    gw.manualSeed(3);
    const a = t(batch).toFloat32Array();
    gw.manualSeed(3);
    expect(t(batch).toFloat32Array()).toEqual(a);
    expect(randomHorizontalFlip(1)(gw.tensor([[[1, 2, 3]]])).toArray()).toEqual([[[3, 2, 1]]]);
    expect(() => t(gw.zeros([5, 5]))).toThrow(/\[C,H,W\] or a batch \[B,C,H,W\], got \[5, 5\]/);
    expect(() => randomCrop(9)(gw.zeros([1, 3, 3]))).toThrow(/window 9×9 is larger than the padded image 3×3/);
  });
});
