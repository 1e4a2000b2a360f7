// The two benchmark nets, built with gw.nn. Uses lib/train/models.ts (chapterConvNet, vggNet) when it
// exists, so the bench trains exactly the library's models; otherwise the definitions below.
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as gw from "../lib/index";

const { nn } = gw;

/**
 * The chapter's ConvNet for 3×32×32 images: conv 3→3 5×5, ReLU, maxpool 2, conv 3→16 5×5, ReLU,
 * avgpool 2, flatten, linear 400→120, ReLU, linear 120→10.
 *
 * @example
 * const net = benchConvNet();
 * net.forward(gw.randn([8, 3, 32, 32])).shape; // [8, 10]
 */
export function benchConvNet(): gw.nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(3, 3, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(3, 16, 5), new nn.ReLU(), new nn.AvgPool2d(2),
    new nn.Flatten(),
    new nn.Linear(400, 120), new nn.ReLU(),
    new nn.Linear(120, 10),
  );
}

/**
 * The VGG-style net: conv 3→32, conv 32→32, maxpool 2, conv 32→64, conv 64→64, maxpool 2, flatten,
 * linear 4096→256, linear 256→10 (3×3 kernels, padding 1, ReLU after each conv and the first linear).
 *
 * @example
 * benchVggNet().forward(gw.randn([2, 3, 32, 32])).shape; // [2, 10]
 */
export function benchVggNet(): gw.nn.Module {
  const conv = (i: number, o: number) => new nn.Conv2d(i, o, 3, { padding: 1 });
  return new nn.Sequential(
    conv(3, 32), new nn.ReLU(), conv(32, 32), new nn.ReLU(), new nn.MaxPool2d(2),
    conv(32, 64), new nn.ReLU(), conv(64, 64), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(4096, 256), new nn.ReLU(),
    new nn.Linear(256, 10),
  );
}

type Factory = () => gw.nn.Module;

/** The net for a workload group, and where its definition came from. */
export function loadNet(group: "convnet" | "vgg" | "vggbn"): { net: gw.nn.Module; source: string } {
  if (group === "vggbn") return { net: gw.train.vggNet({ batchNorm: true }), source: "lib/train/models.ts vggNet({ batchNorm: true })" };
  const libModels = join(__dirname, "..", "lib", "train", "models.ts");
  if (existsSync(libModels)) {
    const mod = require(libModels) as Record<string, unknown>;
    const name = group === "convnet" ? "chapterConvNet" : "vggNet";
    const f = mod[name];
    if (typeof f === "function") return { net: (f as Factory)(), source: `lib/train/models.ts ${name}()` };
  }
  return { net: group === "convnet" ? benchConvNet() : benchVggNet(), source: "bench/models.ts" };
}
