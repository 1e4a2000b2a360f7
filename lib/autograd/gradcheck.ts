// Gradient checking: autodiff gradients against central finite differences.
import { Tensor } from "../tensor/tensor";
import { fmtShape } from "../tensor/shape";
import { noGrad } from "./grad-mode";
import { Generator } from "../tensor/random";

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-3: storage is float32). */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw an Error describing the worst element when the check fails (default true). */
  raiseException?: boolean;
}

export interface GradcheckReport {
  passed: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** The element with the largest error relative to the tolerance. */
  worst: { input: number; index: number[]; analytic: number; numeric: number } | null;
  message: string;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/**
 * Compare the gradients autodiff computes for `fn` against central differences
 * (f(x+ε) − f(x−ε)) / 2ε, accumulated in float64. For a non-scalar output the check uses a fixed
 * random projection ⟨fn(...), r⟩. Inputs with `requiresGrad` are checked; NaN or ±Infinity in
 * inputs, outputs or gradients is reported as a failure.
 *
 * @example
 * const x = gw.randn([3], { requiresGrad: true });
 * gw.gradcheck((t) => t.tanh().sum(), [x]).passed; // true
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  const eps = opts.eps ?? 1e-3, atol = opts.atol ?? 1e-3, rtol = opts.rtol ?? 1e-2;
  const checked = inputs.map((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`gradcheck: input ${i} is not a Tensor`);
    return t.requiresGrad;
  });
  if (!checked.some(Boolean)) throw new Error("gradcheck: no input has requiresGrad set");
  const fail = (message: string): GradcheckReport => {
    const r: GradcheckReport = { passed: false, maxAbsError: NaN, maxRelError: NaN, worst: null, message };
    if (opts.raiseException ?? true) throw new Error(message);
    return r;
  };
  for (let i = 0; i < inputs.length; i++) {
    const bad = inputs[i].toFloat32Array().findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) return fail(`gradcheck: input ${i} has a non-finite value ${inputs[i].toFloat32Array()[bad]} at index [${unravel(bad, inputs[i].shape)}]`);
  }
  // leaves we can perturb: contiguous copies of the inputs
  const leaves = inputs.map((t) => {
    const c = new Tensor(t.toFloat32Array(), t.shape);
    c.requiresGrad = t.requiresGrad;
    return c;
  });
  const out0 = fn(...leaves);
  if (!(out0 instanceof Tensor)) throw new Error("gradcheck: fn must return a Tensor");
  const rng = new Generator(1234);
  const proj = new Float64Array(out0.numel).map(() => (out0.numel === 1 ? 1 : rng.next() * 2 - 1));
  const projected = (t: Tensor): number => {
    const d = t.toFloat32Array();
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[i] * proj[i];
    return s;
  };
  if (!Number.isFinite(projected(out0))) return fail(`gradcheck: the output of shape ${fmtShape(out0.shape)} contains a non-finite value`);
  if (!out0.requiresGrad) return fail("gradcheck: the output does not depend on any input with requiresGrad (no graph was recorded)");
  out0.backward(new Tensor(Float32Array.from(proj), out0.shape));

  let maxAbs = 0, maxRel = 0, worstScore = -1;
  let worst: GradcheckReport["worst"] = null;
  for (let k = 0; k < leaves.length; k++) {
    if (!checked[k]) continue;
    const leaf = leaves[k];
    const analytic = leaf.grad ? leaf.grad.toFloat32Array() : new Float32Array(leaf.numel);
    const data = leaf.storage;
    for (let i = 0; i < data.length; i++) {
      const orig = data[i];
      data[i] = orig + eps;
      const plus = noGrad(() => projected(fn(...leaves)));
      data[i] = orig - eps;
      const minus = noGrad(() => projected(fn(...leaves)));
      data[i] = orig;
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic[i];
      const abs = Math.abs(a - numeric);
      const rel = abs / Math.max(Math.abs(numeric), 1e-12);
      const score = Number.isFinite(a) && Number.isFinite(numeric) ? abs / (atol + rtol * Math.abs(numeric)) : Infinity;
      maxAbs = Math.max(maxAbs, abs);
      if (Number.isFinite(rel)) maxRel = Math.max(maxRel, rel);
      if (score > worstScore) {
        worstScore = score;
        worst = { input: k, index: unravel(i, leaf.shape), analytic: a, numeric };
      }
    }
  }
  const passed = worstScore <= 1;
  const message = worst
    ? `gradcheck ${passed ? "passed" : "FAILED"}: worst element is input ${worst.input} at [${worst.index}] — analytic ${worst.analytic}, numeric ${worst.numeric} (abs error ${Math.abs(worst.analytic - worst.numeric).toExponential(3)}, tolerance atol=${atol}, rtol=${rtol})`
    : "gradcheck passed: no elements to check";
  const report: GradcheckReport = { passed, maxAbsError: maxAbs, maxRelError: maxRel, worst, message };
  if (!passed && (opts.raiseException ?? true)) throw new Error(message);
  return report;
}
