/**
 * Kernel micro-benchmark of the cpu backend: GEMM GFLOP/s at 256/512/1024 and a 3×3 convolution
 * (forward + both backward passes) in GFLOP/s, with 1 thread and with all threads. Medians of
 * several runs (the machine is shared and noisy).
 *
 *   npx tsx bench/kernels.ts            # prints a table
 *
 * @example
 * import { benchKernels } from "./kernels";
 * const r = benchKernels({ repeats: 5 });
 * console.log(r.gemm[0].gflops);
 */
import type { Conv2dParams, GemmArgs } from "../lib/backend/backend";
import { cpuBackend, cpuBackendInfo, getNumThreads, setNumThreads } from "../lib/backend/cpu";

export interface KernelBenchResult {
  info: ReturnType<typeof cpuBackendInfo>;
  gemm: { size: number; threads: number; gflops: number; ms: number }[];
  conv: { label: string; threads: number; gflops: number; ms: number; forwardMs: number; backwardInputMs: number; backwardWeightMs: number }[];
}

function random(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median milliseconds of `fn` over `repeats` runs after `warmup` runs. */
function time(fn: () => void, repeats: number, warmup = 2): number {
  for (let i = 0; i < warmup; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

export function benchKernels(opts: { repeats?: number; sizes?: number[]; threads?: number[] } = {}): KernelBenchResult {
  const repeats = opts.repeats ?? 7;
  const all = getNumThreads();
  const threadCounts = opts.threads ?? [...new Set([1, all])];
  const result: KernelBenchResult = { info: cpuBackendInfo(), gemm: [], conv: [] };
  try {
    for (const size of opts.sizes ?? [256, 512, 1024]) {
      const g: GemmArgs = {
        batch: 1, m: size, n: size, k: size, a: random(size * size), aOffset: 0, aBatchStride: 0, transA: false,
        b: random(size * size), bOffset: 0, bBatchStride: 0, transB: false, out: new Float32Array(size * size),
      };
      for (const threads of threadCounts) {
        setNumThreads(threads);
        const ms = time(() => cpuBackend.matmul(g), size >= 1024 ? repeats : repeats * 3);
        result.gemm.push({ size, threads, ms, gflops: (2 * size ** 3) / ms / 1e6 });
      }
    }
    // batch 64, 32 -> 32 channels, 3x3, 32x32 images, padding 1 (the chapter ConvNet's middle layer)
    const p: Conv2dParams = { n: 64, c: 32, h: 32, w: 32, cOut: 32, kh: 3, kw: 3, groups: 1, strideH: 1, strideW: 1, padH: 1, padW: 1, dilH: 1, dilW: 1, outH: 32, outW: 32 };
    const x = random(p.n * p.c * p.h * p.w), w = random(p.cOut * p.c * 9), bias = random(p.cOut);
    const y = new Float32Array(p.n * p.cOut * p.outH * p.outW), dy = random(y.length);
    const dx = new Float32Array(x.length), dw = new Float32Array(w.length);
    const flops = 2 * p.n * p.cOut * p.c * 9 * p.outH * p.outW; // per pass
    for (const threads of threadCounts) {
      setNumThreads(threads);
      const forwardMs = time(() => cpuBackend.conv2d(x, w, bias, p, y), repeats);
      const backwardInputMs = time(() => cpuBackend.conv2dBackwardInput(dy, w, p, dx), repeats);
      const backwardWeightMs = time(() => cpuBackend.conv2dBackwardWeight(x, dy, p, dw), repeats);
      const ms = forwardMs + backwardInputMs + backwardWeightMs;
      result.conv.push({ label: "3x3 32->32, batch 64, 32x32", threads, ms, gflops: (3 * flops) / ms / 1e6, forwardMs, backwardInputMs, backwardWeightMs });
    }
  } finally {
    setNumThreads(all);
  }
  return result;
}

if (require.main === module) {
  const r = benchKernels();
  console.log(`cpu backend: ${r.info.threads} threads, relaxed SIMD: ${r.info.relaxedSimd}`);
  console.log("GEMM (square, medians)");
  for (const g of r.gemm) console.log(`  ${String(g.size).padStart(4)}  threads ${g.threads}  ${g.gflops.toFixed(1).padStart(6)} GFLOP/s  ${g.ms.toFixed(2)} ms`);
  console.log("conv forward + backward input + backward weight (medians)");
  for (const c of r.conv) {
    console.log(`  ${c.label}  threads ${c.threads}  ${c.gflops.toFixed(1).padStart(6)} GFLOP/s  ${c.ms.toFixed(1)} ms ` +
      `(fwd ${c.forwardMs.toFixed(1)}, dx ${c.backwardInputMs.toFixed(1)}, dw ${c.backwardWeightMs.toFixed(1)})`);
  }
  const c1 = r.conv.find((c) => c.threads === 1), cn = r.conv.find((c) => c.threads > 1);
  if (c1 && cn) console.log(`conv speed-up 1 -> ${cn.threads} threads: ${(c1.ms / cn.ms).toFixed(2)}x`);
}
