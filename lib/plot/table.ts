/**
 * Small HTML tables: intermediate values of a computation, pass/fail summaries.
 */
import { escapeHtml } from "./html";

export type Row = Record<string, unknown> | unknown[];

export interface TableOptions {
  /** Column headers. Default: the keys of the row objects, in first-seen order. */
  columns?: string[];
  title?: string;
  /** Significant digits for non-integer numbers (default 6). */
  digits?: number;
}

function cell(v: unknown, digits: number): string {
  if (typeof v === "boolean") {
    const color = v ? "#17803d" : "#b42318";
    return `<td style="color:${color};font-weight:bold;text-align:center">${v ? "✓ pass" : "✗ fail"}</td>`;
  }
  if (typeof v === "number") {
    const text = Number.isInteger(v) ? String(v) : Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : String(v);
    return `<td style="text-align:right;font-family:monospace">${text}</td>`;
  }
  if (v === null || v === undefined) return "<td></td>";
  const text = typeof v === "string" ? v : typeof v === "object" && !Array.isArray(v) && "shape" in v ? String(v) : JSON.stringify(v);
  return `<td style="text-align:left">${escapeHtml(text)}</td>`;
}

/**
 * HTML for a table. Booleans show as green "✓ pass" / red "✗ fail".
 * @example tableHtml([{ name: "a", value: 2 }, { name: "b", value: 0.5 }])
 * @example tableHtml([["x", 1], ["y", 2]], { columns: ["var", "value"] })
 */
export function tableHtml(rows: Row[], opts: TableOptions = {}): string {
  if (!Array.isArray(rows)) throw new Error(`plot.table: expected an array of rows, got ${typeof rows}`);
  const digits = opts.digits ?? 6;
  let columns = opts.columns;
  let showHead = true;
  if (!columns) {
    if (rows.length > 0 && rows.every((r) => Array.isArray(r))) {
      columns = [];
      showHead = false;
    } else {
      const seen = new Set<string>();
      for (const r of rows) {
        if (Array.isArray(r) || typeof r !== "object" || r === null) {
          throw new Error("plot.table: mix of array rows and object rows; give all rows the same kind");
        }
        Object.keys(r).forEach((k) => seen.add(k));
      }
      columns = [...seen];
    }
  }
  const head = columns.map((c) => `<th style="text-align:left;padding:2px 8px">${escapeHtml(c)}</th>`).join("");
  const body = rows
    .map((r) => {
      const values = Array.isArray(r) ? r : columns!.map((c) => (r as Record<string, unknown>)[c]);
      return `<tr>${values.map((v) => cell(v, digits)).join("")}</tr>`;
    })
    .join("");
  const thead = showHead ? `<thead><tr>${head}</tr></thead>` : "";
  const caption = opts.title ? `<caption style="text-align:left;font-weight:bold">${escapeHtml(opts.title)}</caption>` : "";
  return `<table class="gw-table" style="border-collapse:collapse">${caption}${thead}<tbody>${body}</tbody></table>`;
}
