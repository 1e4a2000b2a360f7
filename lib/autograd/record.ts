// Recording an op on the autograd graph: every differentiable op in lib/ops ends with record(...).
import type { Tensor } from "../tensor/tensor";
import { isGradEnabled } from "./grad-mode";

/**
 * Internal: mark `out` as produced by an op with these inputs. `backward` maps the output
 * gradient to one gradient per input (in the output's broadcast shape or the input's own shape;
 * the engine sums broadcast gradients back to each input's shape).
 */
export function record(
  out: Tensor,
  name: string,
  inputs: readonly Tensor[],
  backward: (grad: Tensor) => (Tensor | null)[],
): Tensor {
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradFn = { name, inputs, backward };
  }
  return out;
}
