// ConvNetJS 0.3 (Karpathy's pure-JS library, float64, one image at a time, one thread) on the training
// workloads. It has no average pooling: the ConvNet's second pool is a max pool here. GEMM and conv
// alone are not exposed by ConvNetJS, so only the training workloads run.
import type { ChildRequest, ChildResult } from "../protocol";
import { measure, peakRssMB } from "../stats";

type LayerDef = Record<string, unknown>;

function layers(group: "convnet" | "vgg"): LayerDef[] {
  const input = { type: "input", out_sx: 32, out_sy: 32, out_depth: 3 };
  // makeLayers puts the last fully connected layer (num_classes outputs) in front of "softmax" itself
  if (group === "convnet") {
    return [
      input,
      { type: "conv", sx: 5, filters: 3, stride: 1, pad: 0, activation: "relu" },
      { type: "pool", sx: 2, stride: 2 },
      { type: "conv", sx: 5, filters: 16, stride: 1, pad: 0, activation: "relu" },
      { type: "pool", sx: 2, stride: 2 },
      { type: "fc", num_neurons: 120, activation: "relu" },
      { type: "softmax", num_classes: 10 },
    ];
  }
  const conv = (filters: number) => ({ type: "conv", sx: 3, filters, stride: 1, pad: 1, activation: "relu" });
  return [
    input,
    conv(32), conv(32), { type: "pool", sx: 2, stride: 2 },
    conv(64), conv(64), { type: "pool", sx: 2, stride: 2 },
    { type: "fc", num_neurons: 256, activation: "relu" },
    { type: "softmax", num_classes: 10 },
  ];
}

/**
 * Run one training workload on ConvNetJS (a step is one batch: `batch` calls of `trainer.train`).
 *
 * @example
 * runConvnetjs(request, () => console.log("ready"));
 */
export async function runConvnetjs(req: ChildRequest, ready: () => void): Promise<ChildResult> {
  const w = req.workload;
  if (w.group !== "convnet" && w.group !== "vgg") throw new Error(`ConvNetJS runs only the training workloads, not "${w.id}"`);
  const cnj = require("convnetjs") as any;
  const net = new cnj.Net();
  net.makeLayers(layers(w.group));
  const batch = w.batch!;
  const trainer = new cnj.Trainer(net, { method: "sgd", learning_rate: 0.01, momentum: 0.9, batch_size: batch, l2_decay: 0 });
  const xs = Array.from({ length: batch }, () => new cnj.Vol(32, 32, 3)); // random-filled
  const ys = Array.from({ length: batch }, (_, i) => i % 10);
  const step = () => {
    for (let i = 0; i < batch; i++) trainer.train(xs[i], ys[i]);
  };
  ready();
  const t = await measure(step, batch, req.plan);
  const notes = ["ConvNetJS 0.3: float64, one image at a time" + (w.group === "convnet" ? "; max pool instead of the avg pool (none in ConvNetJS)" : "")];
  return { ...t, peakMB: peakRssMB(), backend: "convnetjs", threads: 1, notes };
}
