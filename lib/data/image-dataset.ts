// A dataset of same-sized images held as one compact array (bytes or floats) plus integer
// labels. The DataLoader builds its batches straight from these arrays (see collate.ts).
import { Tensor } from "../tensor/tensor";
import { Dataset } from "./dataset";

/**
 * Images [N, C, H, W] in one Uint8Array (0–255) or Float32Array, with labels [N].
 * `get(i)` gives `[image Tensor [C,H,W] (float32, same values), label]`.
 *
 * @example
 * const ds = new gw.data.ImageDataset(new Uint8Array(2 * 3 * 4 * 4), new Uint8Array([0, 1]), [3, 4, 4]);
 * const [img, label] = ds.get(1); // img.shape [3, 4, 4], label 1
 */
export class ImageDataset extends Dataset<[Tensor, number]> {
  readonly imageShape: [number, number, number];

  constructor(
    readonly images: Uint8Array | Float32Array,
    readonly labels: Uint8Array | Int32Array | Float32Array,
    imageShape: number[],
  ) {
    super();
    if (imageShape.length !== 3) throw new Error(`ImageDataset: imageShape must be [C, H, W], got [${imageShape.join(", ")}]`);
    this.imageShape = [imageShape[0], imageShape[1], imageShape[2]];
    const size = this.imageSize;
    if (images.length !== labels.length * size) {
      throw new Error(
        `ImageDataset: ${labels.length} labels need ${labels.length * size} pixel values for images [${imageShape.join(", ")}], got ${images.length}`,
      );
    }
  }

  /** Number of images. */
  get length(): number {
    return this.labels.length;
  }

  /** Values per image (C·H·W). */
  get imageSize(): number {
    return this.imageShape[0] * this.imageShape[1] * this.imageShape[2];
  }

  get(i: number): [Tensor, number] {
    this.checkIndex(i);
    const size = this.imageSize;
    const data = Float32Array.from(this.images.subarray(i * size, (i + 1) * size));
    return [new Tensor(data, this.imageShape), this.labels[i]];
  }
}
