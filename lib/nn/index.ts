// gw.nn: modules, layers and (as nn.functional) the functional forms.
export { Module, Parameter } from "./module";
export { Linear, Sequential, ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Flatten, Identity, Dropout } from "./layers";
export { Conv1d, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, type ConvLayerOptions } from "./conv";
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from "./batchnorm";
export * as functional from "./functional";
export * as init from "./init";
export { summary, ModelSummary, type SummaryRow } from "./summary";
