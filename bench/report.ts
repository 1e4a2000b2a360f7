// Printing the results: one line per measurement, then a markdown summary table with ratios and targets.
import type { Framework } from "./protocol";
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

export type Lookup = (f: Framework, workload: string, threads: number) => Measurement | undefined;

export interface Target {
  label: string;
  /** The threshold alone, for the table's target column. */
  short: string;
  value: number | undefined;
  ok: boolean | undefined;
}

/** The project's targets, judged on gradwork's figures at `allT` threads. */
export function targets(get: Lookup, allT: number): Target[] {
  const g = (id: string, t = allT) => cellValue(get("gradwork", id, t));
  const one = g("vgg-b64", 1);
  const two = g("vgg-b64", 2);
  const mems = [...new Set([1, allT])].map((t) => get("gradwork", "vgg-b64", t)?.result?.peakMB ?? undefined).filter((x): x is number => x !== undefined);
  const mem = mems.length ? Math.max(...mems) : undefined;
  const judge = (v: number | undefined, f: (v: number) => boolean) => (v === undefined ? undefined : f(v));
  return [
    { label: `GEMM 1024 ≥ 60 GFLOP/s (${allT}T)`, short: "≥ 60", value: g("gemm1024"), ok: judge(g("gemm1024"), (v) => v >= 60) },
    { label: `VGG-style train b64 ≥ 300 img/s (${allT}T)`, short: "≥ 300", value: g("vgg-b64"), ok: judge(g("vgg-b64"), (v) => v >= 300) },
    { label: `chapter ConvNet train b64 ≥ 5,000 img/s (${allT}T)`, short: "≥ 5,000", value: g("convnet-b64"), ok: judge(g("convnet-b64"), (v) => v >= 5000) },
    { label: "VGG-style b64 speed-up 1→2 threads ≥ 1.6×", short: "≥ 1.6", value: one && two ? two / one : undefined, ok: judge(one && two ? two / one : undefined, (v) => v >= 1.6) },
    { label: "VGG-style b64 peak RSS < 1 GB (MB)", short: "< 1,000", value: mem, ok: judge(mem, (v) => v < 1000) },
  ];
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
export function summaryTable(get: Lookup, threads: number[], peers: Framework[], ids: string[]): string {
  const multi = peers.includes("pytorch");
  const single = peers.filter((p) => p !== "pytorch");
  const head = ["workload", "unit", ...threads.map((t) => `gradwork ${t}T`)];
  if (multi) head.push(...threads.map((t) => `PyTorch ${t}T`), ...threads.map((t) => `gw/PyTorch ${t}T`));
  for (const p of single) head.push(`${NAMES[p]} 1T`, `gw 1T/${NAMES[p]}`);
  head.push("target", "met");
  const allT = threads[threads.length - 1];
  const tg = targets(get, allT);
  const targetOf: Record<string, Target> = { gemm1024: tg[0], "vgg-b64": tg[1], "convnet-b64": tg[2] };
  const rows: string[][] = [];
  for (const id of ids) {
    const w = WORKLOADS.find((x) => x.id === id)!;
    const row = [w.label, w.unit, ...threads.map((t) => cellText(get("gradwork", id, t)))];
    if (multi) {
      row.push(...threads.map((t) => cellText(get("pytorch", id, t))));
      row.push(...threads.map((t) => ratio(cellValue(get("gradwork", id, t)), cellValue(get("pytorch", id, t)))));
    }
    for (const p of single) row.push(cellText(get(p, id, 1)), ratio(cellValue(get("gradwork", id, 1)), cellValue(get(p, id, 1))));
    const t = targetOf[id];
    row.push(t ? `${t.short} (${allT}T)` : "", t ? met(t.ok) : "");
    rows.push(row);
  }
  if (ids.includes("vgg-b64")) {
    // peak memory row (lower is better; the ratio is still gradwork / peer)
    const mem = (f: Framework, t: number) => get(f, "vgg-b64", t)?.result?.peakMB ?? undefined;
    const row = ["VGG-style train b64 peak RSS", "MB", ...threads.map((t) => fmt(mem("gradwork", t)))];
    if (multi) row.push(...threads.map((t) => fmt(mem("pytorch", t))), ...threads.map((t) => ratio(mem("gradwork", t), mem("pytorch", t))));
    for (const p of single) row.push(fmt(mem(p, 1)), ratio(mem("gradwork", 1), mem(p, 1)));
    row.push(tg[4].short, met(tg[4].ok));
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
      r.push(tg[3].short, met(tg[3].ok));
      rows.push(r);
    }
  }
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}
