// nn.functional (also exported as gw.F): stateless forms of the layers and the losses.
export { linear, dropout } from "./layers";
export { batchNorm } from "./batchnorm";
export { crossEntropy, nllLoss, mseLoss, binaryCrossEntropyWithLogits, type Reduction } from "./losses";
export { conv1d, conv2d, convOutputSize, type ConvOptions } from "../ops/conv";
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, poolOutputSize } from "../ops/pool";
export { softmax, logSoftmax } from "../ops/reduce";
export { relu, sigmoid, tanh } from "../ops/elementwise";
export { pad } from "../ops/shape";
