// Convolution and pooling layers.
import { Tensor } from "../tensor/tensor";
import { conv1d, conv2d, type Padding } from "../ops/conv";
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from "../ops/pool";
import { defaultBound, uniform } from "./init";
import { Module, Parameter } from "./module";

type Pair = number | readonly [number, number];
const pairOf = (v: Pair): [number, number] => (typeof v === "number" ? [v, v] : [v[0], v[1]]);

export interface ConvLayerOptions {
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

function checkChannels(what: string, inC: number, outC: number, groups: number): void {
  if (!Number.isInteger(inC) || !Number.isInteger(outC) || inC < 1 || outC < 1) throw new Error(`${what}: channel counts must be positive integers, got ${inC}, ${outC}`);
  if (!Number.isInteger(groups) || groups < 1 || inC % groups || outC % groups) {
    throw new Error(`${what}: groups=${groups} must divide both inChannels (${inC}) and outChannels (${outC})`);
  }
}

/**
 * 2-D convolution layer (cross-correlation) with PyTorch's default initialisation.
 *
 * @example
 * const conv = new gw.nn.Conv2d(3, 16, 5, { padding: 2 });
 * conv.forward(gw.randn([8, 3, 32, 32])).shape; // [8, 16, 32, 32]
 */
export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: [number, number];
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, private _opts: ConvLayerOptions = {}) {
    super();
    const groups = _opts.groups ?? 1;
    checkChannels("Conv2d", inChannels, outChannels, groups);
    this.kernelSize = pairOf(kernelSize);
    const [kh, kw] = this.kernelSize;
    const bound = defaultBound((inChannels / groups) * kh * kw);
    this.weight = new Parameter(uniform([outChannels, inChannels / groups, kh, kw], bound));
    this.bias = _opts.bias === false ? null : new Parameter(uniform([outChannels], bound));
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this._opts);
  }
  protected extraRepr(): string {
    const o = this._opts;
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}]${o.stride ? `, stride=${JSON.stringify(o.stride)}` : ""}${o.padding ? `, padding=${JSON.stringify(o.padding)}` : ""}`;
  }
}

/**
 * 1-D convolution layer over [N, C, L].
 *
 * @example
 * new gw.nn.Conv1d(1, 4, 3).forward(gw.randn([2, 1, 10])).shape; // [2, 4, 8]
 */
export class Conv1d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    private _opts: { stride?: number; padding?: number | "same" | "valid"; dilation?: number; groups?: number; bias?: boolean } = {},
  ) {
    super();
    const groups = _opts.groups ?? 1;
    checkChannels("Conv1d", inChannels, outChannels, groups);
    const bound = defaultBound((inChannels / groups) * kernelSize);
    this.weight = new Parameter(uniform([outChannels, inChannels / groups, kernelSize], bound));
    this.bias = _opts.bias === false ? null : new Parameter(uniform([outChannels], bound));
  }
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this._opts);
  }
}

/**
 * Max pooling layer (stride defaults to the kernel size).
 *
 * @example
 * new gw.nn.MaxPool2d(2).forward(gw.randn([1, 3, 32, 32])).shape; // [1, 3, 16, 16]
 */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, private _opts: { stride?: Pair; padding?: Pair; ceilMode?: boolean } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this._opts);
  }
}

/** Average pooling layer (stride defaults to the kernel size). */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, private _opts: { stride?: Pair; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this._opts);
  }
}

/** Average pooling to a fixed output size. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
