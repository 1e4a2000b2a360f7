/**
 * Renders DOT to SVG with Graphviz compiled to WebAssembly (`@viz-js/viz`, offline: the wasm is
 * embedded in its JavaScript).
 *
 * `@viz-js/viz` can only be started asynchronously (its Emscripten loader awaits
 * `WebAssembly.instantiate`), yet a synchronous `drawGraph(f)` reads much better in a notebook.
 * So `renderDotSync` keeps Graphviz in a worker thread and blocks on `Atomics.wait` until the
 * worker has answered on a MessagePort, then reads the answer with `receiveMessageOnPort`.
 * The worker starts on first use (about 0.1 s) and is `unref`ed: it never keeps Node alive.
 */
import { MessageChannel, Worker, receiveMessageOnPort } from "node:worker_threads";

/** How long a synchronous render may take before it gives up (layout of a huge graph, a dead worker). */
const TIMEOUT_MS = 60_000;

// Runs inside the worker (plain CommonJS, so it works from the TypeScript sources and from dist/).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
let ready;
try { ready = require(workerData.vizPath).instance(); } catch (e) { ready = Promise.reject(e); }
ready.catch(() => {});
parentPort.on("message", async ({ dot, port, flag }) => {
  let reply;
  try {
    const viz = await ready;
    const result = viz.render(dot, { format: "svg" });
    reply = result.status === "success"
      ? { svg: result.output }
      : { error: result.errors.map((e) => e.message).join("; ") || "Graphviz failed" };
  } catch (e) {
    reply = { error: String((e && e.message) || e) };
  }
  port.postMessage(reply);
  port.close();
  const f = new Int32Array(flag);
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
});
`;

let worker: Worker | null = null;

function vizPath(): string {
  try {
    return require.resolve("@viz-js/viz");
  } catch {
    throw new Error("drawGraph needs the npm package @viz-js/viz (a dependency of gradwork): run `npm install`");
  }
}

function getWorker(): Worker {
  if (worker === null) {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { vizPath: vizPath() }, execArgv: [] });
    w.unref();
    w.on("error", () => {
      if (worker === w) worker = null;
    });
    w.on("exit", () => {
      if (worker === w) worker = null;
    });
    worker = w;
  }
  return worker;
}

/**
 * Renders DOT source to an SVG string, synchronously (Node only: it blocks the calling thread
 * while a Graphviz worker lays the graph out). Throws with Graphviz's message on invalid DOT.
 * @example
 * const svg = renderDotSync("digraph { a -> b }");
 * svg.includes("<svg"); // true
 */
export function renderDotSync(dot: string): string {
  if (typeof dot !== "string") throw new TypeError(`renderDotSync: expected DOT source as a string, got ${typeof dot}`);
  const w = getWorker();
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  try {
    w.postMessage({ dot, port: port2, flag: flag.buffer }, [port2]);
    if (Atomics.wait(flag, 0, 0, TIMEOUT_MS) === "timed-out") {
      worker = null;
      void w.terminate();
      throw new Error(`renderDotSync: Graphviz did not answer within ${TIMEOUT_MS / 1000} s (graph too large?)`);
    }
    const reply = receiveMessageOnPort(port1)?.message as { svg?: string; error?: string } | undefined;
    if (reply === undefined) throw new Error("renderDotSync: the Graphviz worker sent no answer");
    if (reply.error !== undefined) throw new Error(`Graphviz could not render the graph: ${reply.error}`);
    return reply.svg!;
  } finally {
    port1.close();
  }
}

let asyncViz: Promise<{ render(dot: string, o: { format: string }): any }> | null = null;

/**
 * Renders DOT source to an SVG string in the current thread, asynchronously.
 * @example
 * const svg = await renderDotAsync("digraph { a -> b }");
 */
export async function renderDotAsync(dot: string): Promise<string> {
  if (typeof dot !== "string") throw new TypeError(`renderDotAsync: expected DOT source as a string, got ${typeof dot}`);
  asyncViz ??= require(vizPath()).instance();
  const result = (await asyncViz!).render(dot, { format: "svg" });
  if (result.status !== "success") {
    const message = result.errors.map((e: { message: string }) => e.message).join("; ") || "Graphviz failed";
    throw new Error(`Graphviz could not render the graph: ${message}`);
  }
  return result.output as string;
}
