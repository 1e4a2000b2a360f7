// Convolution and pooling layers. Every argument is checked at construction (the error names the
// layer, the argument and the value), and `toString()` shows the settings as PyTorch's repr does.
import { Tensor } from "../tensor/tensor";
import { conv1d, conv2d, type Padding } from "../ops/conv";
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from "../ops/pool";
import { defaultBound, uniform } from "./init";
import { Module, Parameter } from "./module";
import { boolArg, channelsArg, intArg, optionsArg, pairArg, show, showPair } from "./check";

type Pair = number | readonly [number, number];

export interface ConvLayerOptions {
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

const CONV_OPTIONS = ["stride", "padding", "dilation", "groups", "bias"] as const;

/** "same", "valid", or non-negative integer(s). */
function paddingArg(layer: string, v: unknown, dims: 1 | 2): Padding {
  if (v === undefined) return 0;
  if (v === "same" || v === "valid") return v;
  if (dims === 1) return intArg(layer, "padding", v, 0);
  try {
    return pairArg(layer, "padding", v, 0);
  } catch {
    throw new Error(`${layer}: padding must be "same", "valid", an integer ≥ 0 or a pair of them, got ${show(v)}`);
  }
}

/** The settings PyTorch's conv repr shows beyond the channels and kernel (defaults omitted, stride always). */
function convRepr(stride: number[], padding: Padding, dilation: number[], groups: number, bias: boolean): string {
  const parts = [`stride=[${stride.join(", ")}]`];
  if (typeof padding === "string") parts.push(`padding=${JSON.stringify(padding)}`);
  else if ((typeof padding === "number" ? [padding] : [...padding]).some((p) => p !== 0)) parts.push(`padding=[${(typeof padding === "number" ? [padding] : [...padding]).join(", ")}]`);
  if (dilation.some((d) => d !== 1)) parts.push(`dilation=[${dilation.join(", ")}]`);
  if (groups !== 1) parts.push(`groups=${groups}`);
  if (!bias) parts.push("bias=false");
  return parts.join(", ");
}

/**
 * 2-D convolution layer (cross-correlation) with PyTorch's default initialisation.
 *
 * @example
 * const conv = new gw.nn.Conv2d(3, 16, 5, { padding: 2 });
 * conv.forward(gw.randn([8, 3, 32, 32])).shape; // [8, 16, 32, 32]
 * String(conv); // "Conv2d(3, 16, kernelSize=[5, 5], stride=[1, 1], padding=[2, 2])"
 */
export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: Padding;
  readonly dilation: [number, number];
  readonly groups: number;
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, opts: ConvLayerOptions = {}) {
    super();
    const o = optionsArg<ConvLayerOptions>("Conv2d", opts, CONV_OPTIONS);
    this.groups = o.groups === undefined ? 1 : o.groups;
    channelsArg("Conv2d", inChannels, outChannels, this.groups);
    this.kernelSize = pairArg("Conv2d", "kernelSize", kernelSize);
    this.stride = pairArg("Conv2d", "stride", o.stride === undefined ? 1 : o.stride);
    this.padding = paddingArg("Conv2d", o.padding, 2);
    this.dilation = pairArg("Conv2d", "dilation", o.dilation === undefined ? 1 : o.dilation);
    const hasBias = boolArg("Conv2d", "bias", o.bias, true);
    const [kh, kw] = this.kernelSize;
    const fanIn = (inChannels / this.groups) * kh * kw;
    const bound = defaultBound(fanIn);
    const name = `Conv2d(${inChannels}, ${outChannels}, kernelSize=[${kh}, ${kw}])`;
    this.weight = new Parameter(uniform([outChannels, inChannels / this.groups, kh, kw], bound, `${name} weight`));
    this.bias = hasBias ? new Parameter(uniform([outChannels], bound, `${name} bias`)) : null;
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
  /**
   * This layer then a ReLU, in one pass (conv2d's `relu` option): what nn.Sequential runs for a
   * Conv2d followed by a ReLU. Null when `forward` was replaced (by a subclass, or a wrapper such as
   * nn.summary's), which must then run as written.
   *
   * @example
   * const conv = new gw.nn.Conv2d(3, 4, 3);
   * conv.forwardRelu(gw.randn([1, 3, 8, 8]))?.shape; // [1, 4, 6, 6]
   */
  forwardRelu(x: Tensor): Tensor | null {
    if (this.forward !== Conv2d.prototype.forward) return null;
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups, relu: true });
  }
  protected extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(", ")}], ${convRepr(this.stride, this.padding, this.dilation, this.groups, this.bias !== null)}`;
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
  readonly stride: number;
  readonly padding: number | "same" | "valid";
  readonly dilation: number;
  readonly groups: number;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    opts: { stride?: number; padding?: number | "same" | "valid"; dilation?: number; groups?: number; bias?: boolean } = {},
  ) {
    super();
    const o = optionsArg<typeof opts>("Conv1d", opts, CONV_OPTIONS);
    this.groups = o.groups === undefined ? 1 : o.groups;
    channelsArg("Conv1d", inChannels, outChannels, this.groups);
    intArg("Conv1d", "kernelSize", kernelSize);
    this.stride = intArg("Conv1d", "stride", o.stride === undefined ? 1 : o.stride);
    this.padding = paddingArg("Conv1d", o.padding, 1) as number | "same" | "valid";
    this.dilation = intArg("Conv1d", "dilation", o.dilation === undefined ? 1 : o.dilation);
    const hasBias = boolArg("Conv1d", "bias", o.bias, true);
    const bound = defaultBound((inChannels / this.groups) * kernelSize);
    const name = `Conv1d(${inChannels}, ${outChannels}, kernelSize=${kernelSize})`;
    this.weight = new Parameter(uniform([outChannels, inChannels / this.groups, kernelSize], bound, `${name} weight`));
    this.bias = hasBias ? new Parameter(uniform([outChannels], bound, `${name} bias`)) : null;
  }
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
  protected extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], ${convRepr([this.stride], this.padding, [this.dilation], this.groups, this.bias !== null)}`;
  }
}

/** Checks pooling arguments (PyTorch's rules: padding at most half the kernel). */
function poolArgs(layer: string, kernelSize: unknown, o: { stride?: Pair | null; padding?: Pair; ceilMode?: boolean }) {
  const k = pairArg(layer, "kernelSize", kernelSize);
  if (o.stride !== undefined && o.stride !== null) pairArg(layer, "stride", o.stride);
  const p = pairArg(layer, "padding", o.padding === undefined ? 0 : o.padding, 0);
  if (p[0] > k[0] / 2 || p[1] > k[1] / 2) throw new Error(`${layer}: padding must be at most half of kernelSize (${showPair(kernelSize as Pair)}), got ${show(o.padding)}`);
  boolArg(layer, "ceilMode", o.ceilMode, false);
}

function poolRepr(kernelSize: Pair, o: { stride?: Pair | null; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean }): string {
  const parts = [`kernelSize=${showPair(kernelSize)}`, `stride=${showPair(o.stride ?? kernelSize)}`];
  if (o.padding !== undefined && showPair(o.padding) !== "0") parts.push(`padding=${showPair(o.padding)}`);
  if (o.ceilMode) parts.push("ceilMode=true");
  if (o.countIncludePad === false) parts.push("countIncludePad=false");
  return parts.join(", ");
}

/**
 * Max pooling layer (stride defaults to the kernel size).
 *
 * @example
 * new gw.nn.MaxPool2d(2).forward(gw.randn([1, 3, 32, 32])).shape; // [1, 3, 16, 16]
 * String(new gw.nn.MaxPool2d(2)); // "MaxPool2d(kernelSize=2, stride=2)"
 */
export class MaxPool2d extends Module {
  private readonly _opts: { stride?: Pair; padding?: Pair; ceilMode?: boolean };
  constructor(readonly kernelSize: Pair, opts: { stride?: Pair; padding?: Pair; ceilMode?: boolean } = {}) {
    super();
    this._opts = optionsArg("MaxPool2d", opts, ["stride", "padding", "ceilMode"]);
    poolArgs("MaxPool2d", kernelSize, this._opts);
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this._opts);
  }
  protected extraRepr(): string {
    return poolRepr(this.kernelSize, this._opts);
  }
}

/**
 * Average pooling layer (stride defaults to the kernel size).
 *
 * @example
 * new gw.nn.AvgPool2d(2).forward(gw.randn([1, 3, 8, 8])).shape; // [1, 3, 4, 4]
 */
export class AvgPool2d extends Module {
  private readonly _opts: { stride?: Pair; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean };
  constructor(readonly kernelSize: Pair, opts: { stride?: Pair; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean } = {}) {
    super();
    this._opts = optionsArg("AvgPool2d", opts, ["stride", "padding", "ceilMode", "countIncludePad"]);
    poolArgs("AvgPool2d", kernelSize, this._opts);
    boolArg("AvgPool2d", "countIncludePad", this._opts.countIncludePad, true);
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this._opts);
  }
  protected extraRepr(): string {
    return poolRepr(this.kernelSize, this._opts);
  }
}

/**
 * Average pooling to a fixed output size.
 *
 * @example
 * new gw.nn.AdaptiveAvgPool2d(1).forward(gw.randn([2, 8, 5, 5])).shape; // [2, 8, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
    pairArg("AdaptiveAvgPool2d", "outputSize", outputSize);
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  protected extraRepr(): string {
    return `outputSize=${showPair(this.outputSize)}`;
  }
}
