/**
 * What a student does: open notebook 5 in the real Notebook UI (the classic Notebook that `npm start`
 * runs when JupyterLab is missing), run it in quick mode up to the ConvNet's training, press the
 * toolbar's Stop button while it trains, then check in a new cell that the kernel answers, autograd
 * is on, `fit` reported the stop, the weights are trained ones, and that training ended within a
 * step or a second of the click (measured with the kernel's own clock, see below).
 *
 * Why the kernel's clock: the page shows training seconds late (it redraws two live figures and a
 * progress bar many times a second; a busy browser falls behind), so "the page shows step 5" only
 * proves the kernel is at least that far. The copy of the notebook therefore trains longer
 * (STOP_EPOCHS, STOP_IMAGES), so that it still trains when the click comes, and the check cell reports
 * when `trainLive` returned (performance.timeOrigin + convStart + convSeconds), which is compared
 * with the time of the click (same machine, same wall clock).
 *
 * Skipped without the classic Notebook (python module `notebook` < 7) or chromium, except under CI,
 * where it fails. GRADWORK_CPU_LOAD=N adds N busy threads, as in browser.test.ts.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, findPython, isCI } from "../../lib/tools/jupyter";
import { startCpuLoad } from "../../lib/tools/cpu-load";
import { ARTIFACTS } from "../../lib/tools/notebook-runner";
import { CHROMIUM, openNotebookUi, type NotebookUi } from "./browser";

const NOTEBOOK = "05-cifar10.ipynb";
/**
 * The ConvNet's quick-mode training in the test's copy: 2 epochs of 157 steps (5000 images) become
 * STOP_EPOCHS epochs of STOP_IMAGES / 32 steps, so that Stop, which the page handles seconds late,
 * lands amid training steps rather than after them.
 */
const STOP_EPOCHS = 20;
const STOP_IMAGES = 20_000;
const STEPS_PER_EPOCH = Math.ceil(STOP_IMAGES / 32);
/** Most milliseconds from Stop reaching the kernel to the end of training: "a step or a second", with room for a loaded machine. */
const STOP_MS = 2000;
/** Most milliseconds from the click to the server's interrupt: a page busy drawing live figures handles the click late. */
const CLICK_MS = 60_000;

/** A Python whose `notebook` module is the classic Notebook (6.x: the page has `Jupyter.notebook`). */
function classicNotebookPython(): string | null {
  const python = findPython(["notebook"]);
  if (!python) return null;
  const r = spawnSync(python, ["-c", "import notebook; print(notebook.__version__)"], { encoding: "utf8", timeout: 30_000 });
  return Number((r.stdout ?? "").trim().split(".")[0]) < 7 ? python : null;
}

/** The notebook with the ConvNet's quick-mode training made long (STOP_EPOCHS, STOP_IMAGES). */
function longTrainingCopy(source: string): string {
  const nb = JSON.parse(fs.readFileSync(source, "utf8")) as { cells: Array<{ source: string[] | string }> };
  let replaced = 0;
  for (const cell of nb.cells) {
    const text = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    if (!/const RUN = QUICK/.test(text)) continue;
    // the first of each is the quick-mode one
    cell.source = text
      .replace(/convEpochs: \d+,/, () => (replaced++, `convEpochs: ${STOP_EPOCHS},`))
      .replace(/convImages: \d+,/, () => (replaced++, `convImages: ${STOP_IMAGES},`));
  }
  if (replaced !== 2) throw new Error(`${source}: no "convEpochs: N," and "convImages: N," in the cell defining RUN (the test changes them)`);
  return JSON.stringify(nb);
}

const python = classicNotebookPython();
const haveChromium = fs.existsSync(CHROMIUM);
const missing = [python ? "" : "the classic Jupyter Notebook (python module notebook < 7)", haveChromium ? "" : `chromium (${CHROMIUM})`].filter(Boolean);

let ui: NotebookUi | null = null;
let load: ReturnType<typeof startCpuLoad> | null = null;
afterAll(async () => {
  await ui?.close();
  await load?.stop();
});

if (missing.length > 0 && !isCI()) {
  describe("Stop in the Notebook UI", () => {
    it.skip(`SKIPPED: ${missing.join(" and ")} not installed (apt-get install jupyter-notebook chromium)`, () => {});
  });
} else {
  describe("Stop in the Notebook UI (notebook 5, quick mode)", () => {
    it("Stop during training ends it within a step, keeps the kernel, autograd and the trained weights", async () => {
      expect(missing, "CI is set, so the classic Notebook and chromium are required").toEqual([]);
      const loadThreads = Number(process.env.GRADWORK_CPU_LOAD ?? 0);
      if (loadThreads > 0) load = startCpuLoad(loadThreads);
      const t0 = Date.now();
      const phase: Record<string, number> = {};
      ui = await openNotebookUi({ name: "stop-ui", python: python!, file: NOTEBOOK, notebook: longTrainingCopy(path.join(ROOT, "notebooks", NOTEBOOK)) });
      const page = ui.page, log = ui.log;
      phase.connected = Date.now() - t0;
      // Run every cell up to and including the ConvNet's training (the cell calling trainLive("ConvNet", ...)).
      const trainIndex: number = await page.evaluate(() => {
        const nb = (globalThis as any).Jupyter.notebook;
        const i = nb.get_cells().findIndex((c: any) => c.cell_type === "code" && /trainLive\(\s*"ConvNet"/.test(c.get_text()));
        if (i > 0) nb.execute_cell_range(0, i + 1);
        return i;
      });
      expect(trainIndex, `no cell of ${NOTEBOOK} calls trainLive("ConvNet", ...)`).toBeGreaterThan(0);
      const outputs = (i: number) => JSON.stringify((globalThis as any).Jupyter.notebook.get_cell(i).output_area.outputs);
      // Evidence that training runs: the page shows at least 5 steps of epoch 1 (the kernel is further on).
      const progress = /epoch 1\/\d+ \[[#.]+\]\s+\d+%\s+(\d+)\/(\d+)/;
      await page
        .waitForFunction(({ i, re }) => Number(new RegExp(re).exec(JSON.stringify((globalThis as any).Jupyter.notebook.get_cell(i).output_area.outputs))?.[1] ?? 0) >= 5, { i: trainIndex, re: progress.source }, { timeout: 480_000, polling: 250 })
        .catch(async (e) => {
          throw new Error(`training did not show progress: ${e.message}\ntraining cell: ${(await page.evaluate(outputs, trainIndex)).slice(-2000)}\n${log().slice(-2000)}`);
        });
      phase.training = Date.now() - t0;
      // The toolbar's Stop button. force: the live figures redraw all the time, so the page is never
      // "stable" for playwright.
      const clickedAt = Date.now();
      await page.click('button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]', { force: true });
      // The cell is done when its last output, the table of epochs, has appeared (tslab reports
      // "idle" after every request, so the kernel indicator is no guide while a cell runs).
      const done = (i: number) => JSON.stringify((globalThis as any).Jupyter.notebook.get_cell(i).output_area.outputs).includes("ConvNet on ");
      await page.waitForFunction(done, trainIndex, { timeout: 120_000, polling: 200 }).catch(async (e) => {
        throw new Error(`the training cell did not end after Stop: ${e.message}\ntraining cell: ${(await page.evaluate(outputs, trainIndex)).slice(-2000)}\n${log().slice(-2000)}`);
      });
      phase.stopped = Date.now() - t0;
      // A new cell, as a student would type it.
      const answer = await page.evaluate(async () => {
        const nb = (globalThis as any).Jupyter.notebook;
        const cell = nb.insert_cell_at_bottom("code");
        cell.set_text(`gw.manualSeed(0);
const initial = new ConvNet();
JSON.stringify({
  grad: gw.isGradEnabled(),
  interrupted: conv.history.interrupted,
  steps: conv.history.stepLosses.length,
  epochs: conv.history.epochs.length,
  trainingEnded: performance.timeOrigin + convStart + convSeconds * 1000,
  changed: net.parameters().some((p, k) => p.sub(initial.parameters()[k]).abs().max().item() > 0),
  backward: (() => { const x = gw.tensor([1, 2], { requiresGrad: true }); x.mul(x).sum().backward(); return x.grad!.toArray(); })(),
})`);
        cell.execute();
        for (let t = 0; t < 1200; t++) {
          await new Promise((r) => setTimeout(r, 100));
          const res = cell.output_area.outputs.find((o: any) => o.output_type === "execute_result" || o.output_type === "error");
          if (res) return res;
        }
        return { timeout: true, outputs: cell.output_area.outputs };
      });
      phase.checked = Date.now() - t0;
      const trainOutputs = (await page.evaluate(outputs, trainIndex)).slice(-3000);
      // The live figures' last redraws are plotted (the page spaces out live plotting, never drops the last).
      const plotted = await page
        .waitForFunction(
          (i) => {
            const el = (globalThis as any).Jupyter.notebook.get_cell(i).output_area.element[0];
            const figs = [...el.querySelectorAll(".js-plotly-plot")] as any[];
            return figs.length === 2 && figs.every((f) => f.querySelectorAll("g.trace path").length > 0) ? figs.length : false;
          },
          trainIndex,
          { timeout: 15_000, polling: 250 },
        )
        .then(() => true, () => false);
      await page.evaluate((i) => (globalThis as any).Jupyter.notebook.get_cell(i).output_area.element[0].scrollIntoView(), trainIndex);
      await page.screenshot({ path: path.join(ARTIFACTS, "screenshots", "stop-ui.png"), fullPage: false }).catch(() => undefined);
      expect(plotted, "the training cell's two live figures are drawn by plotly after Stop").toBe(true);
      expect(answer.output_type, `the check cell gave ${JSON.stringify(answer).slice(0, 2000)}\ntraining cell: ${trainOutputs}`).toBe("execute_result");
      const res = JSON.parse(answer.data["text/plain"]);
      // When the server forwarded the click to the kernel (its log gives the local time of day).
      const hms = /\[I (\d\d):(\d\d):(\d\d\.\d+) NotebookApp\] Kernel interrupted/.exec(log());
      expect(hms, "the server never forwarded the click (no 'Kernel interrupted' in its log)").not.toBeNull();
      const day = new Date(clickedAt);
      let forwardedAt = new Date(day.getFullYear(), day.getMonth(), day.getDate(), +hms![1], +hms![2], 0, Number(hms![3]) * 1000).getTime();
      if (forwardedAt < clickedAt - 12 * 3600_000) forwardedAt += 24 * 3600_000; // past midnight
      const timing = {
        clickToServerMs: forwardedAt - clickedAt,
        serverToEndMs: Math.round(res.trainingEnded - forwardedAt),
        amidSteps: res.steps % STEPS_PER_EPOCH !== 0, // else during an epoch's test pass
      };
      console.log(`stop-ui: ${JSON.stringify({ ...res, trainingEnded: undefined, ...timing, phases: phase })}`);
      expect(res).toMatchObject({ grad: true, interrupted: true, changed: true, backward: [2, 4] });
      expect(res.steps, "steps trained before Stop").toBeGreaterThanOrEqual(5);
      expect(res.steps, `steps trained before Stop (${STOP_EPOCHS} epochs of ${STEPS_PER_EPOCH} were asked for)`).toBeLessThan(STOP_EPOCHS * STEPS_PER_EPOCH);
      expect(timing.serverToEndMs, "training was over before Stop reached the kernel").toBeGreaterThan(0);
      expect(timing.serverToEndMs, "milliseconds from Stop reaching the kernel to the end of training").toBeLessThan(STOP_MS);
      expect(timing.clickToServerMs, "milliseconds from the click to the server's interrupt (the page's own lag)").toBeLessThan(CLICK_MS);
      // the training cell ended normally (no error output) and its progress bar says so
      expect(trainOutputs).not.toContain('"output_type":"error"');
      expect(trainOutputs).toContain("(stopped)");
    }, 900_000);
  });
}
