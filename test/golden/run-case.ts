/**
 * Maps a golden case's `op` key and PyTorch kwargs onto a gradwork call, then checks the output
 * and the gradients of sum(output * gradOutput) against PyTorch's.
 *
 * @example
 * for (const c of loadFixture("matmul").cases) it(c.name, () => checkCase(c));
 */
import * as gw from "gradwork";
import { caseInputs, expectClose, toTensor, type GoldenCase, type CloseOptions } from "../fixtures/golden";

type Arg = gw.Tensor | number;
type Tol = Required<Pick<CloseOptions, "rtol" | "atol">>;

/** What an op produced: its output and, when they are not the inputs, the tensors whose .grad to check. */
interface Result {
  output: gw.Tensor;
  gradSources?: (gw.Tensor | null)[];
  extra?: Record<string, gw.Tensor>;
}

const T = (a: Arg, what: string): gw.Tensor => {
  if (typeof a === "number") throw new Error(`${what}: expected a tensor input, the fixture has a number`);
  return a;
};

const UNARY: Record<string, (x: gw.Tensor) => gw.Tensor> = {
  neg: gw.neg, exp: gw.exp, log: gw.log, sqrt: gw.sqrt, abs: gw.abs, tanh: gw.tanh,
  sigmoid: gw.sigmoid, relu: gw.relu, sin: gw.sin, cos: gw.cos,
};
const BINARY: Record<string, (a: Arg, b: Arg) => gw.Tensor> = {
  add: gw.add, sub: gw.sub, mul: gw.mul, div: gw.div, pow: gw.pow, maximum: gw.maximum, minimum: gw.minimum,
};

/** Run the gradwork equivalent of one PyTorch call. */
export function runOp(c: GoldenCase, args: Arg[]): Result {
  const k = c.kwargs;
  const x = () => T(args[0], c.name);
  const reduction = k.reduction as "mean" | "sum" | "none" | undefined;
  if (c.op in UNARY) return { output: UNARY[c.op](x()) };
  if (c.op in BINARY) return { output: BINARY[c.op](args[0], args[1]) };
  switch (c.op) {
    case "where": return { output: gw.where(gw.gt(T(args[0], c.name), 0), args[1], args[2]) };
    case "sum": return { output: x().sum(k.dim, k.keepdim ?? false) };
    case "mean": return { output: x().mean(k.dim, k.keepdim ?? false) };
    case "max": return { output: x().max(k.dim, k.keepdim ?? false) };
    case "min": return { output: x().min(k.dim, k.keepdim ?? false) };
    case "var": return { output: x().var(k.dim, k.keepdim ?? false, { correction: k.correction }) };
    case "argmax": return { output: x().argmax(k.dim, k.keepdim ?? false) };
    case "argmin": return { output: x().argmin(k.dim, k.keepdim ?? false) };
    case "softmax": return { output: x().softmax(k.dim) };
    case "logSoftmax": return { output: x().logSoftmax(k.dim) };
    case "matmul": return { output: x().matmul(T(args[1], c.name)) };
    case "reshape": {
      const src = k.transposeFirst ? x().transpose(k.transposeFirst[0], k.transposeFirst[1]) : x();
      return { output: src.reshape(k.shape) };
    }
    case "transpose": return { output: x().transpose(k.dim0, k.dim1) };
    case "permute": return { output: x().permute(k.dims) };
    case "expand": return { output: x().expand(k.size) };
    case "cat": return { output: gw.cat(args.map((a) => T(a, c.name)), k.dim) };
    case "stack": return { output: gw.stack(args.map((a) => T(a, c.name)), k.dim) };
    case "select": return { output: x().select(k.dim, k.index) };
    case "slice": return { output: x().slice(k.dim, k.start ?? 0, k.end ?? undefined, k.step ?? 1) };
    case "gather": return { output: x().gather(k.dim, T(args[1], c.name)) };
    case "indexSelect": return { output: x().indexSelect(k.dim, T(args[1], c.name)) };
    case "squeeze": return { output: k.dim === undefined ? x().squeeze() : x().squeeze(k.dim) };
    case "unsqueeze": return { output: x().unsqueeze(k.dim) };
    case "flatten": return { output: x().flatten(k.start_dim ?? 0, k.end_dim ?? -1) };
    case "crossEntropy":
      return { output: gw.F.crossEntropy(x(), T(args[1], c.name), { reduction, labelSmoothing: k.label_smoothing ?? 0 }) };
    case "nllLoss": return { output: gw.F.nllLoss(x(), T(args[1], c.name), { reduction }) };
    case "mseLoss": return { output: gw.F.mseLoss(x(), T(args[1], c.name), { reduction }) };
    case "binaryCrossEntropyWithLogits":
      return { output: gw.F.binaryCrossEntropyWithLogits(x(), T(args[1], c.name), { reduction }) };
    case "linear": return { output: gw.F.linear(x(), T(args[1], c.name), args[2] === undefined ? undefined : T(args[2], c.name)) };
    case "conv1d":
    case "conv2d": {
      const [w, b] = [T(args[1], c.name), args[2] === undefined ? null : T(args[2], c.name)];
      const opts = { stride: k.stride, padding: k.padding, dilation: k.dilation, groups: k.groups };
      return { output: c.op === "conv1d" ? gw.F.conv1d(x(), w, b, opts) : gw.F.conv2d(x(), w, b, opts) };
    }
    case "maxPool2d":
      return { output: gw.F.maxPool2d(x(), k.kernel_size, { stride: k.stride, padding: k.padding, ceilMode: k.ceil_mode }) };
    case "avgPool2d":
      return {
        output: gw.F.avgPool2d(x(), k.kernel_size, {
          stride: k.stride, padding: k.padding, ceilMode: k.ceil_mode, countIncludePad: k.count_include_pad,
        }),
      };
    case "adaptiveAvgPool2d": return { output: gw.F.adaptiveAvgPool2d(x(), k.output_size) };
    case "batchNorm": return batchNorm(c, args);
    default:
      throw new Error(`golden case "${c.name}": no gradwork mapping for op "${c.op}"`);
  }
}

/** F.batch_norm(x, running_mean, running_var, weight, bias) through nn.BatchNorm1d/2d. */
function batchNorm(c: GoldenCase, args: Arg[]): Result {
  const [x, rm, rv, w, b] = args.map((a) => T(a, c.name));
  const channels = x.shape[1];
  const opts = { eps: c.kwargs.eps, momentum: c.kwargs.momentum };
  const bn = x.ndim === 4 ? new gw.nn.BatchNorm2d(channels, opts) : new gw.nn.BatchNorm1d(channels, opts);
  bn.loadStateDict({ weight: w.detach(), bias: b.detach(), running_mean: rm, running_var: rv }, { strict: false });
  bn.train(Boolean(c.kwargs.training));
  const output = bn.forward(x);
  const sd = bn.stateDict();
  return {
    output,
    gradSources: [x, null, null, bn.weight, bn.bias],
    extra: { running_mean: sd.running_mean, running_var: sd.running_var },
  };
}

/** Tolerances: float32 sums over many terms (conv, matmul, batch norm) are allowed a little more. */
export function tolerance(op: string): Tol {
  if (["conv1d", "conv2d", "batchNorm", "linear", "matmul", "var"].includes(op)) return { rtol: 1e-4, atol: 1e-4 };
  return { rtol: 1e-4, atol: 1e-5 };
}

/** Run one case: compare output, the grads of every input, and any extra results. */
export function checkCase(c: GoldenCase): void {
  const args = caseInputs(c);
  const tol = tolerance(c.op);
  const { output, gradSources, extra } = runOp(c, args);
  expectClose(output, c.output, { ...tol, what: `${c.name}: output` });
  for (const [name, spec] of Object.entries(c.extra ?? {})) {
    expectClose(extra?.[name], spec, { ...tol, what: `${c.name}: ${name}` });
  }
  if (!c.gradOutput) return;
  output.backward(toTensor(c.gradOutput));
  const sources = gradSources ?? args.map((a) => (typeof a === "number" ? null : a));
  c.grads.forEach((g, i) => {
    if (!g) return;
    const src = sources[i];
    if (!src) throw new Error(`${c.name}: PyTorch has a gradient for input ${i} but the gradwork call has no tensor for it`);
    expectClose(src.grad, g, { ...tol, what: `${c.name}: grad of input ${i}` });
  });
}
