/**
 * Plots in the live Notebook UI (the server `npm start` runs), not an export: notebook 0 is opened
 * in chromium and run cell by cell, as a student does; every figure must be drawn by plotly.js,
 * which the first plot embeds gzip-compressed and the page inflates. This includes the figure that
 * is a cell's value (`[Symbol.for("Jupyter.display")]`). Skipped without the classic Notebook or
 * chromium, except under CI.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chooseFrontEnd } from "../../lib/tools/start";
import { writeKernelSpec } from "../../lib/tools/install-kernel";
import { ROOT, isCI } from "../../lib/tools/jupyter";
import { ARTIFACTS } from "../../lib/tools/notebook-runner";
import { CHROMIUM, openBrowser } from "./browser";

const front = chooseFrontEnd();
const classic = front?.module === "notebook";
const haveChromium = fs.existsSync(CHROMIUM);
const NOTEBOOK = "00-setup-check.ipynb";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

let server: ChildProcess | null = null;
let closeBrowser: (() => Promise<void>) | null = null;
afterAll(async () => {
  await closeBrowser?.();
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM"); // the server and its kernels
    } catch {
      server.kill("SIGTERM");
    }
  }
});

describe.runIf((classic && haveChromium) || isCI())("plots in the live Notebook UI (notebook 0)", () => {
  it("every figure of a run is drawn by the compressed plotly.js, a figure value included", async () => {
    expect(classic, "CI is set: the classic Notebook (jupyter-notebook) is required").toBe(true);
    expect(haveChromium, `CI is set: ${CHROMIUM} is required`).toBe(true);
    const jupyterPath = path.join(ARTIFACTS, "live-plots-jupyter");
    writeKernelSpec(jupyterPath);
    // A copy in a folder of its own, so the notebook in notebooks/ is never saved over.
    const dir = path.join(ARTIFACTS, "live-plots-notebook");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync(path.join(ROOT, "exercises"), path.join(dir, "exercises"));
    fs.copyFileSync(path.join(ROOT, "notebooks", NOTEBOOK), path.join(dir, NOTEBOOK));
    const port = await freePort();
    const token = `gw${Date.now()}`;
    server = spawn(front!.python, ["-m", "notebook", "--no-browser", "--allow-root", `--port=${port}`, "--ip=127.0.0.1", `--NotebookApp.token=${token}`], {
      cwd: dir,
      env: { ...process.env, JUPYTER_PATH: jupyterPath, GRADWORK_QUICK: "1", PYDEVD_DISABLE_FILE_VALIDATION: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let log = "";
    server.stdout!.on("data", (d) => (log += d));
    server.stderr!.on("data", (d) => (log += d));
    try {
      const browser = await openBrowser();
      closeBrowser = browser.close;
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      const url = `http://127.0.0.1:${port}/notebooks/${NOTEBOOK}?token=${token}`;
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await page.goto(url, { timeout: 10_000 });
          break;
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`the Notebook server did not answer: ${(e as Error).message}\n${log}`);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      await page.waitForFunction(() => (globalThis as any).Jupyter?.notebook?.kernel?.is_connected?.(), null, { timeout: 120_000 }).catch((e) => {
        throw new Error(`the kernel did not connect: ${e.message}\n${log.slice(-3000)}`);
      });
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
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
