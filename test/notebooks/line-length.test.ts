// Code in the notebooks must fit the cell: no line of a code cell is wider than 100 characters
// (a wider line scrolls sideways in JupyterLab and in the exported HTML).
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

export const MAX_CODE_LINE = 100;
const nbDir = resolve(__dirname, "../../notebooks");
const notebooks = readdirSync(nbDir).filter((f) => f.endsWith(".ipynb")).sort();

/** "cell N, line M (W chars): text" for every code line wider than `max`. */
export function longLines(notebookJson: string, max = MAX_CODE_LINE): string[] {
  const nb = JSON.parse(notebookJson) as { cells: Array<{ cell_type: string; source: string | string[] }> };
  const out: string[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const src = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    src.split("\n").forEach((line, k) => {
      const width = [...line].length; // characters, not UTF-16 units
      if (width > max) out.push(`cell ${i}, line ${k + 1} (${width} chars): ${line.trim().slice(0, 60)}…`);
    });
  });
  return out;
}

describe("notebook code lines", () => {
  it("finds the notebooks", () => {
    expect(notebooks.length).toBeGreaterThanOrEqual(6);
  });

  it("the check itself catches a wide line and counts characters, not bytes", () => {
    const nb = (src: string[]) => JSON.stringify({ cells: [{ cell_type: "markdown", source: ["x".repeat(200)] }, { cell_type: "code", source: src }] });
    expect(longLines(nb(["ok\n", "y".repeat(101)]))).toEqual([`cell 1, line 2 (101 chars): ${"y".repeat(60)}…`]);
    expect(longLines(nb(["·".repeat(100)]))).toEqual([]);
  });

  it.each(notebooks)("%s: every code line is at most 100 characters", (name) => {
    expect(longLines(readFileSync(join(nbDir, name), "utf8"))).toEqual([]);
  });
});
