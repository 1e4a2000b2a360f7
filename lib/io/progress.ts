// A progress bar that draws itself on a terminal (one line rewritten with \r) or, inside a tslab
// notebook, as one output entry replaced in place. Elsewhere it stays silent. It finds the kernel
// through lib/notebook/bridge.ts: the tslab copy that is running the current cell.
import { newKernelDisplay } from "../notebook/bridge";

/** What a progress display shows; `done`/`total` are steps or bytes depending on `unit`. */
export interface ProgressOptions {
  label: string;
  total?: number;
  unit?: "bytes" | "steps";
  /** "auto" (default): terminal if stderr is a TTY, notebook inside tslab, else nothing. */
  mode?: "auto" | "terminal" | "notebook" | "none";
  /** Minimum milliseconds between redraws (default 100, i.e. at most 10 updates a second). */
  interval?: number;
}

interface NotebookDisplay {
  text(s: string): void;
}

/** Formats seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * A progress bar for long loops. Call `update(done, note?)` as often as you like; it redraws at
 * most every `interval` ms. `finish()` draws the final state (and ends the terminal line).
 *
 * @example
 * const bar = new ProgressBar({ label: "epoch 1", total: 390 });
 * for (let i = 1; i <= 390; i++) bar.update(i, `loss 1.23`);
 * bar.finish();
 */
export class ProgressBar {
  readonly label: string;
  total: number | undefined;
  private unit: "bytes" | "steps";
  private mode: "terminal" | "notebook" | "none";
  private interval: number;
  private start = Date.now();
  private lastDraw = 0;
  private display: NotebookDisplay | undefined;
  private lastLine = "";

  constructor(opts: ProgressOptions) {
    this.label = opts.label;
    this.total = opts.total;
    this.unit = opts.unit ?? "steps";
    this.interval = opts.interval ?? 100;
    let mode = opts.mode ?? "auto";
    // The active tslab copy, found as the plot helpers find it (lib/notebook/bridge.ts).
    if (mode === "auto") mode = process.stderr.isTTY ? "terminal" : "notebook";
    if (mode === "notebook") {
      try {
        this.display = newKernelDisplay() ?? undefined;
      } catch {
        this.display = undefined;
      }
      if (!this.display) mode = "none";
    }
    this.mode = mode;
  }

  /** The text of the line for `done` units (also used by callers that log it themselves). */
  line(done: number, note = ""): string {
    const elapsed = (Date.now() - this.start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const parts = [this.label];
    if (this.total && this.total > 0) {
      const frac = Math.min(1, done / this.total);
      const width = 24;
      const full = Math.round(frac * width);
      parts.push(`[${"#".repeat(full)}${".".repeat(width - full)}]`, `${(frac * 100).toFixed(0).padStart(3)}%`);
    }
    if (this.unit === "bytes") {
      parts.push(this.total ? `${formatBytes(done)}/${formatBytes(this.total)}` : formatBytes(done), `${formatBytes(rate)}/s`);
    } else {
      parts.push(this.total ? `${done}/${this.total}` : `${done}`);
    }
    if (this.total && rate > 0 && done < this.total) parts.push(`ETA ${formatDuration((this.total - done) / rate)}`);
    else parts.push(formatDuration(elapsed));
    if (note) parts.push(note);
    return parts.join(" ");
  }

  /** Record progress; redraws when the last draw is older than the interval. */
  update(done: number, note = ""): void {
    if (this.mode === "none") return;
    const now = Date.now();
    if (now - this.lastDraw < this.interval) return;
    this.lastDraw = now;
    this.draw(this.line(done, note));
  }

  /** Draw the final state; a terminal bar moves to the next line. */
  finish(done?: number, note = ""): void {
    if (this.mode === "none") return;
    this.draw(this.line(done ?? this.total ?? 0, note));
    if (this.mode === "terminal") process.stderr.write("\n");
  }

  private draw(text: string): void {
    if (text === this.lastLine) return;
    this.lastLine = text;
    if (this.mode === "terminal") {
      const cols = process.stderr.columns || 120;
      process.stderr.write(`\r${text.slice(0, cols - 1)}\x1b[K`);
    } else if (this.display) {
      try {
        this.display.text(text);
      } catch {
        this.mode = "none"; // the kernel is not ready (e.g. tslab loaded outside a cell)
      }
    }
  }
}
