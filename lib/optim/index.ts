// gw.optim: optimizers, and their state on disk.
export { Optimizer, type OptimizerStateDict, type OptimizerScalar } from "./optimizer";
export { SGD, type SGDOptions } from "./sgd";
export { Adam, AdamW, type AdamOptions } from "./adam";
export { saveState, loadState } from "./state";
