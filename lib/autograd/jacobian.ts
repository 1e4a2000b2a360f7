// The full Jacobian of a tensor function, row by row with one-hot upstream gradients (for teaching:
// real training never forms it).
import { Tensor } from "../tensor/tensor";
import { fmtShape } from "../tensor/shape";

/**
 * J[i, j] = ∂ fn(x)[i] / ∂ x[j] over the flattened output and input, as a [outNumel, inNumel] tensor,
 * computed with one backward pass per output element.
 *
 * @example
 * gw.jacobian((x) => x.relu(), gw.tensor([-1, 2])).toArray(); // [[0, 0], [0, 1]]
 */
export function jacobian(fn: (x: Tensor) => Tensor, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new Error("jacobian: x must be a Tensor");
  const leaf = new Tensor(x.toFloat32Array(), x.shape);
  leaf.requiresGrad = true;
  const y = fn(leaf);
  if (!(y instanceof Tensor)) throw new Error("jacobian: fn must return a Tensor");
  const m = y.numel, n = leaf.numel;
  if (m * n > 1e7) throw new Error(`jacobian: ${m}×${n} is too large to form (output ${fmtShape(y.shape)}, input ${fmtShape(x.shape)})`);
  const out = new Float32Array(m * n);
  if (!y.requiresGrad) return new Tensor(out, [m, n]);
  for (let i = 0; i < m; i++) {
    leaf.grad = null;
    const onehot = new Float32Array(m);
    onehot[i] = 1;
    y.backward(new Tensor(onehot, y.shape), { retainGraph: i < m - 1 });
    if (leaf.grad) out.set((leaf.grad as Tensor).toFloat32Array(), i * n);
  }
  return new Tensor(out, [m, n]);
}
