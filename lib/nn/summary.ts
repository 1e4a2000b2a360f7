// gw.nn.summary: a torchinfo-style table of a model — each layer with its output shape and
// parameter count, then the totals — found by running one forward pass on zeros.
import { inspect } from "node:util";
import { noGrad } from "../autograd/grad-mode";
import { zeros } from "../tensor/create";
import { Tensor } from "../tensor/tensor";
import { Module } from "./module";

/** One layer of a summary, in the order the forward pass called it. */
export interface SummaryRow {
  /** Dotted name in the model ("" for the model itself), e.g. "features.0". */
  name: string;
  /** Class name, e.g. "Conv2d". */
  type: string;
  /** Nesting depth (0 = the model). */
  depth: number;
  /** Output shape of the layer's first call, or null when it returned no tensor or was not called. */
  outputShape: number[] | null;
  /** Parameters held by this layer itself (not its children). */
  params: number;
  /** Of those, the ones with requiresGrad. */
  trainable: number;
}

/** The result of `gw.nn.summary`: rows, totals, and a table as its string form. */
export class ModelSummary {
  constructor(
    readonly rows: SummaryRow[],
    readonly inputShape: number[],
    readonly outputShape: number[] | null,
    readonly totalParams: number,
    readonly trainableParams: number,
  ) {}

  /** Parameter memory in MB (float32). */
  get paramsMB(): number {
    return (this.totalParams * 4) / 1e6;
  }

  toString(): string {
    const body = this.rows.slice(1).map((r) => [`${"  ".repeat(r.depth - 1)}${r.name.split(".").pop()} (${r.type})`, r.outputShape ? `[${r.outputShape.join(", ")}]` : "–", r.params ? r.params.toLocaleString("en-US") : "–"]);
    const head = ["Layer (type)", "Output shape", "Param #"];
    const w = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
    const line = (cells: string[]) => `${cells[0].padEnd(w[0])}  ${cells[1].padEnd(w[1])}  ${cells[2].padStart(w[2])}`;
    const rule = (ch: string) => ch.repeat(w[0] + w[1] + w[2] + 4);
    const n = (x: number) => x.toLocaleString("en-US");
    return [
      `${this.rows[0]?.type ?? "Model"} — input [${this.inputShape.join(", ")}]`,
      rule("="),
      line(head),
      rule("="),
      ...body.map(line),
      rule("="),
      `Total params: ${n(this.totalParams)}`,
      `Trainable params: ${n(this.trainableParams)}`,
      `Non-trainable params: ${n(this.totalParams - this.trainableParams)}`,
      `Params size (MB): ${this.paramsMB.toFixed(2)}`,
      `Output shape: ${this.outputShape ? `[${this.outputShape.join(", ")}]` : "–"}`,
      rule("="),
    ].join("\n");
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A summary of `model` for an input of `inputShape` (batch dimension included): every layer in
 * call order with its output shape and parameter count, and the totals (like torchinfo's
 * `summary`). Runs one forward pass on zeros in eval mode without gradients; the model's mode is
 * restored afterwards.
 *
 * @example
 * const net = new gw.nn.Sequential(new gw.nn.Conv2d(3, 8, 3), new gw.nn.ReLU(), new gw.nn.Flatten(), new gw.nn.Linear(8 * 30 * 30, 10));
 * console.log(gw.nn.summary(net, [1, 3, 32, 32]).toString());
 */
export function summary(model: Module, inputShape: readonly number[]): ModelSummary {
  if (!(model instanceof Module)) throw new Error(`nn.summary: expected an nn.Module, got ${model === null ? "null" : typeof model}`);
  if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new Error(`nn.summary: inputShape must be a non-empty array of positive integers (batch first), got ${JSON.stringify(inputShape)}`);
  }
  const modules = model.namedModules();
  const depthOf = (name: string) => (name === "" ? 0 : name.split(".").length);
  const shapes = new Map<Module, number[] | null>();
  const order: Module[] = []; // in the order the calls began: a container before its children
  const restore: Array<() => void> = [];
  for (const [, m] of modules) {
    const original = m.forward;
    const own = Object.getOwnPropertyDescriptor(m, "forward");
    (m as { forward: (...a: unknown[]) => unknown }).forward = function (this: Module, ...args: unknown[]) {
      const first = !order.includes(m);
      if (first) order.push(m);
      const out = original.apply(this, args);
      if (first) shapes.set(m, out instanceof Tensor ? [...out.shape] : null);
      return out;
    };
    restore.push(own ? () => Object.defineProperty(m, "forward", own) : () => delete (m as { forward?: unknown }).forward);
  }
  const wasTraining = modules.map(([, m]) => m.training);
  let out: unknown;
  try {
    model.eval();
    out = noGrad(() => model.forward(zeros([...inputShape])));
  } catch (e) {
    throw new Error(`nn.summary: the forward pass failed for an input of shape [${inputShape.join(", ")}]: ${(e as Error).message}`);
  } finally {
    restore.forEach((undo) => undo());
    modules.forEach(([, m], i) => (m.training = wasTraining[i]));
  }
  const nameOf = new Map(modules.map(([n, m]) => [m, n] as const));
  const called = [model, ...order.filter((m) => m !== model)];
  const notCalled = modules.map(([, m]) => m).filter((m) => !order.includes(m));
  const rows = [...called, ...notCalled].map((m) => {
    const name = nameOf.get(m) ?? "";
    const ownParams = m.namedParameters().filter(([k]) => !k.includes("."));
    return {
      name,
      type: m.constructor.name,
      depth: depthOf(name),
      outputShape: shapes.get(m) ?? null,
      params: ownParams.reduce((s, [, p]) => s + p.numel, 0),
      trainable: ownParams.reduce((s, [, p]) => s + (p.requiresGrad ? p.numel : 0), 0),
    };
  });
  const all = model.parameters();
  const total = all.reduce((s, p) => s + p.numel, 0);
  const trainable = all.reduce((s, p) => s + (p.requiresGrad ? p.numel : 0), 0);
  return new ModelSummary(rows, [...inputShape], out instanceof Tensor ? [...out.shape] : null, total, trainable);
}
