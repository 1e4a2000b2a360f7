// The textbook's chapter-12 CIFAR-10 ConvNet (conv 3→3 5×5, ReLU, maxpool 2, conv 3→16 5×5, ReLU,
// avgpool 2, flatten, linear 400→120, ReLU, linear 120→10), built with gw.nn and stepped once with
// SGD(lr 0.01) from PyTorch's initial weights: loss, output and every updated weight must match.
import { describe, it, expect } from "vitest";
import * as gw from "gradwork";
import { loadFixture, toTensor, specData, expectClose, type ConvNetFixture } from "../fixtures/golden";
import { BACKENDS, hasBackend, useBackend } from "./backends";

const fx = loadFixture<ConvNetFixture>("convnet");

class ConvNet extends gw.nn.Module {
  conv1 = new gw.nn.Conv2d(3, 3, 5);
  pool1 = new gw.nn.MaxPool2d(2, { stride: 2 });
  conv2 = new gw.nn.Conv2d(3, 16, 5);
  pool2 = new gw.nn.AvgPool2d(2, { stride: 2 });
  fc1 = new gw.nn.Linear(16 * 5 * 5, 120);
  fc2 = new gw.nn.Linear(120, 10);
  forward(x: gw.Tensor): gw.Tensor {
    x = this.pool1.forward(this.conv1.forward(x).relu());
    x = this.pool2.forward(this.conv2.forward(x).relu());
    x = x.view([-1, 16 * 5 * 5]);
    return this.fc2.forward(this.fc1.forward(x).relu());
  }
}

/** The 8 CIFAR images, normalised exactly as torchvision's ToTensor + Normalize(0.5, 0.5) in float32. */
function images(): gw.Tensor {
  const pixels = specData(fx.input.pixels, "convnet pixels");
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(Math.fround(Math.fround(pixels[i] / 255) - 0.5) / 0.5);
  return gw.tensor(x, { shape: fx.input.pixels.shape });
}

function initialState(): Record<string, gw.Tensor> {
  const state: Record<string, gw.Tensor> = {};
  for (const [name, spec] of Object.entries(fx.init)) state[name] = toTensor(spec);
  return state;
}

describe.each(BACKENDS)("golden chapter-12 ConvNet on the %s backend", (backend) => {
  describe.skipIf(!hasBackend(backend))(backend, () => {
    useBackend(backend);

    it("has PyTorch's state_dict names", () => {
      expect(Object.keys(new ConvNet().stateDict()).sort()).toEqual(Object.keys(fx.init).sort());
    });

    for (const step of fx.steps) {
      it(`${step.name}: ${step.description}`, () => {
        const net = new ConvNet();
        net.loadStateDict(initialState());
        const all = images();
        const x = step.batch.length === 8 ? all : gw.indexSelect(all, 0, step.batch);
        const opt = new gw.optim.SGD(net.parameters(), { lr: 0.01 });
        opt.zeroGrad();
        const out = net.forward(x);
        // torch.norm(out - ones)**2 is the same sum of squares as ((out - 1)^2).sum()
        const loss = step.loss === "crossEntropy"
          ? gw.F.crossEntropy(out, fx.input.labels.slice(0, out.shape[0]))
          : out.sub(1).pow(2).sum();
        loss.backward();
        opt.step();
        expectClose(out, step.output, { rtol: 1e-4, atol: 1e-5, what: "output" });
        expectClose(loss, { shape: [], data: [step.lossValue] }, { rtol: 1e-4, atol: 1e-5, what: "loss" });
        const state = net.stateDict();
        for (const [name, spec] of Object.entries(step.updated)) {
          expectClose(state[name], spec, { rtol: 1e-4, atol: 1e-5, what: `updated ${name}` });
        }
      });
    }
  });
});
