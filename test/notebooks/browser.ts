/**
 * Opening HTML pages in Debian's chromium (playwright-core) and checking what the plot helpers drew;
 * opening a notebook in the live classic Notebook UI (openNotebookUi).
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { writeKernelSpec } from "../../lib/tools/install-kernel";
import { ROOT } from "../../lib/tools/jupyter";
import { ARTIFACTS } from "../../lib/tools/notebook-runner";

/** SVG elements plotly draws for data: line and marker paths of traces, heatmap images. */
const DRAWN = "g.trace path, g.trace image, g.hm image, .heatmaplayer image";

export const CHROMIUM = process.env.GRADWORK_CHROMIUM ?? "/usr/bin/chromium";

export interface PageReport {
  /** Figures drawn by plotly, with their trace count and drawn SVG elements. */
  figures: Array<{ id: string; traces: number; points: number; shapes: number }>;
  /** Image-grid and SVG images, and how many decoded with a non-zero size. */
  images: { total: number; loaded: number };
  /** Console errors and uncaught exceptions (blocked external resources are left out). */
  errors: string[];
  /** Figure divs still showing the "plotly.js is not loaded" message. */
  waiting: string[];
}

/** A headless chromium with a fresh profile; call `close()` when done. */
export async function openBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "gradwork-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: [
      "--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Loads `file` (external http(s) requests are blocked: the check must pass offline), waits until
 * `expectedFigures` plotly figures are drawn, collects what is on the page and saves a screenshot.
 */
export async function checkPage(context: BrowserContext, file: string, expectedFigures: number, screenshot: string): Promise<PageReport> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const url = msg.location().url ?? "";
    if (/^https?:/.test(url) || /ERR_BLOCKED_BY_CLIENT|net::ERR_FAILED/.test(msg.text())) return; // blocked CDN script
    errors.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  await page.route(/^https?:\/\//, (route) => route.abort("blockedbyclient"));
  try {
    await page.goto(`file://${file}`, { waitUntil: "load", timeout: 60_000 });
    // Wait until the expected figures exist and each has drawn something (plotly draws asynchronously).
    await page
      .waitForFunction(
        ({ n, sel }) => {
          const doc = (globalThis as any).document; // runs in the page (this project has no DOM types)
          const figs: any[] = [...doc.querySelectorAll(".js-plotly-plot")];
          return figs.length >= n && figs.every((el) => el.querySelectorAll(sel).length > 0);
        },
        { n: expectedFigures, sel: DRAWN },
        { timeout: 30_000 },
      )
      .catch(() => undefined); // reported through the counts below
    const report = await page.evaluate((sel) => {
      const doc = (globalThis as any).document;
      const figures = ([...doc.querySelectorAll(".js-plotly-plot")] as any[]).map((el) => {
        const data: Array<{ x?: unknown[]; z?: unknown[] }> = el.data ?? [];
        const points = data.reduce((n, t) => n + (Array.isArray(t.x) ? t.x.length : Array.isArray(t.z) ? t.z.length : 0), 0);
        const shapes = el.querySelectorAll(sel).length;
        return { id: el.id as string, traces: data.length, points, shapes: shapes as number };
      });
      const imgs: any[] = [...doc.querySelectorAll(".gw-image-grid img, .gw-svg img")];
      const waiting: string[] = ([...doc.querySelectorAll(".gw-plot")] as any[])
        .filter((el) => /not loaded/.test(el.textContent ?? ""))
        .map((el) => el.id);
      return { figures, images: { total: imgs.length, loaded: imgs.filter((i) => i.complete && i.naturalWidth > 0).length }, waiting };
    }, DRAWN);
    fs.mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { ...report, errors };
  } finally {
    await page.close();
  }
}

/** Number of plot-helper figures (divs of class gw-plot) in the outputs of an executed notebook. */
export function countFigures(executedNotebook: string): number {
  const nb = JSON.parse(fs.readFileSync(executedNotebook, "utf8")) as {
    cells: Array<{ outputs?: Array<{ data?: Record<string, string | string[]> }> }>;
  };
  let n = 0;
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      const html = out.data?.["text/html"];
      const text = Array.isArray(html) ? html.join("") : (html ?? "");
      n += (text.match(/class="gw-plot"/g) ?? []).length;
    }
  }
  return n;
}

/** A Notebook server on a copy of one notebook, with a chromium page open on it and its kernel connected. */
export interface NotebookUi {
  page: import("playwright-core").Page;
  /** The server's output so far (its log gives the times of interrupts, say). */
  log(): string;
  /** Close the browser, stop the server and its kernels, remove the copy (saves the log beside the artifacts). */
  close(): Promise<void>;
}

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

/**
 * Open `notebook` (its JSON text, saved as `file`) in the classic Notebook UI as a student would:
 * the project's kernel spec, a folder of its own under the test artifacts (`name`) with the exercises
 * beside it (so the notebook in notebooks/ is never saved over), a server on a free port started by
 * `python -m notebook`, and a headless chromium page whose kernel has connected.
 *
 * @example
 * const ui = await openNotebookUi({ name: "live-plots", python, file: "00-setup-check.ipynb", notebook: text });
 * try { await ui.page.evaluate(() => (globalThis as any).Jupyter.notebook.execute_all_cells()); } finally { await ui.close(); }
 */
export async function openNotebookUi(opts: {
  name: string;
  python: string;
  file: string;
  notebook: string;
  env?: NodeJS.ProcessEnv;
  /** Called with the page before it loads (to listen for its errors, say). */
  beforeLoad?: (page: import("playwright-core").Page) => void;
}): Promise<NotebookUi> {
  const jupyterPath = path.join(ARTIFACTS, `${opts.name}-jupyter`);
  writeKernelSpec(jupyterPath);
  const dir = path.join(ARTIFACTS, `${opts.name}-notebook`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(path.join(ROOT, "exercises"), path.join(dir, "exercises"));
  fs.writeFileSync(path.join(dir, opts.file), opts.notebook);
  const port = await freePort();
  const token = `gw${Date.now()}`;
  const server: ChildProcess = spawn(opts.python, ["-m", "notebook", "--no-browser", "--allow-root", `--port=${port}`, "--ip=127.0.0.1", `--NotebookApp.token=${token}`], {
    cwd: dir,
    env: { ...process.env, JUPYTER_PATH: jupyterPath, GRADWORK_QUICK: "1", PYDEVD_DISABLE_FILE_VALIDATION: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: the server and its kernels are stopped together
  });
  let log = "";
  server.stdout!.on("data", (d) => (log += d));
  server.stderr!.on("data", (d) => (log += d));
  let browser: Awaited<ReturnType<typeof openBrowser>> | null = null;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    try {
      process.kill(-server.pid!, "SIGTERM");
    } catch {
      server.kill("SIGTERM");
    }
    fs.writeFileSync(path.join(ARTIFACTS, `${opts.name}-server.log`), log);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    browser = await openBrowser();
    const page = await browser.context.newPage();
    opts.beforeLoad?.(page);
    const url = `http://127.0.0.1:${port}/notebooks/${opts.file}?token=${token}`;
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
    return { page, log: () => log, close };
  } catch (e) {
    await close();
    throw e;
  }
}
