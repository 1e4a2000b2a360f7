// `npm run bench`: gradwork against PyTorch, TensorFlow.js and ConvNetJS on the same workloads, in one run.
// Each (framework, workload, threads) runs in its own child process, one after the other; see bench/README.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseOptions, type BenchOptions } from "./options";
import type { ChildRequest, Framework } from "./protocol";
import { alternatingLine, cellValue, fmt, NAMES, progressLine, summaryTable, targets, type Lookup, type SimdPeakRow } from "./report";
import { PYTHON, TORCH_PROBE, blasOf, runChild, runKernelsChild, runSimdPeakChild, type Measurement } from "./spawn";

interface PeerStatus {
  framework: Framework;
  available: boolean;
  detail: string;
  /** Printed in the notes too: something that makes this peer's figures misleading. */
  warning?: string;
}

function checkPeers(): PeerStatus[] {
  const torch = spawnSync(PYTHON, ["-c", TORCH_PROBE], { encoding: "utf8", timeout: 60_000 });
  const torchOk = torch.status === 0;
  const [torchVersion = "", libs = ""] = torch.stdout?.split("\n") ?? [];
  const blas = blasOf(libs.split(";").filter(Boolean));
  const resolves = (names: string[]) => {
    try {
      return names.map((n) => require(`${n}/package.json`).version as string).join(", ");
    } catch {
      return null;
    }
  };
  const tf = resolves(["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu"]);
  const cnj = resolves(["convnetjs"]);
  return [
    {
      framework: "pytorch",
      available: torchOk,
      detail: torchOk ? `torch ${torchVersion.trim()} via ${PYTHON}, ${blas.name}` : "PyTorch not installed: skipped (apt-get install python3-torch libopenblas0-pthread)",
      warning: torchOk && blas.reference ? "PyTorch's matrix products run on the unoptimised reference BLAS (Debian's libblas3): its GEMM and linear layers are several times slower than with OpenBLAS, so ratios against them flatter gradwork. apt-get install libopenblas0-pthread for a fair comparison." : undefined,
    },
    { framework: "tfjs", available: tf !== null, detail: tf ? `@tensorflow/tfjs-core + tfjs-backend-cpu ${tf}` : "TensorFlow.js not installed: skipped" },
    { framework: "convnetjs", available: cnj !== null, detail: cnj ? `convnetjs ${cnj}` : "ConvNetJS not installed: skipped" },
  ];
}

/** "v26.12.1 (V8 13.6…)" of a Node binary, or null when it does not start. */
function nodeVersion(node: string): { node: string; v8: string } | null {
  const r = spawnSync(node, ["-p", "process.version + ' ' + process.versions.v8"], { encoding: "utf8", timeout: 30_000 });
  const [v, v8] = r.status === 0 ? r.stdout.trim().split(" ") : [];
  return v && v8 ? { node: v, v8 } : null;
}

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}

interface KernelRow {
  size?: number;
  label?: string;
  threads: number;
  gflops: number;
}

/** Kernel-level GEMM/conv figures from bench/kernels.ts (the cpu backend's own micro-benchmark), when present. */
async function kernelSection(opts: BenchOptions): Promise<unknown> {
  const groups = new Set(opts.workloads.map((w) => w.group));
  if (!groups.has("gemm") && !groups.has("conv")) return null;
  if (!existsSync(join(__dirname, "kernels.ts"))) {
    console.log("\n(bench/kernels.ts not present: no kernel-level figures)");
    return null;
  }
  const sizes = groups.has("gemm") ? opts.workloads.filter((w) => w.group === "gemm").map((w) => w.size!) : [];
  const k = await runKernelsChild({ repeats: opts.quick ? 3 : 7, sizes, threads: opts.threads }, { startupS: 90, afterReadyS: opts.quick ? 120 : 240 });
  console.log("\n## Kernel level (bench/kernels.ts: cpu backend kernels on raw arrays, no tensors or autograd; medians)\n");
  const r = k.result as { gemm?: KernelRow[]; conv?: KernelRow[]; info?: unknown } | undefined;
  if (!r || !Array.isArray(r.gemm) || !Array.isArray(r.conv)) {
    console.log(`bench/kernels.ts failed: ${k.error ?? "unexpected result shape"}`);
    return k;
  }
  console.log(`backend info: ${JSON.stringify(r.info)}`);
  const rows = [...r.gemm.map((g) => ({ ...g, name: `GEMM ${g.size}` })), ...r.conv.map((c) => ({ ...c, name: `conv ${c.label ?? ""} fwd+bwd` }))];
  const names = [...new Set(rows.map((x) => x.name))];
  const t1 = opts.threads[0];
  const tN = opts.threads[opts.threads.length - 1];
  console.log(`| kernel (GFLOP/s) | ${opts.threads.map((t) => `${t}T`).join(" | ")} | speed-up ${t1}→${tN}T |`);
  console.log(`| --- | ${opts.threads.map(() => "---").join(" | ")} | --- |`);
  for (const n of names) {
    const at = (t: number) => rows.find((x) => x.name === n && x.threads === t)?.gflops;
    const a = at(t1);
    const b = at(tN);
    console.log(`| ${n} | ${opts.threads.map((t) => fmt(at(t))).join(" | ")} | ${a && b && tN !== t1 ? fmt(b / a) + "×" : "—"} |`);
  }
  return r;
}

/** The 128-bit SIMD peak of this machine (bench/simd-peak.ts), printed beside GEMM's GFLOP/s. */
async function simdPeakSection(opts: BenchOptions): Promise<{ fma: boolean; rows: SimdPeakRow[] } | null> {
  if (!opts.workloads.some((w) => w.group === "gemm")) return null;
  const p = await runSimdPeakChild({ repeats: opts.quick ? 3 : 7, threads: opts.threads }, { startupS: 90, afterReadyS: 120 });
  const r = p.result as { fma: boolean; rows: SimdPeakRow[] } | undefined;
  if (!r || !Array.isArray(r.rows)) {
    console.log(`\nbench/simd-peak.ts failed: ${p.error ?? "unexpected result shape"}`);
    return null;
  }
  console.log(`\n128-bit WebAssembly SIMD peak (bench/simd-peak.ts: f32x4 ${r.fma ? "fused multiply-adds" : "multiplies and adds"}, 12 independent accumulators, no memory traffic, no 256-bit revectorization; medians):`);
  for (const row of r.rows) console.log(`- ${row.threads}T: ${fmt(row.gflops)} GFLOP/s`);
  return r;
}

async function main(): Promise<void> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const started = Date.now();
  console.log(`# gradwork benchmark${opts.quick ? " (--quick)" : ""}`);
  console.log(`${new Date().toISOString()} · ${cpuModel()} · ${availableParallelism()} cores · Node ${process.version} (V8 ${process.versions.v8}) · load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const other = opts.compareNode ? nodeVersion(opts.compareNode) : null;
  if (opts.compareNode && !other) console.log(`--compare-node ${opts.compareNode} does not start: no side-by-side Node figures`);
  if (other) console.log(`side by side: gradwork also on ${opts.compareNode} (Node ${other.node}, V8 ${other.v8})`);
  console.log(`threads: ${opts.threads.join(", ")} · workloads: ${opts.workloads.map((w) => w.id).join(", ")}`);
  console.log(`timing: median of up to ${opts.plan.runs} runs of ~${opts.plan.targetRunS} s after ${opts.plan.warmupS} s warm-up (training: ${opts.trainPlan.warmupS} s), at most ~${opts.plan.budgetS} s per workload (training: ${opts.trainPlan.budgetS} s; TF.js, ConvNetJS: ${opts.slowPeerPlan.budgetS} s)`);
  const peers = opts.noPeers ? [] : checkPeers();
  for (const p of peers) console.log(`peer: ${p.detail}${p.warning ? `\n  WARNING: ${p.warning}` : ""}`);
  const active = peers.filter((p) => p.available).map((p) => p.framework);
  console.log("");

  const results: Measurement[] = [];
  const heavy = { startupS: 90, afterReadyS: Math.max(opts.plan.budgetS, opts.trainPlan.budgetS) * 3 + 20 };
  // training workloads warm up longer (see BenchOptions.trainPlan), the same for gradwork and PyTorch
  const planFor = (w: (typeof opts.workloads)[number]) => (w.unit === "img/s" ? opts.trainPlan : opts.plan);
  const light = { startupS: 90, afterReadyS: opts.slowPeerPlan.budgetS + 3 };
  const run = async (framework: Framework, threads: number, slow: boolean, w: (typeof opts.workloads)[number]) => {
    const req: ChildRequest = { framework, workload: w, threads, plan: slow ? opts.slowPeerPlan : planFor(w) };
    const m = await runChild(req, slow ? light : heavy);
    results.push(m);
    console.log(progressLine(m, w));
  };
  // the reference backend is single-threaded: once a child reports it, do not repeat it at other thread counts
  let singleThreaded = false;
  for (const w of opts.workloads) {
    for (const t of opts.threads) {
      if (!singleThreaded || t === opts.threads[0]) {
        await run("gradwork", t, false, w);
        if (results[results.length - 1].result?.backend === "reference") singleThreaded = true;
      }
      if (active.includes("pytorch")) await run("pytorch", t, false, w);
    }
    if (active.includes("tfjs") && w.group !== "vggbn") await run("tfjs", 1, true, w);
    if (active.includes("convnetjs") && (w.group === "convnet" || w.group === "vgg")) await run("convnetjs", 1, true, w);
  }

  // The VGG-style net's speed-up from 1 thread to all, alternating the thread counts in one process
  // (stats.ts measureAlternating): the target reads this one, the separate processes above drift apart
  const alternating: Measurement[] = [];
  const vgg = opts.workloads.find((w) => w.id === "vgg-b64");
  if (vgg && opts.threads.length > 1 && !singleThreaded) {
    const counts = [opts.threads[0], opts.threads[opts.threads.length - 1]];
    console.log(`\nspeed-up ${counts[0]}→${counts[1]} threads, alternating in one process:`);
    for (const framework of ["gradwork", ...active.filter((f) => f === "pytorch")] as Framework[]) {
      const m = await runChild({ framework, workload: vgg, threads: counts[1], plan: opts.alternatePlan, alternate: counts }, { startupS: 90, afterReadyS: opts.alternatePlan.budgetS * 3 + 20 });
      alternating.push(m);
      console.log(alternatingLine(m));
    }
  }

  // The same gradwork workloads on a second Node (issue 20: Node 20 against the newest LTS), at all cores.
  const allThreads = opts.threads[opts.threads.length - 1];
  const nodeResults: Measurement[] = [];
  if (other) {
    console.log(`\ngradwork on Node ${other.node} (${opts.compareNode}):`);
    for (const w of opts.workloads.filter((x) => ["gemm1024", "conv", "convnet-b64", "vgg-b64", "vggbn-b64"].includes(x.id))) {
      const m = await runChild({ framework: "gradwork", workload: w, threads: allThreads, plan: planFor(w), node: opts.compareNode! }, heavy);
      nodeResults.push(m);
      console.log(progressLine(m, w));
    }
  }

  const kernels = await kernelSection(opts);
  const simdPeak = await simdPeakSection(opts);

  const get: Lookup = (f, id, t) => results.find((m) => m.framework === f && m.workload === id && m.threads === t);
  const notes = new Map<string, Set<string>>();
  for (const m of results) for (const n of m.result?.notes ?? []) notes.set(n, (notes.get(n) ?? new Set()).add(NAMES[m.framework]));
  console.log("\n## Notes");
  const gwBackends = [...new Set(results.filter((m) => m.framework === "gradwork" && m.result).map((m) => m.result!.backend))];
  console.log(`- gradwork backend: ${gwBackends.join(", ") || "none measured"}`);
  for (const [n, who] of notes) console.log(`- ${[...who].join(", ")}: ${n}`);
  if (singleThreaded && opts.threads.length > 1) console.log(`- gradwork ran on the single-threaded reference backend: measured at ${opts.threads[0]} thread(s) only`);
  console.log("- PyTorch: OPENBLAS_NUM_THREADS = threads for GEMM (OpenBLAS ignores torch.set_num_threads), 1 for conv and training");
  for (const p of peers) if (p.warning) console.log(`- ${NAMES[p.framework]}: WARNING: ${p.warning}`);
  console.log("- TF.js and ConvNetJS run one thread; their ratios use gradwork at 1 thread. '*' = a single cold step; '<x' = stopped at the time limit");
  console.log("- 2 shared cores: figures are noisy; compare ratios measured in the same run");

  const allT = opts.threads[opts.threads.length - 1];
  console.log("\n## Summary (medians)\n");
  console.log(summaryTable(get, opts.threads, active, opts.workloads.map((w) => w.id), simdPeak?.rows, alternating));
  const tg = targets(get, allT, simdPeak?.rows, alternating);
  console.log("\n## Targets (gradwork)\n");
  for (const t of tg) console.log(`- ${t.label}: ${fmt(t.value)} → ${t.ok === undefined ? "not measured" : t.ok ? "met" : "NOT met"}`);
  if (gwBackends.includes("reference")) console.log("  (measured on the reference backend: the targets are for the cpu backend)");

  if (other && nodeResults.length) {
    console.log(`\n## Node versions (gradwork, ${allThreads}T, medians)\n`);
    console.log(`| workload | unit | Node ${process.version} (V8 ${process.versions.v8}) | Node ${other.node} (V8 ${other.v8}) | ratio |`);
    console.log("| --- | --- | --- | --- | --- |");
    for (const m of nodeResults) {
      const w = opts.workloads.find((x) => x.id === m.workload)!;
      const mine = cellValue(get("gradwork", m.workload, allThreads));
      const theirs = cellValue(m);
      console.log(`| ${w.label} | ${w.unit} | ${fmt(mine)} | ${fmt(theirs)} | ${mine && theirs ? fmt(mine / theirs) + "×" : "—"} |`);
    }
  }

  const file = resolve(opts.json);
  mkdirSync(dirname(file), { recursive: true });
  const report = {
    date: new Date().toISOString(),
    machine: { cpu: cpuModel(), cores: availableParallelism(), node: process.version, v8: process.versions.v8, loadavg: loadavg() },
    compareNode: other ? { path: opts.compareNode, ...other, measurements: nodeResults } : null,
    options: { quick: opts.quick, threads: opts.threads, workloads: opts.workloads.map((w) => w.id), plan: opts.plan, trainPlan: opts.trainPlan, slowPeerPlan: opts.slowPeerPlan },
    peers,
    measurements: results,
    alternating,
    kernels,
    simdPeak,
    targets: tg,
    wallS: (Date.now() - started) / 1000,
  };
  writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
  const shown = relative(process.cwd(), file).startsWith("..") ? file : relative(process.cwd(), file);
  console.log(`\nwrote ${shown} · total ${fmt((Date.now() - started) / 1000)} s`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
