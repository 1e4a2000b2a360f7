/**
 * The workbook end to end: every notebook runs through the real tslab kernel (nbconvert
 * --execute, quick mode), its HTML export is opened in chromium, and each plot must be drawn.
 * Also checks, in chromium only, that the plot helpers' HTML draws without Jupyter.
 *
 * Without Jupyter or chromium these tests are skipped (with the reason in the test name), except
 * under CI, where they fail. Screenshots go to test/artifacts/screenshots/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as plot from "../../lib/plot";
import { plotlyLoaderHtml, plotlyScriptTag } from "../../lib/plot/loader";
import { ROOT, isCI } from "../../lib/tools/jupyter";
import { ARTIFACTS, type NotebookResult, describeFailure, findNbconvertPython, listNotebooks, runNotebook } from "../../lib/tools/notebook-runner";
import { startCpuLoad } from "../../lib/tools/cpu-load";
import { CHROMIUM, checkPage, countFigures, openBrowser } from "./browser";

const python = findNbconvertPython();
const haveChromium = fs.existsSync(CHROMIUM);
const SCREENSHOTS = path.join(ARTIFACTS, "screenshots");
const NOTEBOOK_TIMEOUT = Number(process.env.GRADWORK_NOTEBOOK_TIMEOUT ?? 600);

function skipReason(missing: string[]): string {
  return `SKIPPED: ${missing.join(" and ")} not installed (apt-get install ${missing.includes("chromium") ? "chromium " : ""}${
    missing.some((m) => m.startsWith("Jupyter")) ? "jupyter-notebook jupyter-nbconvert jupyter-client jupyter-nbformat" : ""
  }; see .ci/run)`;
}

let browser: Awaited<ReturnType<typeof openBrowser>> | null = null;
afterAll(async () => {
  await browser?.close();
});
async function context() {
  browser ??= await openBrowser();
  return browser.context;
}

describe.runIf(haveChromium || isCI())("plot helpers in chromium (no Jupyter)", () => {
  it("draws line, scatter, heatmap, confusion matrix, live figure and images offline", async () => {
    expect(haveChromium, `chromium is required under CI but ${CHROMIUM} is missing`).toBe(true);
    const live = plot.live({ title: "live", names: ["a", "b"] });
    for (let i = 0; i < 30; i++) live.push(i % 2 ? "a" : "b", i, Math.sqrt(i));
    const parts = [
      plot.line({ ys: [[1, 2, 3], [3, 1, 2]], names: ["p", "q"], title: "line" }),
      plot.scatter({ x: [0, 1, 0, 1], y: [0, 0, 1, 1], groups: [0, 1, 1, 0], title: "scatter" }),
      plot.heatmap({ z: [[1, 2], [3, 4]], title: "heatmap" }),
      plot.confusionMatrix([[3, 1], [0, 4]], ["cat", "dog"]),
      live.html(),
      plot.imageGrid(new Uint8Array(2 * 3 * 4 * 4).map((_, i) => (i * 37) % 256), { shape: [2, 3, 4, 4], labels: ["x", "y"] }),
      plot.table([{ check: "rendered", ok: true }]),
      plot.svg('<svg width="40" height="20"><rect width="40" height="20" fill="teal"/></svg>'),
    ] as string[];
    // The bundle goes last: the figures must wait for it, as they do for a bundle embedded later in a page.
    const page = `<!doctype html><html><body>${parts.join("\n")}${plotlyLoaderHtml("cartesian")}</body></html>`;
    const file = path.join(ARTIFACTS, "plot-helpers.html");
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(file, page);
    const report = await checkPage(await context(), file, 5, path.join(SCREENSHOTS, "plot-helpers.png"));
    expect(report.errors).toEqual([]);
    expect(report.figures.map((f) => f.traces)).toEqual([2, 2, 1, 1, 2]);
    for (const f of report.figures) expect(f.shapes, `figure ${f.id} drew nothing`).toBeGreaterThan(0);
    expect(report.figures[4].points).toBe(30);
    expect(report.images).toEqual({ total: 3, loaded: 3 });
  });
});

describe.runIf(haveChromium || isCI())("live figures on a busy page (chromium, no Jupyter)", () => {
  it("a burst of redraws is plotted sparingly, the newest last", async () => {
    expect(haveChromium, `chromium is required under CI but ${CHROMIUM} is missing`).toBe(true);
    const live = plot.live({ title: "burst", names: ["loss"] });
    // 40 redraws, as a notebook front end receiving them faster than it plots would apply them:
    // each replaces the last one's output (its div and script) one after another
    const redraws: string[] = [];
    for (let i = 1; i <= 40; i++) {
      live.push("loss", i, 1 / i);
      redraws.push(live.html());
    }
    const file = path.join(ARTIFACTS, "live-burst.html");
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(file, `<!doctype html><html><body><div id="out"></div>${plotlyScriptTag("cartesian")}</body></html>`);
    const page = await (await context()).newPage();
    try {
      await page.goto(`file://${file}`, { waitUntil: "load", timeout: 60_000 });
      const calls = await page.evaluate(async (htmls: string[]) => {
        const w = globalThis as any;
        const doc = w.document;
        let n = 0;
        const newPlot = w.Plotly.newPlot;
        w.Plotly.newPlot = (...args: unknown[]) => {
          n++;
          return newPlot.apply(w.Plotly, args);
        };
        const out = doc.getElementById("out");
        for (const html of htmls) {
          const [markup, script] = html.split('<script type="text/javascript">');
          out.innerHTML = markup;
          const el = doc.createElement("script");
          el.textContent = script.replace("</script>", "");
          out.appendChild(el); // runs it, as the front end runs an output's scripts
          await new Promise((r) => setTimeout(r, 5)); // messages arrive 5 ms apart: faster than plotting
        }
        await new Promise((r) => setTimeout(r, 3000));
        const fig = doc.querySelector("#out .js-plotly-plot");
        return { n, points: fig?.data?.[0]?.x?.length ?? 0 };
      }, redraws);
      expect(calls.points, "the newest redraw (40 points) is the one on the page").toBe(40);
      console.log(`live burst: ${calls.n} plots for 40 redraws`);
      expect(calls.n, "Plotly.newPlot calls for 40 redraws").toBeLessThan(20);
      expect(calls.n).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  });
});

const missing = [python ? "" : "Jupyter (nbconvert)", haveChromium ? "" : "chromium"].filter(Boolean);
if (missing.length > 0 && !isCI()) {
  console.warn(`test/notebooks: ${skipReason(missing)}`);
  describe("notebooks", () => {
    it.skip(`notebooks: ${skipReason(missing)}`, () => {});
  });
} else {
  describe("notebooks (tslab kernel, nbconvert, chromium)", () => {
    const notebooks = fs.existsSync(path.join(ROOT, "notebooks")) ? listNotebooks() : [];
    const results = new Map<string, NotebookResult>();

    // GRADWORK_CPU_LOAD=N (CI sets 2): N busy threads beside the notebooks, so timing-dependent
    // failures show up here rather than on a student's busy laptop.
    const loadThreads = Number(process.env.GRADWORK_CPU_LOAD ?? 0);
    let load: ReturnType<typeof startCpuLoad> | null = null;
    afterAll(async () => {
      await load?.stop();
    });

    beforeAll(() => {
      if (loadThreads > 0) load = startCpuLoad(loadThreads);
      expect(missing, `CI is set, so Jupyter and chromium are required; missing: ${missing.join(", ")}`).toEqual([]);
      expect(fs.existsSync(path.join(ROOT, "dist", "index.js")), "dist/index.js is missing: run `npm run build` (npm test does)").toBe(true);
    });

    it("finds the notebooks", () => {
      expect(notebooks.map((f) => path.basename(f))).toContain("00-setup-check.ipynb");
    });

    for (const file of notebooks) {
      const name = path.basename(file, ".ipynb");
      it(`${name}: every cell runs without error`, async () => {
        const env = { ...process.env, GRADWORK_QUICK: process.env.GRADWORK_QUICK ?? "1" };
        const r = await runNotebook(file, { python: python!, timeoutSec: NOTEBOOK_TIMEOUT, env });
        results.set(name, r);
        console.log(`${name}: executed in ${r.seconds.toFixed(1)} s${r.slowest.length ? ` (slowest ${r.slowest.join(", ")})` : ""}`);
        expect(describeFailure(r)).toBe("");
      }, (NOTEBOOK_TIMEOUT + 120) * 1000);

      it(`${name}: its HTML export draws every plot in chromium`, async () => {
        const r = results.get(name);
        expect(r?.html, `${name} has no HTML export (did it execute?)`).toBeTruthy();
        const expected = countFigures(r!.executed!);
        const report = await checkPage(await context(), r!.html!, expected, path.join(SCREENSHOTS, `${name}.png`));
        expect(report.errors, `console errors in ${name}.html`).toEqual([]);
        expect(report.waiting, "figures waiting for plotly.js").toEqual([]);
        expect(report.figures.length, `plotly figures drawn in ${name}.html`).toBe(expected);
        for (const f of report.figures) {
          expect(f.traces, `figure ${f.id} has no traces`).toBeGreaterThan(0);
          expect(f.shapes, `figure ${f.id} drew no SVG paths or images`).toBeGreaterThan(0);
        }
        expect(report.images.loaded, "image-grid images that failed to decode").toBe(report.images.total);
      }, 120_000);
    }
  });
}
