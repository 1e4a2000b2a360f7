// Tensor.backward(): attaches the engine to the Tensor class.
import { Tensor } from "../tensor/tensor";
import { backward, type BackwardOptions } from "./engine";

declare module "../tensor/tensor" {
  interface Tensor {
    /**
     * Backpropagate from this tensor, accumulating into the `.grad` of every leaf that requires grad.
     *
     * @example
     * const x = gw.tensor(3, { requiresGrad: true });
     * x.mul(x).backward();
     * x.grad!.item(); // 6
     */
    backward(grad?: Tensor | number, opts?: BackwardOptions): void;
  }
}

Tensor.prototype.backward = function (this: Tensor, grad?: Tensor | number, opts?: BackwardOptions) {
  backward(this, grad, opts);
};
