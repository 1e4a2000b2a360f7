// TensorFlow.js (tfjs-core with the plain-JS "cpu" backend, single-threaded) on the bench workloads.
// The same nets as gradwork's in NHWC layout, SGD with momentum 0.9 and softmax cross-entropy.
import type * as TF from "./tfjs-types";
import type { ChildRequest, ChildResult } from "../protocol";
import { measure, peakRssMB } from "../stats";
import { CONV, unitsPerStep } from "../workloads";

type Tf = TF.Tfjs;

function convVar(tf: Tf, k: number, cin: number, cout: number): TF.Variable {
  return tf.variable(tf.randomNormal([k, k, cin, cout], 0, Math.sqrt(2 / (k * k * cin))));
}
function denseVar(tf: Tf, i: number, o: number): TF.Variable {
  return tf.variable(tf.randomNormal([i, o], 0, Math.sqrt(2 / i)));
}
function biasVar(tf: Tf, n: number): TF.Variable {
  return tf.variable(tf.zeros([n]));
}

/** x·w + b, then ReLU when `relu`. */
function dense(tf: Tf, x: TF.Tensor2D, w: TF.Variable, b: TF.Variable, relu: boolean): TF.Tensor2D {
  const y = tf.add(tf.matMul(x, w as TF.Tensor2D), b) as TF.Tensor2D;
  return relu ? (tf.relu(y) as TF.Tensor2D) : y;
}

/** The forward pass and the trainable variables of one of the two nets. */
function buildNet(tf: Tf, group: "convnet" | "vgg"): { vars: TF.Variable[]; forward: (x: TF.Tensor4D) => TF.Tensor2D } {
  if (group === "convnet") {
    const v = [convVar(tf, 5, 3, 3), biasVar(tf, 3), convVar(tf, 5, 3, 16), biasVar(tf, 16), denseVar(tf, 400, 120), biasVar(tf, 120), denseVar(tf, 120, 10), biasVar(tf, 10)];
    const conv = (x: TF.Tensor4D, i: number) => tf.relu(tf.add(tf.conv2d(x, v[i] as TF.Tensor4D, 1, "valid"), v[i + 1])) as TF.Tensor4D;
    const forward = (x: TF.Tensor4D) => {
      let h = tf.maxPool(conv(x, 0), 2, 2, "valid");
      h = tf.avgPool(conv(h, 2), 2, 2, "valid");
      return dense(tf, dense(tf, tf.reshape(h, [x.shape[0], 400]) as TF.Tensor2D, v[4], v[5], true), v[6], v[7], false);
    };
    return { vars: v, forward };
  }
  const v = [
    convVar(tf, 3, 3, 32), biasVar(tf, 32), convVar(tf, 3, 32, 32), biasVar(tf, 32),
    convVar(tf, 3, 32, 64), biasVar(tf, 64), convVar(tf, 3, 64, 64), biasVar(tf, 64),
    denseVar(tf, 4096, 256), biasVar(tf, 256), denseVar(tf, 256, 10), biasVar(tf, 10),
  ];
  const conv = (x: TF.Tensor4D, i: number) => tf.relu(tf.add(tf.conv2d(x, v[i] as TF.Tensor4D, 1, "same"), v[i + 1])) as TF.Tensor4D;
  const forward = (x: TF.Tensor4D) => {
    let h = tf.maxPool(conv(conv(x, 0), 2), 2, 2, "valid");
    h = tf.maxPool(conv(conv(h, 4), 6), 2, 2, "valid");
    return dense(tf, dense(tf, tf.reshape(h, [x.shape[0], 4096]) as TF.Tensor2D, v[8], v[9], true), v[10], v[11], false);
  };
  return { vars: v, forward };
}

function makeStep(tf: Tf, req: ChildRequest): () => void {
  const w = req.workload;
  if (w.group === "gemm") {
    const a = tf.randomNormal([w.size!, w.size!]) as TF.Tensor2D;
    const b = tf.randomNormal([w.size!, w.size!]) as TF.Tensor2D;
    return () => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    };
  }
  if (w.group === "conv") {
    const x = tf.randomNormal([CONV.n, CONV.h, CONV.w, CONV.c]);
    const wt = tf.randomNormal([CONV.k, CONV.k, CONV.c, CONV.cOut]);
    const dy = tf.randomNormal([CONV.n, CONV.h, CONV.w, CONV.cOut]);
    const grads = tf.grads((xx: TF.Tensor, ww: TF.Tensor) => tf.conv2d(xx as TF.Tensor4D, ww as TF.Tensor4D, 1, "same"));
    return () => {
      const [dx, dw] = grads([x, wt], dy);
      dx.dataSync();
      dw.dataSync();
      dx.dispose();
      dw.dispose();
    };
  }
  if (w.group === "vggbn") throw new Error("TF.js: the batch-norm net is not part of its workloads");
  const { vars, forward } = buildNet(tf, w.group);
  const opt = tf.train.momentum(0.01, 0.9);
  const x = tf.randomNormal([w.batch!, 32, 32, 3]) as TF.Tensor4D;
  const labels = tf.oneHot(tf.randomUniform([w.batch!], 0, 10, "int32") as TF.Tensor1D, 10);
  return () => {
    opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, forward(x)) as TF.Scalar, false, vars);
    vars[0].dataSync(); // wait for the update
  };
}

/**
 * Run one workload on TensorFlow.js's cpu backend.
 *
 * @example
 * await runTfjs(request, () => console.log("ready"));
 */
export async function runTfjs(req: ChildRequest, ready: () => void): Promise<ChildResult> {
  const tf = require("@tensorflow/tfjs-core") as Tf;
  require("@tensorflow/tfjs-core/dist/register_all_gradients"); // tfjs-core alone has no gradients registered
  require("@tensorflow/tfjs-backend-cpu");
  await tf.setBackend("cpu");
  await tf.ready();
  const notes = ["tfjs-core " + tf.version_core + ", backend cpu (plain JS, one thread: Node has no web Worker)"];
  const step = makeStep(tf, req);
  ready();
  const t = await measure(step, unitsPerStep(req.workload), req.plan);
  return { ...t, peakMB: peakRssMB(), backend: "tfjs-cpu", threads: 1, notes };
}
