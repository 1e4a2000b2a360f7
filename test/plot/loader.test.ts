// plotly.js for notebooks: the smallest build a figure needs, embedded gzip-compressed and inflated by
// the browser; in chromium the figures draw from it, wait for the full build when they need it, and a
// browser without DecompressionStream says so and keeps the snapshots.
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import * as plot from "../../lib/plot";
import { CARTESIAN_TRACES, packedPlotly, plotlyBuildFor, plotlyBundle, plotlyLoaderHtml, plotlyScriptTag } from "../../lib/plot/loader";
import { isCI } from "../../lib/tools/jupyter";
import { ARTIFACTS } from "../../lib/tools/notebook-runner";
import { CHROMIUM, checkPage, openBrowser } from "../notebooks/browser";

const polar = () => new plot.Figure({ data: [{ type: "scatterpolar", r: [1, 2, 3], theta: [0, 90, 180], mode: "lines+markers" }], layout: { title: { text: "polar" } } });

describe("which build a figure needs", () => {
  it("every gw.plot figure needs only the cartesian build", () => {
    const figs = [
      plot.lineFigure({ y: [1, 2] }),
      plot.scatterFigure({ x: [0, 1], y: [1, 0], color: [0, 1] }),
      plot.heatmapFigure({ z: [[1]] }),
      plot.confusionFigure([[1, 0], [0, 1]], ["a", "b"]),
      plot.convolutionFigure([[1, 2], [3, 4]], [[1]]),
      plot.live({ names: ["a"] }).spec(),
    ];
    expect(figs.map(plotlyBuildFor)).toEqual(figs.map(() => "cartesian"));
  });

  it("a trace type outside the cartesian bundle, in the data or in a frame, needs the full build", () => {
    expect(plotlyBuildFor(polar())).toBe("full");
    expect(plotlyBuildFor({ data: [{ y: [1] }], layout: {} })).toBe("cartesian"); // no type: scatter
    expect(plotlyBuildFor({ data: [{ type: "bar" }], layout: {}, frames: [{ data: [{ type: "surface" }] }] })).toBe("full");
    expect(CARTESIAN_TRACES.has("heatmap") && CARTESIAN_TRACES.has("scatter")).toBe(true);
  });

  it("the cartesian build is a real plotly.js that registers the traces the helpers use", () => {
    const text = plotlyBundle("cartesian");
    expect(text.length).toBeGreaterThan(500_000);
    expect(text.length).toBeLessThan(plotlyBundle("full").length / 2);
    for (const trace of ["heatmap", "scatter", "bar"]) expect(text).toContain(`"${trace}"`);
  });
});

describe("the embedded loader", () => {
  it("carries the build gzip-compressed as base64, which inflates back to it exactly", () => {
    for (const build of ["cartesian", "full"] as const) {
      const packed = packedPlotly(build);
      expect(packed).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(gunzipSync(Buffer.from(packed, "base64")).toString("utf8")).toBe(plotlyBundle(build));
    }
  });

  it("is far smaller than the plain full bundle a notebook embedded before", () => {
    const loader = plotlyLoaderHtml("cartesian").length;
    const before = plotlyScriptTag("full").length;
    console.log(`plotly in a notebook: ${(before / 1e6).toFixed(2)} MB plain full build -> ${(loader / 1e6).toFixed(2)} MB compressed cartesian loader`);
    expect(loader).toBeLessThan(before / 6);
    expect(plotlyLoaderHtml("full").length).toBeLessThan(before / 2);
  });

  it("is one script that cannot be ended early by the HTML parser", () => {
    const html = plotlyLoaderHtml("cartesian");
    expect(html.match(/<\/script/gi)).toHaveLength(1);
    expect(html).toContain("DecompressionStream('gzip')");
    expect(plotlyScriptTag("cartesian").match(/<\/script/gi)).toHaveLength(1);
  });

  it("standalone pages embed the plain build the figure needs", () => {
    expect(plot.toHtml(plot.lineFigure({ y: [1, 2] }))).toContain('window.gwPlotlyBuild = "cartesian"');
    expect(plot.toHtml(polar())).toContain('window.gwPlotlyBuild = "full"');
  });
});

const haveChromium = fs.existsSync(CHROMIUM);
let browser: Awaited<ReturnType<typeof openBrowser>> | null = null;
afterAll(async () => {
  await browser?.close();
});

describe.runIf(haveChromium || isCI())("the loader in chromium", () => {
  it("figures draw once the compressed builds are inflated; a polar figure waits for the full build", async () => {
    expect(haveChromium, `chromium is required under CI but ${CHROMIUM} is missing`).toBe(true);
    browser ??= await openBrowser();
    // The cartesian build comes first, the full one last: the polar figure must not draw with the former.
    const parts = [plotlyLoaderHtml("cartesian"), plot.line({ y: [1, 3, 2], title: "line" }), plot.figure(polar()), plotlyLoaderHtml("full")];
    const file = path.join(ARTIFACTS, "plotly-loader.html");
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(file, `<!doctype html><html><head><meta charset="utf-8"></head><body>${parts.join("\n")}</body></html>`);
    const report = await checkPage(browser.context, file, 2, path.join(ARTIFACTS, "screenshots", "plotly-loader.png"));
    expect(report.errors).toEqual([]);
    expect(report.figures.map((f) => f.traces)).toEqual([1, 1]);
    for (const f of report.figures) expect(f.shapes, `figure ${f.id} drew nothing`).toBeGreaterThan(0);
  });

  it("without DecompressionStream the loader says why and the figures keep their snapshots", async () => {
    browser ??= await openBrowser();
    const parts = ["<script>window.DecompressionStream = undefined;</script>", plotlyLoaderHtml("cartesian"), plot.line({ y: [1, 3, 2], title: "line" })];
    const file = path.join(ARTIFACTS, "plotly-loader-old-browser.html");
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(file, `<!doctype html><html><head><meta charset="utf-8"></head><body>${parts.join("\n")}</body></html>`);
    const page = await browser.context.newPage();
    try {
      await page.goto(`file://${file}`, { waitUntil: "load" });
      await page.waitForTimeout(500);
      const state = await page.evaluate(() => {
        const doc = (globalThis as any).document;
        return {
          message: doc.querySelector(".gw-plotly-loader").textContent as string,
          snapshots: doc.querySelectorAll(".gw-plot img.gw-snapshot").length as number,
          drawn: doc.querySelectorAll(".js-plotly-plot").length as number,
        };
      });
      expect(state.message).toMatch(/Interactive plots are off: .*no DecompressionStream.*static snapshots/);
      expect(state).toMatchObject({ snapshots: 1, drawn: 0 });
    } finally {
      await page.close();
    }
  });
});
