// Printing the results: one line per measurement, then a markdown summary table with ratios and targets.
import type { Framework } from "./protocol";
import { summarize } from "./stats";
import type { Measurement } from "./spawn";
import { WORKLOADS, type Workload } from "./workloads";

export const NAMES: Record<Framework, string> = { gradwork: "gradwork", pytorch: "PyTorch", tfjs: "TF.js", convnetjs: "ConvNetJS" };

/** Round to 3 significant digits (whole numbers above 1000). */
export function fmt(x: number | undefined | null): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return "—";
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString("en-US");
  return Number(x.toPrecision(3)).toString();
}

/** The value shown for a cell: the median, or "<bound" when stopped at the time limit. */
export function cellValue(m: Measurement | undefined): number | undefined {
  return m?.summary?.median;
}

function cellText(m: Measurement | undefined): string {
  if (!m) return "—";
  if (m.summary) return fmt(m.summary.median) + (m.result?.cold ? "*" : "");
  if (m.upperBound !== undefined) return `<${fmt(m.upperBound)}`;
  return "error";
}

/**
 * One progress line, e.g. `gradwork   gemm1024  2T  85.1 GFLOP/s  median of 7 (min 80.2, max 88.0, IQR 83.9–86.4)  peak 120 MB`.
 *
 * @example
 * console.log(progressLine(m, workload));
 */
export function progressLine(m: Measurement, w: Workload): string {
  const head = `${NAMES[m.framework].padEnd(9)} ${w.id.padEnd(11)} ${String(m.threads).padStart(2)}T `;
  if (m.summary && m.result) {
    const s = m.summary;
    const spread = s.n > 1 ? ` (min ${fmt(s.min)}, max ${fmt(s.max)}, IQR ${fmt(s.q1)}–${fmt(s.q3)})` : m.result.cold ? " (a single cold step: slower than warm)" : "";
    const mem = m.result.peakMB !== null ? `  peak ${fmt(m.result.peakMB)} MB` : "";
    return `${head} ${fmt(s.median).padStart(8)} ${w.unit}  median of ${s.n}${spread}${mem}  [${m.result.backend}, ${m.result.threads} thr, ${fmt(m.wallS)} s]`;
  }
  if (m.upperBound !== undefined) return `${head} < ${fmt(m.upperBound)} ${w.unit}  (${m.error})`;
  return `${head} FAILED: ${m.error}`;
}

/**
 * One progress line of an alternating speed-up measurement, e.g.
 * `gradwork   vgg-b64  1→2T  speed-up 1.81×  median of 7 rounds (min 1.7, max 1.9)  1T 352, 2T 640 img/s`.
 *
 * @example
 * console.log(alternatingLine(m));
 */
export function alternatingLine(m: Measurement): string {
  const counts = m.result?.alternated?.map((a) => a.threads) ?? [];
  const head = `${NAMES[m.framework].padEnd(9)} ${m.workload.padEnd(11)} ${counts.join("→") || "?"}T `;
  if (!m.summary || !m.result?.alternated) return `${head} FAILED: ${m.error ?? "no alternating samples"}`;
  const s = m.summary;
  const each = m.result.alternated.map((a) => `${a.threads}T ${fmt(summarize(a.samples).median)}`).join(", ");
  return `${head} speed-up ${fmt(s.median)}×  median of ${s.n} rounds (min ${fmt(s.min)}, max ${fmt(s.max)})  ${each} img/s  [${fmt(m.wallS)} s]`;
}

/** The 128-bit SIMD peak at one thread count (bench/simd-peak.ts). */
export interface SimdPeakRow {
  threads: number;
  gflops: number;
}

export type Lookup = (f: Framework, workload: string, threads: number) => Measurement | undefined;

export interface Target {
  label: string;
  /** The threshold alone, for the table's target column. */
  short: string;
  /** The summary row this target belongs to (a workload id, or "vgg-b64 memory" / "vgg-b64 speed-up"). */
  row: string;
  value: number | undefined;
  ok: boolean | undefined;
}

/**
 * The project's targets (issue 20): ratios to PyTorch measured in the same run, so that they mean the
 * same on an AVX2 laptop and an AVX-512 server. A target whose PyTorch side was not measured is "not measured".
 *
 * @example
 * targets(get, 2).filter((t) => t.ok === false).map((t) => t.label);
 */
export function targets(get: Lookup, allT: number, simdPeak?: SimdPeakRow[], alternating: Measurement[] = []): Target[] {
  const g = (f: Framework, id: string, t = allT) => cellValue(get(f, id, t));
  const vsTorch = (id: string, t: number) => {
    const a = g("gradwork", id, t);
    const b = g("pytorch", id, t);
    return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
  };
  const judge = (v: number | undefined, f: (v: number) => boolean) => (v === undefined ? undefined : f(v));
  const ratioTarget = (id: string, t: number, min: number, name: string): Target => {
    const v = vsTorch(id, t);
    return { label: `${name} ≥ ${min}× PyTorch (${t}T)`, short: `≥ ${min}× (${t}T)`, row: id, value: v, ok: judge(v, (x) => x >= min) };
  };
  // the speed-up measured alternating the thread counts in one process when there is one, else the
  // ratio of the two separate processes' medians
  const one = g("gradwork", "vgg-b64", 1);
  const two = g("gradwork", "vgg-b64", 2);
  const alt = alternatedSpeedup(alternating, "gradwork");
  const speedup = alt ?? (one && two ? two / one : undefined);
  // the worst of the per-thread-count ratios (each against PyTorch at the same thread count)
  const memRatios = [...new Set([1, allT])]
    .map((t) => {
      const a = get("gradwork", "vgg-b64", t)?.result?.peakMB ?? undefined;
      const b = get("pytorch", "vgg-b64", t)?.result?.peakMB ?? undefined;
      return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
    })
    .filter((x): x is number => x !== undefined);
  const memRatio = memRatios.length ? Math.max(...memRatios) : undefined;
  // GEMM 1024 as a share of the machine's 128-bit SIMD peak at the same thread count (bench/simd-peak.ts)
  const peak = simdPeak?.find((r) => r.threads === allT)?.gflops;
  const gemm = g("gradwork", "gemm1024", allT);
  const ofPeak = peak && gemm !== undefined ? gemm / peak : undefined;
  return [
    ratioTarget("gemm1024", allT, 0.45, "GEMM 1024"),
    { label: `GEMM 1024 ≥ 70 % of the 128-bit SIMD peak (${allT}T)`, short: `≥ 70 % of SIMD peak (${allT}T)`, row: "gemm1024", value: ofPeak, ok: judge(ofPeak, (v) => v >= 0.7) },
    ratioTarget("conv", allT, 0.8, "conv 3×3 fwd+bwd"),
    ratioTarget("convnet-b8", allT, 0.5, "chapter ConvNet train b8"),
    ratioTarget("convnet-b64", allT, 0.6, "chapter ConvNet train b64"),
    ratioTarget("vgg-b64", allT, 0.6, "VGG-style train b64"),
    ...(allT !== 1 ? [ratioTarget("vgg-b64", 1, 0.6, "VGG-style train b64")] : []),
    ratioTarget("vggbn-b64", allT, 0.5, "VGG-style + batch norm train b64"),
    { label: `VGG-style b64 speed-up 1→2 threads ≥ 1.8×${alt !== undefined ? " (alternating in one process)" : ""}`, short: "≥ 1.8", row: alt !== undefined ? "vgg-b64 alternating" : "vgg-b64 speed-up", value: speedup, ok: judge(speedup, (v) => v >= 1.8) },
    { label: "VGG-style b64 peak RSS ≤ 1.5× PyTorch's", short: "≤ 1.5×", row: "vgg-b64 memory", value: memRatio, ok: judge(memRatio, (v) => v <= 1.5) },
  ];
}

/** Median speed-up of a framework's alternating measurement (1 thread → 2), if it was measured. */
export function alternatedSpeedup(alternating: Measurement[], f: Framework): number | undefined {
  const m = alternating.find((x) => x.framework === f && x.result?.alternated?.some((a) => a.threads === 1) && x.result.alternated.some((a) => a.threads === 2));
  return m?.summary?.median;
}

const met = (ok: boolean | undefined) => (ok === undefined ? "n/a" : ok ? "yes" : "NO");
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? fmt(a / b) + "×" : "—");

/**
 * The markdown summary: one row per workload, gradwork at each thread count, each peer and the
 * ratios gradwork/peer (single-threaded peers are compared with gradwork at 1 thread), then the targets.
 *
 * @example
 * console.log(summaryTable(get, [1, 2], ["pytorch", "tfjs"], ["gemm1024"]));
 */
export function summaryTable(get: Lookup, threads: number[], peers: Framework[], ids: string[], simdPeak?: SimdPeakRow[], alternating: Measurement[] = []): string {
  const multi = peers.includes("pytorch");
  const single = peers.filter((p) => p !== "pytorch");
  const head = ["workload", "unit", ...threads.map((t) => `gradwork ${t}T`)];
  if (multi) head.push(...threads.map((t) => `PyTorch ${t}T`), ...threads.map((t) => `gw/PyTorch ${t}T`));
  for (const p of single) head.push(`${NAMES[p]} 1T`, `gw 1T/${NAMES[p]}`);
  head.push("target", "met");
  const allT = threads[threads.length - 1];
  const tg = targets(get, allT, simdPeak, alternating);
  const targetsOf = (row: string) => tg.filter((t) => t.row === row);
  const rows: string[][] = [];
  for (const id of ids) {
    const w = WORKLOADS.find((x) => x.id === id)!;
    const row = [w.label, w.unit, ...threads.map((t) => cellText(get("gradwork", id, t)))];
    if (multi) {
      row.push(...threads.map((t) => cellText(get("pytorch", id, t))));
      row.push(...threads.map((t) => ratio(cellValue(get("gradwork", id, t)), cellValue(get("pytorch", id, t)))));
    }
    for (const p of single) row.push(cellText(get(p, id, 1)), ratio(cellValue(get("gradwork", id, 1)), cellValue(get(p, id, 1))));
    const ts = targetsOf(id);
    row.push(ts.map((t) => t.short).join(", "), ts.map((t) => met(t.ok)).join(", "));
    rows.push(row);
  }
  if (ids.includes("vgg-b64")) {
    // peak memory row (lower is better; the ratio is still gradwork / peer)
    const mem = (f: Framework, t: number) => get(f, "vgg-b64", t)?.result?.peakMB ?? undefined;
    const row = ["VGG-style train b64 peak RSS", "MB", ...threads.map((t) => fmt(mem("gradwork", t)))];
    if (multi) row.push(...threads.map((t) => fmt(mem("pytorch", t))), ...threads.map((t) => ratio(mem("gradwork", t), mem("pytorch", t))));
    for (const p of single) row.push(fmt(mem(p, 1)), ratio(mem("gradwork", 1), mem(p, 1)));
    const m = targetsOf("vgg-b64 memory")[0];
    row.push(m.short, met(m.ok));
    rows.push(row);
    if (threads.includes(1) && threads.includes(2)) {
      const sp = (f: Framework) => {
        const a = cellValue(get(f, "vgg-b64", 1));
        const b = cellValue(get(f, "vgg-b64", 2));
        return a && b ? b / a : undefined;
      };
      const r = ["VGG-style b64 speed-up 1→2 threads", "×", ...threads.map((t) => (t === 2 ? fmt(sp("gradwork")) : ""))];
      if (multi) r.push(...threads.map((t) => (t === 2 ? fmt(sp("pytorch")) : "")), ...threads.map(() => ""));
      for (let i = 0; i < single.length; i++) r.push("", "");
      const sp2 = targetsOf("vgg-b64 speed-up")[0];
      r.push(sp2?.short ?? "", sp2 ? met(sp2.ok) : "");
      rows.push(r);
      if (alternating.length) {
        const a = ["VGG-style b64 speed-up 1→2 threads, alternating in one process", "×", ...threads.map((t) => (t === 2 ? fmt(alternatedSpeedup(alternating, "gradwork")) : ""))];
        if (multi) a.push(...threads.map((t) => (t === 2 ? fmt(alternatedSpeedup(alternating, "pytorch")) : "")), ...threads.map(() => ""));
        for (let i = 0; i < single.length; i++) a.push("", "");
        const sp3 = targetsOf("vgg-b64 alternating")[0];
        a.push(sp3?.short ?? "", sp3 ? met(sp3.ok) : "");
        rows.push(a);
      }
    }
  }
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}
