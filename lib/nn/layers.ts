// Basic layers: Linear, Sequential, activations, Flatten, Identity, Dropout.
import { Tensor } from "../tensor/tensor";
import { fmtShape } from "../tensor/shape";
import { rand } from "../tensor/create";
import { add, lt, mul } from "../ops/elementwise";
import { logSoftmax, softmax } from "../ops/reduce";
import { defaultBound, uniform } from "./init";
import { Module, Parameter } from "./module";
import { Conv2d } from "./conv";
import { BatchNormBase } from "./batchnorm";
import { boolArg, dimArg, intArg, numberArg, optionsArg } from "./check";
import { describe } from "../ops/util";

/**
 * y = x·Wᵀ + b over the last dim (F.linear).
 *
 * @example
 * gw.F.linear(gw.ones([1, 2]), gw.ones([3, 2])).toArray(); // [[2, 2, 2]]
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new Error(`linear: input of shape ${fmtShape(x.shape)} has ${x.shape[x.ndim - 1]} features but the weight ${fmtShape(weight.shape)} expects ${weight.shape[1]}`);
  }
  const y = x.matmul(weight.transpose(0, 1));
  return bias ? add(y, bias) : y;
}

/**
 * A fully connected layer, PyTorch's initialisation (U(±1/√in) for weight and bias).
 *
 * @example
 * const fc = new gw.nn.Linear(4, 2);
 * fc.forward(gw.randn([8, 4])).shape; // [8, 2]
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { bias?: boolean } = {}) {
    super();
    intArg("Linear", "inFeatures", inFeatures);
    intArg("Linear", "outFeatures", outFeatures);
    const o = optionsArg<{ bias?: boolean }>("Linear", opts, ["bias"]);
    const hasBias = boolArg("Linear", "bias", o.bias, true);
    const bound = defaultBound(inFeatures);
    this.weight = new Parameter(uniform([outFeatures, inFeatures], bound, `Linear(${inFeatures}, ${outFeatures}) weight`));
    this.bias = hasBias ? new Parameter(uniform([outFeatures], bound, `Linear(${inFeatures}, ${outFeatures}) bias`)) : null;
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
  protected extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Whether nn.Sequential fuses a ReLU into the Conv2d or batch norm before it (GRADWORK_FUSE_RELU=0: never). */
const FUSE_RELU = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.GRADWORK_FUSE_RELU !== "0";

/**
 * Modules applied one after another; children are named "0", "1", … as in PyTorch. A Conv2d or a
 * batch norm followed by a ReLU runs as one op with the ReLU applied in the same pass
 * (`forwardRelu`): the same numbers and gradients, one tensor and one pass fewer
 * (GRADWORK_FUSE_RELU=0 turns this off).
 *
 * @example
 * const net = new gw.nn.Sequential(new gw.nn.Linear(2, 8), new gw.nn.ReLU(), new gw.nn.Linear(8, 1));
 */
export class Sequential extends Module {
  [index: number]: Module;
  declare readonly length: number;
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new Error(`Sequential: argument ${i} must be an nn.Module, got ${describe(m)}`);
      (this as any)[i] = m;
    });
    Object.defineProperty(this, "length", { value: modules.length, enumerable: false });
  }
  forward(x: any): any {
    for (let i = 0; i < this.length; i++) {
      const m = this[i], next = this[i + 1];
      if (FUSE_RELU && (m instanceof Conv2d || m instanceof BatchNormBase) && next instanceof ReLU && next.forward === ReLU.prototype.forward && x instanceof Tensor) {
        const y = m.forwardRelu(x);
        if (y) {
          x = y;
          i++;
          continue;
        }
      }
      x = m.forward(x);
    }
    return x;
  }
}

/** max(x, 0). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/** 1/(1+e^−x). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/** tanh(x). */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/** Softmax along `dim`. */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
    dimArg("Softmax", "dim", dim);
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
  protected extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax) along `dim`. */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
    dimArg("LogSoftmax", "dim", dim);
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
  protected extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Flattens dims startDim..endDim (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    dimArg("Flatten", "startDim", startDim);
    dimArg("Flatten", "endDim", endDim);
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  protected extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Returns its input. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * Inverted dropout (F.dropout): zero each element with probability p and scale the rest by
 * 1/(1−p) when `training`; identity otherwise. Reproducible under `manualSeed`.
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  numberArg("dropout", "p", p, 0, 1);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const keep = lt(rand(x.shape), 1 - p);
  return mul(x, mul(keep, 1 / (1 - p)));
}

/**
 * Dropout layer: active in training mode, identity after `eval()`.
 *
 * @example
 * const drop = new gw.nn.Dropout(0.5);
 */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    numberArg("Dropout", "p", p, 0, 1);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
  protected extraRepr(): string {
    return `p=${this.p}`;
  }
}
