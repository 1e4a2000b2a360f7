// The benchmark's workloads, described once for gradwork and every peer.

export type Group = "gemm" | "conv" | "convnet" | "vgg" | "vggbn";

export interface Workload {
  /** Stable id used in the JSON output and passed to the children, e.g. "gemm1024", "vgg-b64". */
  id: string;
  group: Group;
  /** Human label for tables. */
  label: string;
  unit: "GFLOP/s" | "img/s";
  /** gemm: matrix size n (n×n times n×n). */
  size?: number;
  /** conv and training: batch size. */
  batch?: number;
}

/** Conv workload geometry: 3×3 kernel, padding 1, 32→32 channels, batch 64, 32×32 images. */
export const CONV = { n: 64, c: 32, cOut: 32, h: 32, w: 32, k: 3, pad: 1 } as const;

/** GFLOP of one n×n by n×n matrix product. */
export function gemmGflop(n: number): number {
  return (2 * n ** 3) / 1e9;
}

/** GFLOP of one forward + backward (input and weight gradients) pass of the CONV workload: 3× the forward. */
export function convGflop(): number {
  const { n, c, cOut, h, w, k } = CONV; // padding 1 keeps 32×32 outputs
  return (3 * 2 * n * cOut * h * w * c * k * k) / 1e9;
}

/** Every workload, in the order they run. */
export const WORKLOADS: Workload[] = [
  { id: "gemm256", group: "gemm", label: "GEMM 256", unit: "GFLOP/s", size: 256 },
  { id: "gemm512", group: "gemm", label: "GEMM 512", unit: "GFLOP/s", size: 512 },
  { id: "gemm1024", group: "gemm", label: "GEMM 1024", unit: "GFLOP/s", size: 1024 },
  { id: "conv", group: "conv", label: "conv 3×3 32→32 b64 32×32 fwd+bwd", unit: "GFLOP/s", batch: 64 },
  { id: "convnet-b8", group: "convnet", label: "chapter ConvNet train b8", unit: "img/s", batch: 8 },
  { id: "convnet-b64", group: "convnet", label: "chapter ConvNet train b64", unit: "img/s", batch: 64 },
  { id: "vgg-b8", group: "vgg", label: "VGG-style train b8", unit: "img/s", batch: 8 },
  { id: "vgg-b64", group: "vgg", label: "VGG-style train b64", unit: "img/s", batch: 64 },
  { id: "vggbn-b64", group: "vggbn", label: "VGG-style + batch norm train b64", unit: "img/s", batch: 64 },
];

/** Work units done by one step of a workload (GFLOP for gemm/conv, images for training). */
export function unitsPerStep(w: Workload): number {
  if (w.group === "gemm") return gemmGflop(w.size!);
  if (w.group === "conv") return convGflop();
  return w.batch!;
}
