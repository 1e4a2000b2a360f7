/**
 * A live figure: a loss curve that redraws in the same output while a training loop runs.
 *
 * Jupyter drops messages sent in large synchronous bursts and its front end chokes on more than
 * ~1000 messages a second, so redraws are throttled (10 per second by default) and capped between
 * two turns of the event loop. `await fig.flush()` in the loop lets the updates reach the page.
 */
import { lineFigure } from "./figures";
import { type FigureSpec, figureHtml, uniqueId } from "./html";
import { renderSvg } from "./svg";
import { type KernelDisplay, ensurePlotly, newKernelDisplay, yieldToKernel } from "./kernel";

export interface LiveOptions {
  title?: string;
  /** Series names, in legend order (more are added by `push`). */
  names?: string[];
  xLabel?: string;
  yLabel?: string;
  logY?: boolean;
  /** Minimum milliseconds between two redraws (default 100, i.e. at most 10 per second). */
  intervalMs?: number;
  /** Points drawn per series; longer series are thinned evenly, keeping the last point (default 2000). */
  maxPoints?: number;
}

/** Redraws allowed between two turns of the event loop, far below Jupyter's ~500-message burst limit. */
const BURST_LIMIT = 50;

export class LiveFigure {
  private readonly series = new Map<string, { x: number[]; y: number[] }>();
  private readonly display: KernelDisplay | null;
  private readonly interval: number;
  private lastDraw = -Infinity;
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sinceYield = 0;
  private yieldWatch = false;
  /** Number of redraws sent to the notebook so far. */
  draws = 0;

  constructor(private readonly opts: LiveOptions = {}) {
    for (const name of opts.names ?? []) this.series.set(name, { x: [], y: [] });
    this.interval = opts.intervalMs ?? 100;
    ensurePlotly();
    this.display = newKernelDisplay();
    this.draw();
  }

  /**
   * Adds the point (x, y) to series `name` and redraws if the last redraw is old enough.
   * @example fig.push("train loss", step, loss.item())
   */
  push(name: string, x: number, y: number): void {
    if (typeof x !== "number" || typeof y !== "number") {
      throw new Error(`LiveFigure.push("${name}"): x and y must be numbers, got ${typeof x} and ${typeof y}`);
    }
    let s = this.series.get(name);
    if (!s) this.series.set(name, (s = { x: [], y: [] }));
    s.x.push(x);
    s.y.push(y);
    this.dirty = true;
    this.maybeDraw();
  }

  /** Redraws now, whatever the throttle says (call it once after the loop). */
  update(): void {
    this.draw();
  }

  /**
   * Redraws if due, then yields to the event loop so the update reaches the notebook. Await it in
   * training loops: `await fig.flush()` (it costs well under a millisecond). When the stop button
   * was pressed it throws `InterruptedError`, which ends the loop (see `yieldToKernel`).
   */
  async flush(): Promise<void> {
    this.maybeDraw();
    await yieldToKernel();
  }

  /** The recorded points of every series. */
  get data(): Record<string, { x: number[]; y: number[] }> {
    return Object.fromEntries([...this.series].map(([k, v]) => [k, { x: [...v.x], y: [...v.y] }]));
  }

  /** The plotly spec of the current state (thinned to `maxPoints` per series). */
  spec(): FigureSpec {
    const names = [...this.series.keys()];
    const max = this.opts.maxPoints ?? 2000;
    const thinned = names.map((n) => thin(this.series.get(n)!, max));
    if (names.length === 0) {
      return lineFigure({ y: [], title: this.opts.title, xLabel: this.opts.xLabel, yLabel: this.opts.yLabel });
    }
    const fig = lineFigure({ ys: thinned.map((s) => s.y), names, title: this.opts.title, xLabel: this.opts.xLabel, yLabel: this.opts.yLabel, logY: this.opts.logY });
    fig.data.forEach((trace, i) => (trace.x = thinned[i].x));
    fig.layout.showlegend = true;
    return fig;
  }

  /** The HTML of the current state. */
  html(): string {
    const spec = this.spec();
    return figureHtml(spec, { id: uniqueId("gw-live"), snapshot: renderSvg(spec), live: true }); // snapshot: visible without scripts
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    const counts = [...this.series].map(([k, v]) => `${k}: ${v.x.length}`).join(", ");
    return `LiveFigure(${JSON.stringify(this.opts.title ?? "")}${counts ? `; ${counts}` : ""})`;
  }

  private maybeDraw(): void {
    if (this.display === null || !this.dirty) return;
    const wait = this.lastDraw + this.interval - Date.now();
    if (wait <= 0 && this.sinceYield < BURST_LIMIT) {
      this.draw();
    } else if (this.timer === null) {
      // Draw the rest as soon as the event loop is free (e.g. after a synchronous loop ends).
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.dirty) this.draw();
      }, Math.max(wait, 0));
    }
  }

  private draw(): void {
    this.dirty = false;
    if (this.display === null) return;
    this.display.html(this.html());
    this.draws++;
    this.lastDraw = Date.now();
    this.sinceYield++;
    if (!this.yieldWatch) {
      this.yieldWatch = true;
      setImmediate(() => {
        this.sinceYield = 0;
        this.yieldWatch = false;
      });
    }
  }
}

function thin(s: { x: number[]; y: number[] }, max: number): { x: number[]; y: number[] } {
  if (s.x.length <= max) return s;
  const step = Math.ceil(s.x.length / max);
  const idx: number[] = [];
  for (let i = 0; i < s.x.length; i += step) idx.push(i);
  if (idx[idx.length - 1] !== s.x.length - 1) idx.push(s.x.length - 1);
  return { x: idx.map((i) => s.x[i]), y: idx.map((i) => s.y[i]) };
}
