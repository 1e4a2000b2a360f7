// Reverse-mode autodiff: the iterative topological sort and backward(). Ops record themselves with
// record() (record.ts); the engine uses the functional ops it needs (add, clone), so importing it
// alone works (the Tensor methods are sugar installed by lib/tensor/methods.ts).
import { Tensor } from "../tensor/tensor";
import { fmtShape, numel, sameShape } from "../tensor/shape";
import { add } from "../ops/elementwise";
import { clone } from "../ops/shape";
import { setGradEnabled } from "./grad-mode";
import { sumToShape } from "./sum-to-shape";

export { record } from "./record";

/** Nodes reachable from root through gradFn edges, inputs before outputs (iterative DFS). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn ? t.gradFn.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const child = inputs[i];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

export interface BackwardOptions {
  /** Keep the saved values so backward can run through this graph again. */
  retainGraph?: boolean;
}

/**
 * Backpropagate from `root`: accumulate d(root)/d(leaf) into every leaf's `.grad`.
 * `grad` (the gradient of some scalar w.r.t. root) is needed unless root has one element.
 */
export function backward(root: Tensor, grad?: Tensor | number, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error("backward(): this tensor does not require grad and has no gradFn (did you set requiresGrad on the inputs, or compute it inside noGrad?)");
  }
  let g: Tensor;
  if (grad === undefined) {
    if (root.numel !== 1) {
      throw new Error(`backward(): grad can be omitted only for a one-element output; this output has shape ${fmtShape(root.shape)}. Pass a gradient of that shape, or reduce it first (e.g. .sum()).`);
    }
    g = new Tensor(new Float32Array([1]), root.shape);
  } else {
    g = typeof grad === "number" ? new Tensor(new Float32Array([grad]), []) : grad.detach();
    if (!sameShape(g.shape, root.shape)) {
      if (numel(g.shape) === 1 && root.numel === 1) g = new Tensor(g.toFloat32Array(), root.shape);
      else throw new Error(`backward(): gradient shape ${fmtShape(g.shape)} does not match output shape ${fmtShape(root.shape)}`);
    }
  }

  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, g]]);
  // How many pending gradients (and the caller, for a `grad` it passed in) use each storage. A
  // leaf keeps its gradient as is only when nothing else uses that storage; otherwise it gets its
  // own copy (bit-identical). So no two leaves share a gradient (add hands the same tensor to both
  // inputs), and no leaf shares the caller's `grad` (add(0) passes it straight through), without
  // copying the gradients nobody else holds.
  const users = new Map<Float32Array, number>();
  const hold = (t: Tensor) => users.set(t.storage, (users.get(t.storage) ?? 0) + 1);
  const release = (t: Tensor) => {
    const n = (users.get(t.storage) ?? 1) - 1;
    if (n > 0) users.set(t.storage, n);
    else users.delete(t.storage);
  };
  hold(g);
  if (grad instanceof Tensor && g.storage === grad.storage) hold(g); // the caller's tensor: never handed to a leaf
  const prev = setGradEnabled(false);
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const gt = grads.get(t);
      if (!gt) continue;
      grads.delete(t);
      const fn = t.gradFn;
      if (!fn) {
        // a leaf: accumulate (a new tensor, or one no one else uses)
        const shared = (users.get(gt.storage) ?? 0) > 1;
        release(gt);
        t.grad = t.grad ? add(t.grad, gt) : shared || !gt.isContiguous() ? clone(gt) : gt;
        continue;
      }
      if (!fn.backward) {
        throw new Error(`backward(): trying to backward through the graph a second time (the saved values of <${fn.name}> were freed after the first backward). Pass { retainGraph: true } to the first backward() if you need to call it twice.`);
      }
      const inputGrads = fn.backward(gt);
      if (!opts.retainGraph) fn.backward = null;
      fn.inputs.forEach((inp, k) => {
        const gi = inputGrads[k];
        if (!inp.requiresGrad || !gi) return;
        const shaped = sumToShape(gi, inp.shape);
        const acc = grads.get(inp);
        const next = acc ? add(acc, shaped) : shaped;
        if (acc) release(acc);
        grads.set(inp, next);
        hold(next);
      });
      release(gt); // after the inputs' gradients are held: they may be `gt` itself or views of it
    }
  } finally {
    setGradEnabled(prev);
  }
}
