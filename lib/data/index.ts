// gw.data: datasets, the DataLoader, image transforms and CIFAR-10.
export * as cifar10 from "./cifar10";
export { Dataset, TensorDataset, Subset } from "./dataset";
export { ImageDataset } from "./image-dataset";
export { DataLoader } from "./dataloader";
export type { DataLoaderOptions } from "./dataloader";
export { toTensor, normalize, randomCrop, randomHorizontalFlip, compose } from "./transforms";
export type { Transform } from "./transforms";
