/**
 * A labelled grid of small images (e.g. CIFAR-10 samples) as plain HTML: each image is a PNG data
 * URL in an `<img>`, so it shows without scripts, in untrusted notebooks and in exported HTML.
 */
import { type TensorData, isTensorData } from "./data";
import { escapeHtml, uniqueId } from "./html";
import { encodePng } from "./png";

type Pixels = Uint8Array | Float32Array | Float64Array | number[] | TensorData;

/** One image in channel-first layout ([C, H, W], C = 1 or 3) with an optional caption. */
export interface LabelledImage {
  pixels: Pixels;
  label?: string;
  /** [C, H, W]; taken from the tensor, or 3x32x32 (CIFAR-10) when the length is 3072. */
  shape?: [number, number, number];
}

export interface ImageGridOptions {
  /** Images per row (default 8). */
  cols?: number;
  /** A caption per image (overrides `label` of LabelledImage). */
  labels?: string[];
  title?: string;
  /** Shape of a flat typed-array batch, [N, C, H, W]. Default: CIFAR-10's [N, 3, 32, 32]. */
  shape?: [number, number, number, number];
  /** Screen pixels per image pixel (default: enough to make images about 64 px wide). */
  scale?: number;
  /** Show at most this many images (default 100). */
  max?: number;
}

interface Image {
  chw: Float32Array | Uint8Array;
  c: number;
  h: number;
  w: number;
  label?: string;
}

function flat(p: Pixels): Float32Array | Uint8Array {
  if (isTensorData(p)) return p.toFloat32Array();
  if (p instanceof Uint8Array || p instanceof Float32Array) return p;
  return Float32Array.from(p as ArrayLike<number>);
}

function checkChannels(c: number, what: string): void {
  if (c !== 1 && c !== 3) throw new Error(`${what}: expected 1 or 3 channels, got ${c}`);
}

/** Splits any accepted input into single images. */
function splitImages(images: Pixels | LabelledImage[], opts: ImageGridOptions): Image[] {
  const what = "plot.imageGrid";
  if (Array.isArray(images) && images.length > 0 && typeof images[0] === "object") {
    return (images as LabelledImage[]).map((img, i) => {
      const data = flat(img.pixels);
      let shape = img.shape ?? (isTensorData(img.pixels) ? [...img.pixels.shape] : undefined);
      if (shape && shape.length === 2) shape = [1, shape[0], shape[1]];
      if (!shape && data.length === 3072) shape = [3, 32, 32];
      if (!shape || shape.length !== 3) {
        throw new Error(`${what}: image ${i} needs a shape [C, H, W] (it has ${data.length} values)`);
      }
      const [c, h, w] = shape;
      checkChannels(c, `${what}: image ${i}`);
      if (c * h * w !== data.length) {
        throw new Error(`${what}: image ${i} has ${data.length} values but shape [${shape.join(", ")}] needs ${c * h * w}`);
      }
      return { chw: data, c, h, w, label: img.label };
    });
  }
  let shape: number[];
  if (isTensorData(images)) {
    shape = [...images.shape];
    if (shape.length === 3) shape = [shape[0], 1, shape[1], shape[2]];
  } else {
    const n = (images as ArrayLike<number>).length;
    shape = opts.shape ?? [n / 3072, 3, 32, 32];
  }
  const data = flat(images as Pixels);
  if (shape.length !== 4 || !Number.isInteger(shape[0]) || shape.reduce((a, b) => a * b, 1) !== data.length) {
    throw new Error(
      `${what}: cannot read ${data.length} values as [N, C, H, W] = [${shape.join(", ")}]; pass a tensor or opts.shape`,
    );
  }
  const [n, c, h, w] = shape;
  checkChannels(c, what);
  const size = c * h * w;
  return Array.from({ length: n }, (_, i) => ({ chw: data.subarray(i * size, (i + 1) * size), c, h, w }));
}

/** Converts one CHW image to interleaved HWC bytes, rescaling floats to 0..255. */
function toBytes(img: Image): Uint8Array {
  const { chw, c, h, w } = img;
  let scale = 1;
  let offset = 0;
  if (!(chw instanceof Uint8Array)) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of chw) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo >= 0 && hi <= 1) scale = 255; // floats in [0, 1]
    else if (lo < 0 || hi > 255) {
      // normalized data: stretch this image's range to 0..255
      scale = hi > lo ? 255 / (hi - lo) : 1;
      offset = lo;
    }
  }
  const out = new Uint8Array(h * w * c);
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < h * w; p++) {
      const v = Math.round((chw[ch * h * w + p] - offset) * scale);
      out[p * c + ch] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/**
 * HTML for a grid of images with captions.
 * @example imageGridHtml(gw.rand([4, 3, 32, 32]), { cols: 4, labels: ["a", "b", "c", "d"] })
 */
export function imageGridHtml(images: Pixels | LabelledImage[], opts: ImageGridOptions = {}): string {
  const all = splitImages(images, opts);
  if (opts.labels && opts.labels.length < all.length) {
    throw new Error(`plot.imageGrid: ${opts.labels.length} labels for ${all.length} images`);
  }
  const shown = all.slice(0, opts.max ?? 100);
  const cols = Math.max(1, Math.min(opts.cols ?? 8, shown.length));
  const cells = shown.map((img, i) => {
    const label = opts.labels?.[i] ?? img.label ?? "";
    const scale = opts.scale ?? Math.max(1, Math.round(64 / img.w));
    const png = encodePng(toBytes(img), img.w, img.h, img.c as 1 | 3).toString("base64");
    return (
      `<figure style="margin:0;text-align:center">` +
      `<img src="data:image/png;base64,${png}" width="${img.w * scale}" height="${img.h * scale}" ` +
      `style="image-rendering:pixelated;display:block;margin:auto" alt="${escapeHtml(label || `image ${i}`)}">` +
      `<figcaption style="font:11px sans-serif;max-width:${Math.max(64, img.w * scale)}px;overflow:hidden">${escapeHtml(label)}</figcaption>` +
      `</figure>`
    );
  });
  const more = all.length > shown.length ? `<div style="font:12px sans-serif">… ${all.length - shown.length} more not shown</div>` : "";
  const title = opts.title ? `<div style="font:bold 14px sans-serif;margin:4px 0">${escapeHtml(opts.title)}</div>` : "";
  return (
    `<div class="gw-image-grid" id="${uniqueId("gw-images")}">${title}` +
    `<div style="display:grid;grid-template-columns:repeat(${cols}, max-content);gap:6px">${cells.join("")}</div>${more}</div>`
  );
}
