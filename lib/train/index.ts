// gw.train: the training loop, evaluation, metrics, learning-rate schedules and the course models.
export { fit, evaluate, makeSchedule } from "./fit";
export type { Evaluation, FitOptions, FitHistory, EpochStats, StepInfo, OptimizerLike, LossFn } from "./fit";
export { accuracy, perClassAccuracy, confusionMatrix, predictions } from "./metrics";
export { stepLR, cosineLR, oneCycleLR, applySchedule } from "./schedules";
export type { LRSchedule } from "./schedules";
import { chapterConvNet, vggNet } from "./models";
export { chapterConvNet, vggNet };
/** @deprecated The same two models as `gw.train.chapterConvNet` and `gw.train.vggNet`; use those. */
export const models = { chapterConvNet, vggNet } as const;
export { ProgressBar } from "../io/progress";
