// The course's CIFAR-10 models, as nn.Sequential stacks so state-dict names match PyTorch's
// ("0.weight", "3.bias", …) and checkpoints can move between the two.
import { BatchNorm2d } from "../nn/batchnorm";
import { AvgPool2d, Conv2d, MaxPool2d } from "../nn/conv";
import { Flatten, Linear, ReLU, Sequential } from "../nn/layers";
import type { Module } from "../nn/module";

/**
 * The small CNN of the convolution chapter (about 51k parameters), for [B,3,32,32] inputs:
 * conv 3→3 5×5, ReLU, max-pool 2, conv 3→16 5×5, ReLU, avg-pool 2, flatten, linear 400→120,
 * ReLU, linear 120→10.
 *
 * @example
 * const model = gw.train.chapterConvNet();
 * model.forward(gw.randn([8, 3, 32, 32])).shape; // [8, 10]
 */
export function chapterConvNet(): Sequential {
  return new Sequential(
    new Conv2d(3, 3, 5),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(3, 16, 5),
    new ReLU(),
    new AvgPool2d(2),
    new Flatten(),
    new Linear(400, 120),
    new ReLU(),
    new Linear(120, 10),
  );
}

/**
 * A small VGG-style network (about 1.1M parameters): two blocks of two 3×3 convolutions
 * (32 then 64 channels, padding 1, ReLU; optional BatchNorm2d after each conv) each followed
 * by a 2×2 max-pool, then linear 4096→256, ReLU, linear 256→10.
 *
 * @example
 * const model = gw.train.vggNet({ batchNorm: true });
 * Object.keys(model.stateDict())[0]; // "0.weight"
 */
export function vggNet(opts: { batchNorm?: boolean } = {}): Sequential {
  const layers: Module[] = [];
  let channels = 3;
  for (const spec of [32, 32, "pool", 64, 64, "pool"] as const) {
    if (spec === "pool") {
      layers.push(new MaxPool2d(2));
      continue;
    }
    layers.push(new Conv2d(channels, spec, 3, { padding: 1 }));
    if (opts.batchNorm) layers.push(new BatchNorm2d(spec));
    layers.push(new ReLU());
    channels = spec;
  }
  layers.push(new Flatten(), new Linear(64 * 8 * 8, 256), new ReLU(), new Linear(256, 10));
  return new Sequential(...layers);
}
