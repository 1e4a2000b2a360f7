// Larger shapes (big enough for a fast backend's tiled / multithreaded paths): every backend's
// outputs and gradients must agree with the reference backend's plain loops.
import { describe, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose } from "../helpers/close";

/** Run `f` on fresh seeded inputs; returns the output and the inputs' gradients as flat arrays. */
function run(shapes: number[][], f: (...xs: gw.Tensor[]) => gw.Tensor): Float32Array[] {
  gw.manualSeed(2024);
  const xs = shapes.map((s) => gw.randn(s, { requiresGrad: true }));
  const y = f(...xs);
  gw.manualSeed(7);
  y.backward(gw.randn(y.shape));
  return [y.toFloat32Array(), ...xs.map((x) => x.grad!.toFloat32Array())];
}

function agree(shapes: number[][], f: (...xs: gw.Tensor[]) => gw.Tensor, atol = 1e-4): void {
  const got = run(shapes, f);
  const want = gw.withBackend("reference", () => run(shapes, f));
  got.forEach((g, i) => expectClose(g, want[i], { atol, rtol: 1e-4 }));
}

describe.each(backendCases())("larger shapes agree with the reference backend [$label]", (bc) => {
  useBackendCase(bc);

  it("matmul: 2-D, transposed operands, batched broadcast", () => {
    agree([[67, 129], [129, 93]], (a, b) => a.matmul(b));
    agree([[129, 67], [93, 129]], (a, b) => a.T.matmul(b.T));
    agree([[3, 1, 40, 50], [1, 5, 50, 33]], (a, b) => a.matmul(b));
  });

  it("conv2d: padding, stride, dilation, groups, bias", () => {
    agree([[4, 8, 21, 19], [16, 8, 3, 3], [16]], (x, w, b) => gw.F.conv2d(x, w, b, { padding: 1 }));
    agree([[3, 6, 24, 24], [12, 3, 5, 5], [12]], (x, w, b) => gw.F.conv2d(x, w, b, { stride: 2, padding: 2, groups: 2 }));
    agree([[2, 4, 17, 23], [5, 4, 3, 2]], (x, w) => gw.F.conv2d(x, w, null, { dilation: [2, 3], padding: [1, 0] }));
    agree([[2, 3, 32, 32], [6, 3, 5, 5], [6]], (x, w, b) => gw.F.conv2d(x, w, b));
  });

  it("pooling", () => {
    agree([[4, 6, 23, 22]], (x) => gw.F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }));
    agree([[4, 6, 23, 22]], (x) => gw.F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }));
    agree([[4, 6, 24, 24]], (x) => gw.F.maxPool2d(x, 2));
    agree([[3, 5, 13, 11]], (x) => gw.F.adaptiveAvgPool2d(x, [4, 3]));
  });

  it("elementwise with broadcasting, reductions and softmax on ~100k elements", () => {
    agree([[64, 1, 200], [1, 8, 200]], (a, b) => a.mul(b).add(a.tanh()).sub(b.sigmoid()).div(b.abs().add(1)));
    agree([[48, 50, 40]], (a) => a.exp().sum([0, 2]));
    agree([[48, 50, 40]], (a) => a.max(1));
    agree([[256, 100]], (a) => a.logSoftmax(1).mul(a.softmax(0)));
    agree([[300, 10]], (a) => gw.F.crossEntropy(a, gw.randint(0, 10, [300]), { labelSmoothing: 0.1 }));
  });

  it("a batch through conv, batch norm, ReLU, pool and linear", () => {
    gw.manualSeed(1);
    const net = new gw.nn.Sequential(new gw.nn.Conv2d(3, 8, 3, { padding: 1 }), new gw.nn.BatchNorm2d(8), new gw.nn.ReLU(), new gw.nn.MaxPool2d(2), new gw.nn.Flatten(), new gw.nn.Linear(8 * 8 * 8, 10));
    const state = Object.fromEntries(Object.entries(net.stateDict()).map(([k, v]) => [k, v.clone()]));
    const step = () => {
      net.loadStateDict(state);
      net.zeroGrad();
      gw.manualSeed(3);
      const loss = gw.F.crossEntropy(net.forward(gw.randn([16, 3, 16, 16])), gw.randint(0, 10, [16]));
      loss.backward();
      return [loss.toFloat32Array(), ...net.parameters().map((p) => p.grad!.toFloat32Array())];
    };
    const got = step();
    const want = gw.withBackend("reference", step);
    got.forEach((g, i) => expectClose(g, want[i], { atol: 1e-4, rtol: 1e-3 }));
  });
});
