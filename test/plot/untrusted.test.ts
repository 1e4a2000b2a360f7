/**
 * Figures must show where no script runs: an untrusted notebook, GitHub, an exported file opened
 * with scripts blocked. Chromium with JavaScript disabled stands in for those viewers: every
 * figure must still show its static snapshot. With Jupyter, a small notebook of figures is executed
 * through the tslab kernel first, and its outputs must carry plotly JSON + HTML + SVG bundles.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import * as plot from "../../lib/plot";
import { installKernel } from "../../lib/tools/install-kernel";
import { ROOT, isCI } from "../../lib/tools/jupyter";
import { ARTIFACTS, describeFailure, findNbconvertPython, runNotebook } from "../../lib/tools/notebook-runner";
import { CHROMIUM } from "../notebooks/browser";

const haveChromium = fs.existsSync(CHROMIUM);
const python = findNbconvertPython();
const OUT = path.join(ARTIFACTS, "untrusted");

let browser: Awaited<ReturnType<typeof chromium.launch>> | null = null;
afterAll(async () => {
  await browser?.close();
});

/** Opens `file` with scripts disabled; returns each .gw-plot div's snapshot state. */
async function snapshotsWithoutScripts(file: string, screenshot: string) {
  browser ??= await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--headless", "--disable-gpu"] });
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1000, height: 800 } });
  try {
    const page = await context.newPage();
    await page.route(/^https?:\/\//, (route) => route.abort("blockedbyclient"));
    await page.goto(`file://${file}`, { waitUntil: "load", timeout: 60_000 });
    const figs = await page.$$eval(".gw-plot", (els) =>
      els.map((el) => {
        const img = el.querySelector("img.gw-snapshot") as { complete: boolean; naturalWidth: number; getBoundingClientRect(): { height: number } } | null;
        return { img: img !== null, loaded: !!img && img.complete && img.naturalWidth > 0, height: img ? img.getBoundingClientRect().height : 0 };
      }),
    );
    const plotly = await page.$$eval(".js-plotly-plot", (els) => els.length);
    fs.mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { figs, plotly };
  } finally {
    await context.close();
  }
}

describe.runIf(haveChromium || isCI())("figures without scripts (chromium, JavaScript off)", () => {
  it("every helper's figure shows its static snapshot", async () => {
    const live = plot.live({ title: "live", names: ["a"] });
    for (let i = 0; i < 10; i++) live.push("a", i, 1 / (i + 1));
    const parts = [
      plot.line({ ys: [[3, 2, 1.5], [3.5, 2.5, 2]], names: ["train", "val"], title: "loss", logY: true }),
      plot.scatter({ x: [0, 1, 0, 1], y: [0, 0, 1, 1], groups: [0, 1, 1, 0], title: "XOR" }),
      plot.heatmap({ z: [[1, 2], [3, 4]], title: "kernel" }),
      plot.confusionMatrix([[3, 1], [0, 4]], ["cat", "dog"]),
      live.html(),
    ] as string[];
    const file = path.join(OUT, "helpers.html");
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(file, `<!doctype html><html><body>${parts.join("\n")}</body></html>`);
    const r = await snapshotsWithoutScripts(file, path.join(OUT, "helpers.png"));
    expect(r.plotly).toBe(0); // really no script ran
    expect(r.figs).toHaveLength(5);
    for (const f of r.figs) {
      expect(f.loaded).toBe(true);
      expect(f.height).toBeGreaterThan(100);
    }
  });
});

const canRunNotebooks = Boolean(python) && haveChromium;
describe.runIf(canRunNotebooks || isCI())("an executed notebook opened without scripts", () => {
  it("keeps a plotly + HTML + SVG bundle per figure, and each shows its snapshot", async () => {
    expect(canRunNotebooks, "CI is set: Jupyter and chromium are required").toBe(true);
    expect(fs.existsSync(path.join(ROOT, "dist", "index.js")), "run `npm run build` first").toBe(true);
    expect(installKernel().ok).toBe(true);
    const cells = [
      'import * as gw from "gradwork";',
      'gw.plot.line({ ys: [[3, 2, 1.5], [3.5, 2.5, 2]], names: ["train", "val"], title: "loss" });',
      'gw.plot.scatter({ x: [0, 1, 0, 1], y: [0, 0, 1, 1], groups: [0, 1, 1, 0], title: "XOR" });',
      'gw.plot.confusionMatrix([[3, 1], [0, 4]], ["cat", "dog"]);',
    ];
    const nb = {
      cells: cells.map((src) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: src })),
      metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    fs.mkdirSync(OUT, { recursive: true });
    const file = path.join(OUT, "figures.ipynb");
    fs.writeFileSync(file, JSON.stringify(nb));
    const r = await runNotebook(file, { python: python!, timeoutSec: 300, outDir: OUT });
    expect(describeFailure(r)).toBe("");
    const executed = JSON.parse(fs.readFileSync(r.executed!, "utf8")) as { cells: Array<{ outputs: Array<{ output_type: string; data?: Record<string, unknown> }> }> };
    const bundles = executed.cells.flatMap((c) => c.outputs).filter((o) => o.data?.["application/vnd.plotly.v1+json"]);
    expect(bundles).toHaveLength(3);
    for (const b of bundles) {
      expect(Object.keys(b.data!)).toEqual(expect.arrayContaining(["text/html", "image/svg+xml", "text/plain"]));
      const svg = Array.isArray(b.data!["image/svg+xml"]) ? (b.data!["image/svg+xml"] as string[]).join("") : String(b.data!["image/svg+xml"]);
      expect(svg).toMatch(/^<svg[\s\S]*<\/svg>$/);
    }
    const page = await snapshotsWithoutScripts(r.html!, path.join(OUT, "figures-notebook.png"));
    expect(page.figs).toHaveLength(3);
    for (const f of page.figs) expect(f.loaded).toBe(true);
  }, 400_000);
});
