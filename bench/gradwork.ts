// gradwork's side of every workload, run inside a child process (see bench/child.ts).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import * as gw from "../lib/index";
import { loadNet } from "./models";
import type { ChildRequest, ChildResult } from "./protocol";
import { measure, measureAlternating, peakRssMB } from "./stats";
import { CONV, unitsPerStep } from "./workloads";

interface ThreadControl {
  setNumThreads?: (n: number) => void;
  getNumThreads?: () => number;
}

const ROOT = join(__dirname, "..");

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Pick the cpu backend when registered (else the reference one) and set the thread count; returns notes and a way to change the count. */
export function chooseBackend(threads: number): { backend: string; threads: number; notes: string[]; setThreads: (n: number) => void } {
  const notes: string[] = [];
  const cpuDir = join(ROOT, "lib", "backend", "cpu");
  let ctl = gw as unknown as ThreadControl;
  if (!gw.listBackends().includes("cpu") && existsSync(join(cpuDir, "register.ts"))) {
    // lib/index.ts does not load the cpu backend (yet): importing its register module does
    try {
      require(join(cpuDir, "register.ts"));
      notes.push("cpu backend registered by bench (lib/index.ts does not import lib/backend/cpu/register yet)");
    } catch (e) {
      notes.push(`loading lib/backend/cpu/register.ts failed: ${(e as Error).message}`);
    }
  }
  if (gw.listBackends().includes("cpu")) {
    gw.setBackend("cpu");
    if (typeof ctl.setNumThreads !== "function") ctl = require(join(cpuDir, "index.ts")) as ThreadControl;
    const worker = join(ROOT, "dist", "backend", "cpu", "worker.js");
    if (existsSync(worker) && newestMtime(cpuDir) > statSync(worker).mtimeMs) {
      notes.push("dist/backend/cpu is older than lib/backend/cpu: run `npm run build` so the workers match the sources");
    }
  } else {
    gw.setBackend("reference");
    notes.push('"cpu" backend not registered: fell back to the single-threaded "reference" backend');
  }
  let used = 1;
  const setThreads = (n: number) => {
    if (gw.getBackend() !== "reference" && typeof ctl.setNumThreads === "function") ctl.setNumThreads(n);
  };
  if (gw.getBackend() !== "reference") {
    if (typeof ctl.setNumThreads === "function") {
      ctl.setNumThreads(threads);
      used = typeof ctl.getNumThreads === "function" ? ctl.getNumThreads() : threads;
    } else if (threads !== 1) {
      notes.push("setNumThreads is not available: thread count ignored");
    }
  }
  return { backend: gw.getBackend(), threads: used, notes, setThreads };
}

/** Build the step function of a workload. */
function makeStep(req: ChildRequest, notes: string[]): () => void {
  const w = req.workload;
  gw.manualSeed(0);
  if (w.group === "gemm") {
    const n = w.size!;
    const a = gw.randn([n, n]);
    const b = gw.randn([n, n]);
    return () => {
      gw.noGrad(() => a.matmul(b));
    };
  }
  if (w.group === "conv") {
    const x = gw.randn([CONV.n, CONV.c, CONV.h, CONV.w], { requiresGrad: true });
    const wt = gw.randn([CONV.cOut, CONV.c, CONV.k, CONV.k], { requiresGrad: true });
    const dy = gw.randn([CONV.n, CONV.cOut, CONV.h, CONV.w]);
    return () => {
      x.grad = null;
      wt.grad = null;
      gw.F.conv2d(x, wt, null, { padding: CONV.pad }).backward(dy);
    };
  }
  const { net, source } = loadNet(w.group);
  notes.push(`net from ${source}`);
  const opt = new gw.optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = gw.randn([w.batch!, 3, 32, 32]);
  const y = gw.randint(0, 10, [w.batch!]);
  return () => {
    opt.zeroGrad();
    const loss = gw.F.crossEntropy(net.forward(x) as gw.Tensor, y);
    loss.backward();
    opt.step();
  };
}

/**
 * Run one workload on gradwork and return its samples.
 *
 * @example
 * runGradwork({ framework: "gradwork", workload: WORKLOADS[0], threads: 1, plan }, () => {});
 */
export async function runGradwork(req: ChildRequest, ready: () => void): Promise<ChildResult> {
  const chosen = chooseBackend(req.threads);
  const notes = [...chosen.notes];
  const step = makeStep(req, notes);
  ready();
  if (req.alternate) {
    const a = await measureAlternating(step, chosen.setThreads, req.alternate, unitsPerStep(req.workload), req.plan);
    return { samples: a.samples, stepsPerRun: a.stepsPerRun, cold: a.cold, alternated: a.perThreads, peakMB: peakRssMB(), backend: chosen.backend, threads: chosen.threads, notes };
  }
  const t = await measure(step, unitsPerStep(req.workload), req.plan);
  return { ...t, peakMB: peakRssMB(), backend: chosen.backend, threads: chosen.threads, notes };
}
