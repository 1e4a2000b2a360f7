// The optimizer's update as a plain loop: the oracle for the cpu backend's WebAssembly version
// (the same float32 operations in the same order, hence the same numbers).
import type { SgdArgs } from "../backend";

/** Argument checks of Kernels.sgdUpdate (shared with the cpu backend). */
export function checkSgdUpdate(param: Float32Array, grad: Float32Array, buf: Float32Array | null, a: SgdArgs): void {
  if (grad.length !== param.length) throw new RangeError(`sgdUpdate: grad has ${grad.length} elements but param has ${param.length}`);
  if (buf && buf.length !== param.length) throw new RangeError(`sgdUpdate: the momentum buffer has ${buf.length} elements but param has ${param.length}`);
  if (!buf && a.momentum) throw new Error("sgdUpdate: momentum needs a momentum buffer");
}

/** Elements [i0, i1) of Kernels.sgdUpdate. */
export function sgdUpdateRange(P: Float32Array, G: Float32Array, B: Float32Array | null, a: SgdArgs, i0: number, i1: number): void {
  const f = Math.fround;
  const lr = f(a.lr), wd = f(a.weightDecay), m = f(a.momentum), keep = f(1 - a.dampening);
  const { dampening, nesterov, fresh } = a;
  // the two common cases as loops of their own (about 3× faster than the general loop, whose
  // per-element branches V8 does not hoist); the same roundings, hence the same numbers
  if (!wd && !dampening && !nesterov && (!B || !fresh)) {
    if (B) {
      for (let i = i0; i < i1; i++) {
        const buf = f(f(B[i] * m) + G[i]);
        B[i] = buf;
        P[i] = f(P[i] - f(buf * lr));
      }
    } else {
      for (let i = i0; i < i1; i++) P[i] = f(P[i] - f(G[i] * lr));
    }
    return;
  }
  for (let i = i0; i < i1; i++) {
    const pi = P[i];
    let g = wd ? f(G[i] + f(pi * wd)) : G[i];
    if (B) {
      const damped = dampening ? f(g * keep) : g;
      const buf = fresh ? g : f(f(B[i] * m) + damped);
      B[i] = buf;
      g = nesterov ? f(g + f(buf * m)) : buf;
    }
    P[i] = f(pi - f(g * lr));
  }
}

/** Kernels.sgdUpdate on the reference backend. */
export function sgdUpdate(param: Float32Array, grad: Float32Array, buf: Float32Array | null, a: SgdArgs): void {
  checkSgdUpdate(param, grad, buf, a);
  sgdUpdateRange(param, grad, buf, a, 0, param.length);
}
