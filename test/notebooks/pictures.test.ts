/**
 * The pictures of issue 16 drawn in chromium, offline, without Jupyter: a model diagram
 * (gw.drawModel), a tensor computation graph (gw.drawGraph on a tensor) and the animated forward and
 * backward convolutions (gw.plot.convolution / convolutionBackward), whose play button must run the
 * animation to its last frame with the slider following it. Skipped without chromium (except in CI).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as gw from "../../lib/index";
import { plotlyLoaderHtml } from "../../lib/plot/loader";
import { isCI } from "../../lib/tools/jupyter";
import { ARTIFACTS } from "../../lib/tools/notebook-runner";
import { CHROMIUM, checkPage, openBrowser } from "./browser";

const haveChromium = fs.existsSync(CHROMIUM);
let browser: Awaited<ReturnType<typeof openBrowser>> | null = null;
afterAll(async () => {
  await browser?.close();
});

function page(): string {
  gw.manualSeed(0);
  const mlp = new gw.nn.Sequential(new gw.nn.Linear(2, 3), new gw.nn.ReLU(), new gw.nn.Linear(3, 2));
  const loss = gw.F.crossEntropy(mlp.forward(gw.tensor([[0, 1], [1, 0]])), [1, 0]);
  loss.backward();
  const parts = [
    gw.plot.svg(gw.drawModel(gw.train.chapterConvNet(), { input: [1, 3, 32, 32] })),
    gw.plot.svg(gw.drawGraph(loss, { names: mlp, values: true })),
    gw.plot.convolution([[1, 2, 0], [0, 1, 3], [2, 1, 0]], [[1, 0], [0, -1]], { padding: 1, frameMs: 30 }),
    gw.plot.convolutionBackward([1, -2], [2, -1, 1], { inputSize: [4], frameMs: 30 }),
  ] as string[];
  return `<!doctype html><html><head><meta charset="utf-8"></head><body>${parts.join("\n")}${plotlyLoaderHtml("cartesian")}</body></html>`;
}

describe.runIf(haveChromium || isCI())("issue 16 pictures in chromium (no Jupyter)", () => {
  it("draws the model diagram, the tensor graph and both convolution animations, and plays them", async () => {
    expect(haveChromium, `chromium is required under CI but ${CHROMIUM} is missing`).toBe(true);
    const file = path.join(ARTIFACTS, "pictures.html");
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(file, page());
    browser ??= await openBrowser();
    const report = await checkPage(browser.context, file, 2, path.join(ARTIFACTS, "screenshots", "pictures.png"));
    expect(report.errors).toEqual([]);
    expect(report.images).toEqual({ total: 2, loaded: 2 });
    expect(report.figures.map((f) => f.traces)).toEqual([3, 3]);
    for (const f of report.figures) expect(f.shapes, `figure ${f.id} drew nothing`).toBeGreaterThan(0);

    const p = await browser.context.newPage();
    try {
      await p.goto(`file://${file}`, { waitUntil: "load" });
      await p.waitForFunction(() => (globalThis as any).document.querySelectorAll(".js-plotly-plot .heatmaplayer image").length >= 6, null, { timeout: 30_000 });
      const sizes = await p.evaluate(() => [...(globalThis as any).document.querySelectorAll(".gw-svg img")].map((i: any) => i.naturalWidth));
      for (const w of sizes) expect(w).toBeGreaterThan(150);
      for (const fig of [0, 1]) {
        const state = () => p.evaluate((k) => {
          const gd: any = (globalThis as any).document.querySelectorAll(".js-plotly-plot")[k];
          const z: Array<Array<number | null>> = gd.data[2].z;
          return { filled: z.flat().filter((v) => v !== null).length, cells: z.flat().length, active: gd.layout.sliders[0].active, steps: gd.layout.sliders[0].steps.length };
        }, fig);
        const before = await state();
        expect(before.filled).toBe(1);
        await p.locator(".js-plotly-plot").nth(fig).locator(".updatemenu-button").first().click();
        await p.waitForFunction((k) => {
          const gd: any = (globalThis as any).document.querySelectorAll(".js-plotly-plot")[k];
          return gd.data[2].z.flat().every((v: number | null) => v !== null);
        }, fig, { timeout: 30_000 });
        const after = await state();
        expect(after.filled).toBe(after.cells);
        expect(after.active).toBe(after.steps - 1); // the slider followed the animation
      }
      const last = await p.evaluate(() => (globalThis as any).document.querySelectorAll(".js-plotly-plot")[1].data[2].z);
      expect(last).toEqual([[2, -5, 3, -2]]); // dL/dx of §4.24's chosen x, w and δ = (1, -2)
    } finally {
      await p.close();
    }
  }, 120_000);
});
