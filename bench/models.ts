// The benchmark's nets: exactly the library's models (lib/train/models.ts), which students train.
import * as gw from "../lib/index";

/**
 * The net of a training workload group, and where its definition came from (printed in the notes).
 *
 * @example
 * loadNet("vgg").net.forward(gw.randn([2, 3, 32, 32])).shape; // [2, 10]
 */
export function loadNet(group: "convnet" | "vgg" | "vggbn"): { net: gw.nn.Module; source: string } {
  if (group === "convnet") return { net: gw.train.chapterConvNet(), source: "lib/train/models.ts chapterConvNet()" };
  if (group === "vgg") return { net: gw.train.vggNet(), source: "lib/train/models.ts vggNet()" };
  return { net: gw.train.vggNet({ batchNorm: true }), source: "lib/train/models.ts vggNet({ batchNorm: true })" };
}
