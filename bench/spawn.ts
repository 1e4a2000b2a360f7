// Start one child process per (framework, workload, threads), with a hard time limit, and read its result.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { READY_MARK, RESULT_MARK, type ChildRequest, type ChildResult, type Framework } from "./protocol";
import { summarize, type Summary } from "./stats";
import { unitsPerStep } from "./workloads";

export const PYTHON = "/usr/bin/python3";

/** One measured (or failed) cell of the results. */
export interface Measurement {
  framework: Framework;
  workload: string;
  /** Threads asked for. */
  threads: number;
  /** The Node binary that ran a JavaScript child, when it was not the bench's own. */
  node?: string;
  result?: ChildResult;
  summary?: Summary;
  /** Killed at the time limit before finishing: throughput is below this (units/s). */
  upperBound?: number;
  error?: string;
  wallS: number;
}

export interface Limits {
  /** Seconds allowed after the child said it is ready (set-up done). */
  afterReadyS: number;
  /** Seconds allowed for start-up and set-up. */
  startupS: number;
}

interface Finished {
  out: string;
  err: string;
  code: number | null;
  /** Seconds from "ready" to the kill, when killed after the child said it was ready. */
  killedAfterReadyS: number | null;
  killedInStartup: boolean;
}

/** Spawn a process, enforce the limits (SIGKILL to that child only) and collect its output. */
function spawnLimited(cmd: string, args: string[], env: NodeJS.ProcessEnv, limits: Limits): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let readyAt: number | null = null;
    let killedAt: number | null = null;
    const kill = () => {
      killedAt = performance.now();
      child.kill("SIGKILL");
    };
    let timer = setTimeout(kill, limits.startupS * 1000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (readyAt === null && out.includes(READY_MARK)) {
        readyAt = performance.now();
        clearTimeout(timer);
        timer = setTimeout(kill, limits.afterReadyS * 1000);
      }
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => {
      clearTimeout(timer);
      const afterReady = killedAt !== null && readyAt !== null ? (killedAt - readyAt) / 1000 : null;
      resolve({ out, err, code, killedAfterReadyS: afterReady, killedInStartup: killedAt !== null && readyAt === null });
    });
  });
}

/** The JSON after RESULT_MARK, if the child printed one. */
function resultOf<T>(out: string): T | undefined {
  const line = out.split("\n").find((l) => l.startsWith(RESULT_MARK));
  return line ? (JSON.parse(line.slice(RESULT_MARK.length)) as T) : undefined;
}

function failure(f: Finished, limits: Limits): string {
  if (f.killedInStartup) return `set-up took longer than ${limits.startupS} s`;
  if (f.killedAfterReadyS !== null) return `stopped at the time limit (${limits.afterReadyS} s) before one step finished`;
  const text = (f.err.trim() || f.out.trim()).split("\n");
  return `exited with code ${f.code}: ${(text.find((l) => /error/i.test(l)) ?? text[text.length - 1] ?? "").trim()}`;
}

/**
 * Run one request in a fresh process (node+tsx for JavaScript frameworks, python3 for PyTorch).
 *
 * @example
 * const m = await runChild({ framework: "gradwork", workload, threads: 2, plan }, { afterReadyS: 40, startupS: 60 });
 */
export async function runChild(req: ChildRequest, limits: Limits): Promise<Measurement> {
  const [cmd, args, env] =
    req.framework === "pytorch"
      ? [PYTHON, [join(__dirname, "peers", "torch_bench.py"), JSON.stringify(req)], torchEnv(req)]
      : [req.node ?? process.execPath, [...process.execArgv, join(__dirname, "child.ts"), JSON.stringify(req)], process.env];
  const started = performance.now();
  const f = await spawnLimited(cmd, args, env, limits);
  const m: Measurement = { framework: req.framework, workload: req.workload.id, threads: req.threads, wallS: (performance.now() - started) / 1000 };
  if (req.node) m.node = req.node;
  m.result = resultOf<ChildResult>(f.out);
  if (m.result) m.summary = summarize(m.result.samples);
  else {
    m.error = failure(f, limits);
    if (f.killedAfterReadyS !== null) m.upperBound = unitsPerStep(req.workload) / f.killedAfterReadyS;
  }
  return m;
}

/**
 * Run bench/kernels.ts (the cpu backend's kernel micro-benchmark, no tensors or autograd) in a child.
 *
 * @example
 * const k = await runKernelsChild({ repeats: 5, sizes: [1024], threads: [1, 2] }, { startupS: 90, afterReadyS: 120 });
 */
export async function runKernelsChild(opts: { repeats: number; sizes: number[]; threads: number[] }, limits: Limits): Promise<{ result?: unknown; error?: string }> {
  const args = [...process.execArgv, join(__dirname, "child.ts"), "--kernels", JSON.stringify(opts)];
  const f = await spawnLimited(process.execPath, args, process.env, limits);
  const result = resultOf<unknown>(f.out);
  return result !== undefined ? { result } : { error: failure(f, limits) };
}

/**
 * Run bench/simd-peak.ts in a child process: the 128-bit SIMD peak GFLOP/s at each thread count.
 *
 * @example
 * const p = await runSimdPeakChild({ repeats: 5, threads: [1, 2] }, { startupS: 90, afterReadyS: 60 });
 */
export async function runSimdPeakChild(opts: { repeats: number; threads: number[] }, limits: Limits): Promise<{ result?: unknown; error?: string }> {
  const args = [...process.execArgv, join(__dirname, "child.ts"), "--simd-peak", JSON.stringify(opts)];
  const f = await spawnLimited(process.execPath, args, process.env, limits);
  const result = resultOf<unknown>(f.out);
  return result !== undefined ? { result } : { error: failure(f, limits) };
}

/**
 * Which BLAS a Python process with torch loaded uses, from the shared libraries in its
 * /proc/self/maps. Debian's python3-torch links the generic libblas.so.3, which the alternatives
 * system points at OpenBLAS when `libopenblas0-pthread` (or another OpenBLAS) is installed, and at
 * the unoptimised reference BLAS (libblas3) otherwise: then PyTorch's GEMM ran at ~6 GFLOP/s where
 * OpenBLAS reached ~100 here, and every ratio against PyTorch's matrix products flattered gradwork.
 *
 * @example
 * blasOf(["/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"]); // { name: "OpenBLAS", reference: false }
 * blasOf(["/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"]); // { name: "reference BLAS (libblas3)", reference: true }
 */
export function blasOf(libraries: string[]): { name: string; reference: boolean } {
  const has = (re: RegExp) => libraries.some((l) => re.test(l));
  if (has(/openblas/i)) return { name: "OpenBLAS", reference: false };
  if (has(/mkl/i)) return { name: "MKL", reference: false };
  if (has(/blis/i)) return { name: "BLIS", reference: false };
  if (has(/atlas/i)) return { name: "ATLAS", reference: false };
  if (has(/\/blas\/libblas\.so/)) return { name: "reference BLAS (libblas3)", reference: true };
  return { name: "unknown BLAS", reference: false };
}

/** Python that prints torch's version, then its BLAS libraries (one line, ';'-separated) after a small matmul loaded them. */
export const TORCH_PROBE = [
  "import torch",
  "torch.ones(8, 8) @ torch.ones(8, 8)",
  "libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if len(l.split()) > 5 and ('blas' in l.lower() or 'mkl' in l.lower() or 'blis' in l.lower())})",
  "print(torch.__version__)",
  "print(';'.join(libs))",
].join("\n");

/** PyTorch's environment: OpenBLAS gets as many threads as asked for GEMM (it ignores torch.set_num_threads), else 1. */
function torchEnv(req: ChildRequest): NodeJS.ProcessEnv {
  const blas = req.workload.group === "gemm" ? String(req.threads) : "1";
  return { ...process.env, OPENBLAS_NUM_THREADS: blas };
}
