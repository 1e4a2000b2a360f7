/**
 * Jupyter's stop button, as the library sees it.
 *
 * One shared flag (an Int32Array over a SharedArrayBuffer, kept on `globalThis` so every copy of
 * the library and the gradwork kernel see the same one) says "the user pressed Stop". The gradwork
 * kernel sets it from a worker thread, so it is set even while the main thread is busy in a
 * synchronous loop; outside that kernel the library's own SIGINT listener sets it. Every op checks
 * it where it is dispatched (`backend()`), so any gradwork loop stops within one op, and throws
 * `InterruptedError`. The flag is consumed by the throw: code after a caught `InterruptedError`
 * (such as the end of `gw.train.fit`) runs normally.
 */

/** Thrown by ops, `yieldToKernel()` and live figures when the stop button was pressed while they ran. */
export class InterruptedError extends Error {
  constructor() {
    super("stopped: the kernel was interrupted (stop button); values computed before the stop are kept");
    this.name = "InterruptedError";
  }
}

/** Slots of the shared flag array. */
export const INTERRUPT = 0;
/** The number of the cell run in progress (0 when idle); written by the gradwork kernel. */
export const RUNNING = 1;

interface Shared {
  flags: Int32Array;
  /** Called at the start of every cell by the gradwork kernel (grad mode reset, …). */
  cellStart: Array<() => void>;
}

const KEY = Symbol.for("gradwork.interrupt");

/** The process-wide interrupt state (created on first use). */
export function interruptState(): Shared {
  const g = globalThis as Record<symbol, Shared | undefined>;
  let s = g[KEY];
  if (!s) {
    s = { flags: new Int32Array(new SharedArrayBuffer(8)), cellStart: [] };
    g[KEY] = s;
  }
  return s;
}

const flags = interruptState().flags;
let deferred = 0;

/**
 * Throws `InterruptedError` when the stop button was pressed (consuming the request); otherwise
 * does nothing. Called at every op dispatch; cheap (one atomic read).
 * @example
 * for (;;) { gw.plot.checkInterrupt(); plainJsWork(); } // make a loop without ops stoppable
 */
export function checkInterrupt(): void {
  if (Atomics.load(flags, INTERRUPT) !== 0 && deferred === 0) {
    Atomics.store(flags, INTERRUPT, 0);
    throw new InterruptedError();
  }
}

/** True when a stop request is pending (without consuming it). */
export function interruptPending(): boolean {
  return Atomics.load(flags, INTERRUPT) !== 0;
}

/** Marks a stop request (what the kernel's stop button does). */
export function requestInterrupt(): void {
  Atomics.store(flags, INTERRUPT, 1);
}

/** Forgets a pending stop request (the kernel does this at the start of every cell). */
export function clearInterrupt(): void {
  Atomics.store(flags, INTERRUPT, 0);
}

/**
 * Runs `fn` with interrupts held back, so it is never stopped half-way (an optimizer step updates
 * all parameters or none). A pending stop takes effect at the next op after it.
 * @example
 * gw.plot.withoutInterrupts(() => optimizer.step());
 */
export function withoutInterrupts<T>(fn: () => T): T {
  deferred++;
  try {
    return fn();
  } finally {
    deferred--;
  }
}

/** Registers `fn` to run at the start of every cell in the gradwork kernel. */
export function onCellStart(fn: () => void): void {
  interruptState().cellStart.push(fn);
}
