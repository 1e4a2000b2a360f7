/**
 * The workbook's own Jupyter kernel ("gradwork", display name "TypeScript (gradwork)"): tslab's
 * TypeScript compiler and executor, started by this file with what the course needs on top:
 *
 * - outputs never make a cell fail (send-queue.ts: zeromq's "busy" sends are queued);
 * - Stop reaches every gradwork loop: the control channel runs in a worker thread (control.ts)
 *   that sets the shared interrupt flag checked at every op; an awaiting cell is abandoned only if
 *   it has not finished a second after that;
 * - every cell starts with autograd on and no pending stop;
 * - a cell's last value is sent as `execute_result` with a rich MIME bundle
 *   (`[Symbol.for("Jupyter.display")]`), an error as an `error` message and an error reply with
 *   `ename`/`evalue`/`traceback`; `kernel_info_reply` has `status`.
 *
 * Started by Jupyter as `node dist/notebook/kernel/main.js --config-path <connection file>`
 * (see lib/tools/install-kernel.ts).
 */
import { packageRoot } from "../../paths";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { RUNNING, clearInterrupt, interruptPending, interruptState, requestInterrupt } from "../interrupt";
import { type ErrorContent, errorContent, mergeErrors, mimeBundle } from "./result";
import { recoveringConverter } from "./converter";
import { queueSends } from "./send-queue";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

const ROOT = packageRoot();
const GRACE_MS = Number(process.env.GRADWORK_INTERRUPT_GRACE_MS ?? 1000);

function configPath(argv: string[]): string {
  const i = argv.indexOf("--config-path");
  const value = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith("--config-path="))?.slice("--config-path=".length);
  if (!value) throw new Error("gradwork kernel: missing --config-path <connection file> (Jupyter passes it; see kernel.json)");
  return value;
}

/** The state of the cell being executed: what the kernel reports after tslab is done. */
interface CellRun {
  value?: { data: Record<string, unknown> };
  errors: ErrorContent[];
}

export function startKernel(connectionFile: string): void {
  const tslabMain = require.resolve("tslab/dist/main.js", { paths: [ROOT] });
  const fromTslab = createRequire(tslabMain);
  const zeromqPath = fromTslab.resolve("zeromq");
  queueSends(fromTslab(zeromqPath).Socket);
  const dist = path.dirname(tslabMain);
  const { createConverter } = fromTslab(path.join(dist, "converter.js"));
  const { createExecutor } = fromTslab(path.join(dist, "executor.js"));
  const jupyter = fromTslab(path.join(dist, "jupyter.js"));
  const JupyterHandlerImpl: new (...args: Any[]) => Any = jupyter.JupyterHandlerImpl;
  const ZmqServer: new (...args: Any[]) => Any = jupyter.ZmqServer;

  (globalThis as Record<symbol, unknown>)[Symbol.for("gradwork.kernel")] = true;
  const state = interruptState();
  let cellCount = 0;
  // The cell tslab is executing. Requests arrive faster than cells run (Run All sends them all at
  // once) and tslab queues them, so each request's CellRun is found by its own writeStream when
  // its turn comes, not set on arrival (which gave a queued cell's value to the last request).
  let run: CellRun | null = null;
  const runs = new WeakMap<object, CellRun>();

  let node: Any;
  const fresh = () => createConverter({ isJS: false, isBrowser: false });
  const convs = {
    get node() {
      return (node ??= recoveringConverter(fresh));
    },
    get browser(): Any {
      throw new Error("gradwork kernel: browser-mode cells (//%browser) are not supported");
    },
    close() {
      node?.close();
    },
  };
  convs.node; // compile the first cell sooner
  const executor = createExecutor(process.cwd(), convs, {
    // tslab calls log() only with a cell's last value, error() with a failure or compile errors
    log: (value: unknown) => {
      if (run) run.value = { data: mimeBundle(value) };
      else console.log(value);
    },
    error: (...args: unknown[]) => {
      if (run) run.errors.push(errorContent(args));
      else console.error(...args);
    },
  });

  class Handler extends JupyterHandlerImpl {
    handleKernel(): Record<string, unknown> {
      return { status: "ok", ...super.handleKernel() };
    }
    async handleExecute(req: Any, writeStream: Any, writeDisplayData: Any): Promise<Record<string, unknown>> {
      return super.handleExecute(req, writeStream, writeDisplayData);
    }
    async handleExecuteImpl(req: Any, writeStream: Any, writeDisplayData: Any): Promise<unknown> {
      // A new cell: no pending stop, autograd on (a stop may have ended the last one anywhere).
      clearInterrupt();
      Atomics.store(state.flags, RUNNING, ++cellCount);
      for (const fn of state.cellStart) fn();
      run = runs.get(writeStream) ?? null;
      try {
        return await super.handleExecuteImpl(req, writeStream, writeDisplayData);
      } finally {
        run = null;
        Atomics.store(state.flags, RUNNING, 0);
      }
    }
  }
  const handler = new Handler(executor, false);

  class Server extends ZmqServer {
    async handleExecute(sock: Any, msg: Any): Promise<void> {
      const reply = msg.createReply();
      reply.header.msg_type = "execute_reply";
      const iopub = (type: string, content: unknown) => {
        const m = msg.createReply();
        m.header.msg_type = type;
        m.content = content;
        m.signAndSend(this.connInfo.key, this.iopub);
      };
      const writeStream = (name: string, text: string) => iopub("stream", { name, text });
      const writeDisplayData = (data: unknown, update: boolean) => iopub(update ? "update_display_data" : "display_data", data);
      const cell: CellRun = { errors: [] };
      runs.set(writeStream, cell);
      let content: Record<string, unknown> = await this.handler.handleExecute(msg.content, writeStream, writeDisplayData);
      const count = content.execution_count;
      if (content.status === "ok" && cell.value) {
        iopub("execute_result", { execution_count: count, data: cell.value.data, metadata: {} });
      }
      const error = mergeErrors(cell.errors);
      if (content.status === "error") {
        const e = error ?? { ename: "Error", evalue: "the cell failed", traceback: [] };
        iopub("error", e);
        content = { ...content, ...e };
      }
      reply.content = content;
      reply.signAndSend(this.connInfo.key, sock);
    }

    async init(): Promise<void> {
      const info = JSON.parse(fs.readFileSync(this.configPath, "utf8"));
      this.connInfo = info;
      const zmq = fromTslab(zeromqPath);
      this.iopub = new zmq.Publisher();
      this.shell = new zmq.Router();
      this.stdin = new zmq.Router();
      this.hb = new zmq.Reply();
      this.control = { close() {} };
      const address = (port: number) => `${info.transport}://${info.ip}:${port}`;
      void (async () => {
        for await (const frames of this.shell) void this.handleShellMessage(this.shell, ...frames);
      })();
      void (async () => {
        for await (const frames of this.hb) await this.hb.send(frames);
      })();
      await Promise.all([
        this.iopub.bind(address(info.iopub_port)),
        this.shell.bind(address(info.shell_port)),
        this.stdin.bind(address(info.stdin_port)),
        this.hb.bind(address(info.hb_port)),
      ]);
      const worker = new Worker(path.join(__dirname, "control.js"), {
        workerData: { zeromq: zeromqPath, address: address(info.control_port), key: info.key, flags: state.flags, kernelInfo: handler.handleKernel(), graceMs: GRACE_MS },
      });
      worker.on("message", (m: { log?: string; shutdown?: boolean }) => {
        if (m.log) process.stderr.write(`gradwork kernel: ${m.log}\n`);
        if (m.shutdown) {
          // every zeromq socket closed and the control thread ended before exiting (see control.ts)
          this.close();
          void worker.terminate().finally(() => process.exit(0));
        }
      });
      worker.on("error", (e) => process.stderr.write(`gradwork kernel: control thread failed: ${e.stack ?? e}\n`));
      worker.unref();
    }
  }

  const server = new Server(handler, connectionFile);
  // SIGINT: from Ctrl+C / signal-mode clients directly, or from the control thread when a cell
  // ignored the flag for a second. Outside tslab's synchronous part (which Node's breakOnSigint
  // ends by itself), a cell still running a moment later is abandoned as tslab does.
  process.on("SIGINT", () => {
    requestInterrupt();
    const cell = Atomics.load(state.flags, RUNNING);
    if (cell === 0) return;
    setTimeout(() => {
      // abandon the cell only if it still runs and no gradwork op has taken the stop
      if (Atomics.load(state.flags, RUNNING) === cell && interruptPending()) executor.interrupt();
    }, GRACE_MS);
  });
  process.on("uncaughtException", (err) => console.error("UncaughtException:", err));
  process.on("unhandledRejection", (reason) => console.error("UnhandledPromiseRejection:", reason));
  void server.init();
}

if (require.main === module) {
  startKernel(configPath(process.argv.slice(2)));
}
