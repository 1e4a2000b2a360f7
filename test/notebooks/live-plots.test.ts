/**
 * Plots in the live Notebook UI (the server `npm start` runs), not an export: notebook 0 is opened
 * in chromium and run cell by cell, as a student does; every figure must be drawn by plotly.js,
 * which the first plot embeds gzip-compressed and the page inflates. This includes the figure that
 * is a cell's value (`[Symbol.for("Jupyter.display")]`). Skipped without the classic Notebook or
 * chromium, except under CI.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chooseFrontEnd } from "../../lib/tools/start";
import { ROOT, isCI } from "../../lib/tools/jupyter";
import { ARTIFACTS } from "../../lib/tools/notebook-runner";
import { CHROMIUM, openNotebookUi, type NotebookUi } from "./browser";

const front = chooseFrontEnd();
const classic = front?.module === "notebook";
const haveChromium = fs.existsSync(CHROMIUM);
const NOTEBOOK = "00-setup-check.ipynb";

let ui: NotebookUi | null = null;
afterAll(async () => {
  await ui?.close();
});

describe.runIf((classic && haveChromium) || isCI())("plots in the live Notebook UI (notebook 0)", () => {
  it("every figure of a run is drawn by the compressed plotly.js, a figure value included", async () => {
    expect(classic, "CI is set: the classic Notebook (jupyter-notebook) is required").toBe(true);
    expect(haveChromium, `CI is set: ${CHROMIUM} is required`).toBe(true);
    const errors: string[] = [];
    ui = await openNotebookUi({
      name: "live-plots", python: front!.python, file: NOTEBOOK, notebook: fs.readFileSync(path.join(ROOT, "notebooks", NOTEBOOK), "utf8"),
      beforeLoad: (p) => p.on("pageerror", (e) => errors.push(e.message)),
    });
    const page = ui.page;
    await page.evaluate(() => (globalThis as any).Jupyter.notebook.execute_all_cells());
    // Done when the last cell (the summary table) has its output.
    await page.waitForFunction(() => JSON.stringify((globalThis as any).Jupyter.notebook.get_cells().at(-1).output_area.outputs).includes("Setup check"), null, {
      timeout: 300_000,
      polling: 500,
    });
    const drawn = await page
      .waitForFunction(
        () => {
          const doc = (globalThis as any).document;
          const figs = doc.querySelectorAll(".gw-plot");
          return figs.length >= 3 && [...figs].every((el: any) => el.querySelector(".js-plotly-plot g.trace path") || el.classList.contains("js-plotly-plot"));
        },
        null,
        { timeout: 60_000 },
      )
      .then(() => true, () => false);
    const state = await page.evaluate(() => {
      const doc = (globalThis as any).document;
      const w = globalThis as any;
      return {
        figures: doc.querySelectorAll(".gw-plot").length as number,
        plotly: doc.querySelectorAll(".js-plotly-plot").length as number,
        loaders: doc.querySelectorAll(".gw-plotly-loader").length as number,
        build: w.gwPlotlyBuild as string | undefined,
        failed: w.gwPlotlyFailed as string | undefined,
        valueFigure: JSON.stringify(w.Jupyter.notebook.get_cells().find((c: any) => c.get_text().includes("gw.plot.lineFigure(")).output_area.outputs.map((o: any) => o.output_type)),
        outputs: w.Jupyter.notebook.get_cells().map((c: any) => (c.output_area?.outputs ?? []).map((o: any) => o.output_type)),
      };
    });
    await page.screenshot({ path: path.join(ARTIFACTS, "screenshots", "live-plots.png"), fullPage: true }).catch(() => undefined);
    expect(errors, "uncaught errors on the page").toEqual([]);
    expect(state.failed).toBeUndefined();
    // line, live, the figure value: each drawn by plotly, from one embedded cartesian build
    expect(state, `drawn: ${drawn}`).toMatchObject({ figures: 3, plotly: 3, loaders: 1, build: "cartesian" });
    // Run All queues every cell at once: the value must still reach its own cell
    expect(state.valueFigure, `outputs per cell: ${JSON.stringify(state.outputs)}`).toBe('["execute_result"]');
  }, 600_000);
});
