// The course's convolution examples: hand-computed outputs, output sizes, parameter counts,
// the backward identities, hand-set detector networks, weight sharing and the chapter ConvNet.
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { backendCases, useBackendCase } from "../helpers/backends";
import { expectClose, rnd } from "../helpers/close";

const img = (rows: number[][]) => gw.tensor([[rows]]); // one 1-channel image [1,1,H,W]
const count = (m: gw.nn.Module) => m.parameters().reduce((n, p) => n + p.numel, 0);
const rot180 = (w: number[][]) => w.map((r) => [...r].reverse()).reverse();

describe.each(backendCases())("CNN worked examples [$label]", (bc) => {
  useBackendCase(bc);

  it("1-D: (2,1,1,7,−1,2,3,1) ⋆ (3,2,−1) = (7,−2,18,17,−2,11)", () => {
    const y = gw.F.conv1d(gw.tensor([[[2, 1, 1, 7, -1, 2, 3, 1]]]), gw.tensor([[[3, 2, -1]]]));
    expect(y.toArray()).toEqual([[[7, -2, 18, 17, -2, 11]]]);
  });

  it("2-D: the 5×5 image ⋆ the 3×3 X-shaped kernel; padding 1 with stride 2 gives 3×3", () => {
    const X = img([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]);
    const W = img([[1, 0, 1], [0, 1, 0], [1, 0, 1]]);
    expect(gw.F.conv2d(X, W).toArray()).toEqual([[[[4, 3, 4], [2, 4, 3], [2, 3, 4]]]]);
    const s2 = gw.F.conv2d(X, W, null, { padding: 1, stride: 2 });
    expect(s2.shape).toEqual([1, 1, 3, 3]);
    // by hand: windows centred on rows/cols 0, 2, 4 of the zero-padded image
    expect(s2.toArray()).toEqual([[[[2, 3, 1], [1, 4, 3], [0, 2, 1]]]]);
    expectClose(s2, gw.conv2dNaive(X, W, null, { padding: 1, stride: 2 }));
  });

  it("RGB 3×3 image with a 2×2×3 filter gives [[−2, −2], [−1, −1]]", () => {
    // Interpretation: the printed image is 3 rows of 3 pixels and each bracketed triple is ONE
    // pixel's (R, G, B) values, i.e. an H×W×C array; the filter is likewise 2×2 pixels × 3 channels.
    // Permuting HWC -> CHW gives R = [[1,4,7],[1,0,0],[2,4,6]], G = [[2,5,8],[0,1,0],[4,6,8]],
    // B = [[3,6,9],[0,0,1],[6,8,10]] and a filter with R = [[−1,1],[−2,2]], G = 0, B = [[1,−1],[2,−2]].
    const hwc = gw.tensor([[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[2, 4, 6], [4, 6, 8], [6, 8, 10]]]);
    const fhwc = gw.tensor([[[-1, 0, 1], [1, 0, -1]], [[-2, 0, 2], [2, 0, -2]]]);
    const x = hwc.permute([2, 0, 1]).unsqueeze(0); // [1, 3, 3, 3]
    const w = fhwc.permute([2, 0, 1]).unsqueeze(0); // [1, 3, 2, 2]
    expect(x.select(1, 0).toArray()).toEqual([[[1, 4, 7], [1, 0, 0], [2, 4, 6]]]);
    const y = gw.F.conv2d(x, w);
    expect(y.toArray()).toEqual([[[[-2, -2], [-1, -1]]]]);
    expectClose(y, gw.conv2dNaive(x.contiguous(), w.contiguous()));
  });

  it("output sizes and parameter counts", () => {
    const x = gw.zeros([1, 3, 32, 32]);
    expect(gw.F.conv2d(x, gw.zeros([1, 3, 5, 5])).shape).toEqual([1, 1, 28, 28]);
    expect(gw.F.conv2d(x, gw.zeros([1, 3, 5, 5]), null, { padding: 2 }).shape).toEqual([1, 1, 32, 32]);
    const ten = new gw.nn.Conv2d(3, 10, 5);
    expect(ten.weight.numel).toBe(750);
    expect(count(ten)).toBe(760);
    expect(count(new gw.nn.Conv2d(3, 10, 5, { bias: false }))).toBe(750);
    expect(new gw.nn.Conv2d(3, 7, 1).forward(x).shape).toEqual([1, 7, 32, 32]);
    expect(gw.F.conv2d(gw.zeros([1, 1, 10, 10]), gw.zeros([1, 1, 5, 5])).shape).toEqual([1, 1, 6, 6]);
    expect(new gw.nn.Conv2d(6, 3, 5, { bias: false }).weight.numel).toBe(450);
    expect(gw.F.maxPool2d(gw.zeros([1, 1, 6, 6]), 2).shape).toEqual([1, 1, 3, 3]);
    // the feed-forward net of Figure 11.2 has 3·2 + 2·2 + 2·3 = 16 weights
    const ff = new gw.nn.Sequential(new gw.nn.Linear(3, 2, { bias: false }), new gw.nn.Linear(2, 2, { bias: false }), new gw.nn.Linear(2, 3, { bias: false }));
    expect(count(ff)).toBe(16);
  });

  it("1-D backward, x ∈ ℝ⁴, w ∈ ℝ³: ∂L/∂x = (w1δ1, w2δ1+w1δ2, w3δ1+w2δ2, w3δ2), ∂L/∂w = x ⋆ δ", () => {
    const xv = [1.5, -2, 0.5, 3], wv = [2, -1, 0.25], d = [0.7, -1.3];
    const x = gw.tensor([[xv]], { requiresGrad: true }), w = gw.tensor([[wv]], { requiresGrad: true });
    const y = gw.F.conv1d(x, w);
    expect(y.shape).toEqual([1, 1, 2]);
    y.backward(gw.tensor([[d]]));
    const [w1, w2, w3] = wv, [d1, d2] = d;
    expectClose(x.grad!, [[[w1 * d1, w2 * d1 + w1 * d2, w3 * d1 + w2 * d2, w3 * d2]]], { atol: 1e-6 });
    const xd = [0, 1, 2].map((k) => xv[k] * d1 + xv[k + 1] * d2); // x ⋆ δ
    expectClose(w.grad!, [[xd]], { atol: 1e-6 });
  });

  it("2-D backward identities: ∂L/∂W = X ⋆ ∂L/∂Y and ∂L/∂X = pad(∂L/∂Y) ⋆ rot180(W)", () => {
    gw.manualSeed(91);
    const X = rnd([1, 1, 6, 5]), W = rnd([1, 1, 3, 2]);
    const dY = rnd([1, 1, 4, 4], { requiresGrad: false });
    gw.F.conv2d(X, W).backward(dY);
    // the oracle is the plain loop conv2dNaive, not the conv2d under test
    expectClose(W.grad!, gw.conv2dNaive(X.detach(), dY), { atol: 1e-5 });
    const padded = gw.pad(dY, [1, 1, 2, 2]); // k − 1 zeros on each side: 2 rows, 1 column
    const flipped = gw.tensor([[rot180(W.toArray(4)[0][0])]]);
    expectClose(X.grad!, gw.conv2dNaive(padded, flipped), { atol: 1e-5 });
  });

  it("detector of a 255 pixel: 1×1 conv (w 1, b −254, ReLU) then 8×8 conv (w 10, b −5, sigmoid)", () => {
    const net = new gw.nn.Sequential(new gw.nn.Conv2d(1, 1, 1), new gw.nn.ReLU(), new gw.nn.Conv2d(1, 1, 8), new gw.nn.Sigmoid());
    const [c1, c2] = [net[0], net[2]] as gw.nn.Conv2d[];
    c1.weight.copy_(gw.ones([1, 1, 1, 1]));
    c1.bias!.copy_(gw.tensor([-254]));
    c2.weight.copy_(gw.full([1, 1, 8, 8], 10));
    c2.bias!.copy_(gw.tensor([-5]));
    // the textbook's 3×3 corner: [[0,100,200],[50,150,250],[55,155,255]] -> ReLU(x − 254) = only the 255 gives 1
    const corner = gw.tensor([[[[0, 100, 200], [50, 150, 250], [55, 155, 255]]]]);
    expect(c1.forward(corner).relu().toArray()).toEqual([[[[0, 0, 0], [0, 0, 0], [0, 0, 1]]]]);
    gw.manualSeed(92);
    for (let trial = 0; trial < 5; trial++) {
      const pixels = gw.randint(0, 255, [1, 1, 8, 8]); // 0..254: no 255
      expect(net.forward(pixels).item()).toBeLessThanOrEqual(0.01);
      const withOne = pixels.clone();
      withOne.storage[gw.randomGenerator().int(0, 64)] = 255;
      expect(net.forward(withOne).item()).toBeGreaterThanOrEqual(0.99);
    }
    const batch = gw.stack([gw.full([1, 8, 8], 254), gw.full([1, 8, 8], 255)]);
    const out = net.forward(batch).toFloat32Array();
    expect(out[0]).toBeCloseTo(1 / (1 + Math.exp(5)), 5);
    expect(out[1]).toBeCloseTo(1, 5);
  });

  it("plus-pattern detector: 3×3 plus kernel (b −1274, ReLU) then 6×6 conv of 10s (b −5, sigmoid)", () => {
    const net = new gw.nn.Sequential(new gw.nn.Conv2d(1, 1, 3), new gw.nn.ReLU(), new gw.nn.Conv2d(1, 1, 6), new gw.nn.Sigmoid());
    const [c1, c2] = [net[0], net[2]] as gw.nn.Conv2d[];
    c1.weight.copy_(gw.tensor([[[[0, 1, 0], [1, 1, 1], [0, 1, 0]]]]));
    c1.bias!.copy_(gw.tensor([-1274]));
    c2.weight.copy_(gw.full([1, 1, 6, 6], 10));
    c2.bias!.copy_(gw.tensor([-5]));
    gw.manualSeed(93);
    for (let trial = 0; trial < 5; trial++) {
      const base = gw.randint(0, 256, [1, 1, 8, 8]);
      const data = base.storage;
      // no plus: break every possible plus by capping the centre cells at 254
      for (let i = 1; i < 7; i++) for (let j = 1; j < 7; j++) data[i * 8 + j] = Math.min(data[i * 8 + j], 254);
      expect(net.forward(base).item(), "no pattern").toBeLessThanOrEqual(0.01);
      // stamp a plus centred at a random interior cell (corners of the 3×3 stay arbitrary)
      const ci = gw.randomGenerator().int(1, 7), cj = gw.randomGenerator().int(1, 7);
      for (const [di, dj] of [[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]]) data[(ci + di) * 8 + cj + dj] = 255;
      expect(net.forward(base).item(), `plus at (${ci}, ${cj})`).toBeGreaterThanOrEqual(0.99);
    }
    // four of the five arms at 255 and one at 254 is not the pattern
    const near = gw.zeros([1, 1, 8, 8]);
    for (const [i, j] of [[3, 3], [2, 3], [4, 3], [3, 2]]) near.storage[i * 8 + j] = 255;
    near.storage[3 * 8 + 4] = 254;
    expect(net.forward(near).item()).toBeLessThanOrEqual(0.01);
  });

  it("weight sharing: a shared weight's gradient is the sum over its uses", () => {
    gw.manualSeed(94);
    // conv: ∂⟨G, X ⋆ W⟩/∂W[a][b] = Σ_ij G[i][j]·X[i+a][j+b]
    const X = rnd([1, 1, 4, 5], { requiresGrad: false }), W = rnd([1, 1, 2, 3]), G = rnd([1, 1, 3, 3], { requiresGrad: false });
    gw.F.conv2d(X, W).backward(G);
    const x = X.toArray(4)[0][0], g = G.toArray(4)[0][0];
    const want = [0, 1].map((a) => [0, 1, 2].map((b) => {
      let s = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += g[i][j] * x[i + a][j + b];
      return s;
    }));
    expectClose(W.grad!, [[want]], { atol: 1e-5 });
    // a module applied twice: its weight gradient is the sum of the two uses' gradients
    const lin = new gw.nn.Linear(3, 3);
    const a = rnd([2, 3], { requiresGrad: false });
    lin.forward(lin.forward(a)).sum().backward();
    const twice = lin.weight.grad!.toFloat32Array();
    lin.zeroGrad();
    const h = lin.forward(a);
    lin.forward(h.detach()).sum().backward(); // second use only
    const second = lin.weight.grad!.toFloat32Array();
    lin.zeroGrad();
    const w2 = lin.weight.detach();
    lin.forward(a).matmul(w2.T).sum().backward(); // first use only (second layer's weight frozen)
    const first = lin.weight.grad!.toFloat32Array();
    expectClose(twice, Float32Array.from(first.map((v, i) => v + second[i])), { atol: 1e-5 });
  });

  it("the chapter ConvNet (3→3 5×5, pool, 3→16 5×5, pool, 400→120→10) runs forward and backward on a batch of 8", () => {
    gw.manualSeed(95);
    const net = new gw.nn.Sequential(
      new gw.nn.Conv2d(3, 3, 5), new gw.nn.ReLU(), new gw.nn.MaxPool2d(2),
      new gw.nn.Conv2d(3, 16, 5), new gw.nn.ReLU(), new gw.nn.AvgPool2d(2),
      new gw.nn.Flatten(), new gw.nn.Linear(400, 120), new gw.nn.ReLU(), new gw.nn.Linear(120, 10),
    );
    expect(count(net)).toBe(3 * 3 * 25 + 3 + 16 * 3 * 25 + 16 + 400 * 120 + 120 + 120 * 10 + 10);
    const x = gw.randn([8, 3, 32, 32]);
    const labels = gw.randint(0, 10, [8]);
    const logits = net.forward(x);
    expect(logits.shape).toEqual([8, 10]);
    const loss = gw.F.crossEntropy(logits, labels);
    expect(loss.item()).toBeGreaterThan(1.5); // ≈ ln 10 at initialisation
    expect(loss.item()).toBeLessThan(3.5);
    loss.backward();
    for (const [name, p] of net.namedParameters()) {
      expect(p.grad, name).not.toBeNull();
      expect(p.grad!.shape, name).toEqual(p.shape);
      expect(p.grad!.toFloat32Array().every(Number.isFinite), name).toBe(true);
      expect(p.grad!.abs().sum().item(), name).toBeGreaterThan(0);
    }
    // one small SGD step lowers the loss on the same batch
    new gw.optim.SGD(net.parameters(), { lr: 0.01 }).step();
    expect(gw.F.crossEntropy(net.forward(x), labels).item()).toBeLessThan(loss.item());
  });
});
