// Whether operations record the graph for backward.
import { onCellStart } from "../notebook/interrupt";

let enabled = true;

/** True unless inside `noGrad`. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Run `fn` without recording operations for autodiff (like `torch.no_grad()`): results have
 * `requiresGrad === false`. Use it for evaluation and for manual parameter updates.
 *
 * @example
 * const y = gw.noGrad(() => w.mul(2)); // y.requiresGrad === false
 */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try {
    const out = fn();
    if (out instanceof Promise) {
      throw new Error("noGrad(fn): fn must be synchronous (an async function would leave gradients off while other code runs)");
    }
    return out;
  } finally {
    enabled = prev;
  }
}

/** Internal: set the mode, returning the previous one. */
export function setGradEnabled(on: boolean): boolean {
  const prev = enabled;
  enabled = on;
  return prev;
}

// A stop that ended a cell inside noGrad or backward() (or an async body that was abandoned) must
// not leave gradients off for the rest of the session: every cell of the gradwork kernel starts on.
onCellStart(() => {
  enabled = true;
});
