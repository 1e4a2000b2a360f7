// notebooks/SOURCES.md must not go stale: every row's notebook, heading and check must exist.
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "../..");
const nbDir = join(root, "notebooks");

interface Row {
  id: string;
  notebook: string;
  heading: string;
  check: string;
  line: number;
}

/** Rows of the markdown tables under `## Items taught` and `## Notebook sections not taken …`. */
function readRows(): Row[] {
  const lines = readFileSync(join(nbDir, "SOURCES.md"), "utf8").split("\n");
  const rows: Row[] = [];
  let section = "";
  let header: string[] = [];
  lines.forEach((line, i) => {
    if (line.startsWith("## ")) {
      section = line.slice(3).trim();
      header = [];
      return;
    }
    if (!line.startsWith("|")) return;
    const cells = line.trim().replace(/^\||\|$/g, "").split(/(?<!\\)\|/).map((c) => c.trim());
    if (!header.length) {
      header = cells.map((c) => c.toLowerCase());
      return;
    }
    if (cells.every((c) => /^-+$/.test(c))) return;
    if (section !== "Items taught" && !section.startsWith("Notebook sections")) return;
    const col = (name: string) => {
      const k = header.indexOf(name);
      if (k < 0 || cells.length !== header.length) throw new Error(`SOURCES.md line ${i + 1}: expected ${header.length} columns, got ${cells.length} (an unescaped "|"?)`);
      return cells[k];
    };
    rows.push({ id: header.includes("id") ? col("id") : `line ${i + 1}`, notebook: col("notebook"), heading: col("heading"), check: col("check"), line: i + 1 });
  });
  return rows;
}

interface Cell {
  cell_type: string;
  source: string | string[];
}

const cache = new Map<string, Cell[]>();
function cells(notebook: string): Cell[] {
  if (!cache.has(notebook)) {
    const nb = JSON.parse(readFileSync(join(nbDir, notebook), "utf8"));
    cache.set(notebook, nb.cells);
  }
  return cache.get(notebook)!;
}
const text = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);

const rows = readRows();

describe("notebooks/SOURCES.md", () => {
  it("lists the course material (at least 100 rows, unique ids)", () => {
    const ids = rows.filter((r) => r.id.startsWith("S")).map((r) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(100);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("has a corrections list and a list of what was left out", () => {
    const md = readFileSync(join(nbDir, "SOURCES.md"), "utf8");
    expect(md).toMatch(/^## Corrections$/m);
    expect(md).toMatch(/^## Items deliberately left out$/m);
  });

  describe.each(rows.map((r) => [r.id, r] as const))("%s", (_id, row) => {
    it("names a notebook that exists", () => {
      expect(existsSync(join(nbDir, row.notebook)), `SOURCES.md line ${row.line}: notebooks/${row.notebook}`).toBe(true);
    });

    it("names a heading of that notebook", () => {
      if (!existsSync(join(nbDir, row.notebook))) return expect.fail(`notebooks/${row.notebook} is missing`);
      const headings = cells(row.notebook)
        .filter((c) => c.cell_type === "markdown")
        .flatMap((c) => text(c).split("\n"))
        .map((l) => l.trim());
      expect(headings, `SOURCES.md line ${row.line}: heading "${row.heading}" in ${row.notebook}`).toContain(row.heading);
    });

    it("names a check cell that follows its heading", () => {
      if (!existsSync(join(nbDir, row.notebook))) return expect.fail(`notebooks/${row.notebook} is missing`);
      const name = row.check.replace(/^check:/, "");
      expect(row.check.startsWith("check:"), `SOURCES.md line ${row.line}: check "${row.check}" must be check:<name>`).toBe(true);
      const all = cells(row.notebook);
      const at = all.findIndex((c) => c.cell_type === "markdown" && text(c).split("\n").some((l) => l.trim() === row.heading));
      const checkAt = all.findIndex((c) => c.cell_type === "code" && text(c).split("\n")[0].trim() === `// check:${name}`);
      expect(checkAt, `SOURCES.md line ${row.line}: no code cell starts with "// check:${name}" in ${row.notebook}`).toBeGreaterThanOrEqual(0);
      // the check belongs to the section: it comes after the heading (and the check cell asserts something)
      expect(checkAt).toBeGreaterThan(at);
      expect(text(all[checkAt])).toMatch(/gw\.check\.(close|equal|ok)\(|checkTask\(/);
    });
  });
});
