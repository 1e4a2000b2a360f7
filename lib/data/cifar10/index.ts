// gw.data.cifar10: download, verify, extract and load the CIFAR-10 binary batches.
export { download, isComplete, BATCH_FILES } from "./download";
export type { DownloadOptions, DownloadProgress, DownloadResult } from "./download";
export { load, Cifar10Dataset, IMAGE_SHAPE, RECORD_BYTES } from "./load";
export type { LoadOptions } from "./load";
export { MIRROR, defaultRoot, OFFICIAL_URL, OFFICIAL_MD5, ARCHIVE_NAME, BATCHES_DIR } from "./source";
export type { Cifar10Source } from "./source";

/** The ten class names in label order. */
export const CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

/**
 * Per-channel mean and standard deviation of the official training images (0–1 scale), for
 * `normalize`. The course mirror (JPEG round trip) measures mean 0.4913/0.4821/0.4465 and
 * std 0.2452/0.2428/0.2606 — close enough to use the same constants.
 */
export const MEAN = [0.4914, 0.4822, 0.4465];
export const STD = [0.247, 0.2435, 0.2616];
