/**
 * Makes ZeroMQ sends from the kernel never throw "busy".
 *
 * zeromq.js sends at most 512 messages on a socket synchronously; the next one is delayed to a
 * later turn of the event loop, and every send() made before that delayed one has gone out
 * *throws* EBUSY ("Socket is busy writing"). tslab sends every output (a progress bar redraw, a live
 * plot update, a console.log) without expecting that, so about every 513th output message of a
 * session, if a second output follows in the same turn, the throw lands in the user's cell: the
 * cell fails, and its error message, also a send, is swallowed by `console.error`. That was the
 * silent death of notebook 5's training cells (issue 19, point 5).
 *
 * `queueSends` wraps the socket class's `send` so a busy socket queues the message and sends the
 * queue in order once the delayed send has gone out. Nothing is dropped and nothing throws.
 */

interface SendState {
  /** The promise of the last send handed to zeromq. */
  inflight: Promise<unknown>;
  queue: Array<{ args: unknown[]; resolve: (v: unknown) => void; reject: (e: unknown) => void }>;
}

type SendFn = (this: object, ...args: unknown[]) => Promise<unknown>;

const isBusy = (e: unknown) => (e as { code?: string } | null)?.code === "EBUSY";

/**
 * Patches `socketClass.prototype.send` (zeromq's `Socket`) once; returns false when already patched.
 * @example queueSends(require("zeromq").Socket);
 */
export function queueSends(socketClass: { prototype: { send: SendFn } }): boolean {
  const proto = socketClass.prototype as { send: SendFn & { gradworkQueued?: boolean } };
  if (proto.send.gradworkQueued) return false;
  const original = proto.send;
  const states = new WeakMap<object, SendState>();

  async function drain(socket: object, state: SendState): Promise<void> {
    while (state.queue.length > 0) {
      await state.inflight.then(
        () => undefined,
        () => undefined,
      );
      const item = state.queue[0];
      try {
        const p = original.apply(socket, item.args);
        state.inflight = p;
        state.queue.shift();
        p.then(item.resolve, item.reject);
      } catch (e) {
        if (isBusy(e)) continue; // still busy: wait for the in-flight send again
        state.queue.shift();
        item.reject(e);
      }
    }
  }

  const patched = function (this: object, ...args: unknown[]): Promise<unknown> {
    let state = states.get(this);
    if (!state || state.queue.length === 0) {
      try {
        const p = original.apply(this, args);
        if (state) state.inflight = p;
        else states.set(this, { inflight: p, queue: [] });
        return p;
      } catch (e) {
        if (!isBusy(e)) throw e;
        state = states.get(this) ?? { inflight: Promise.resolve(), queue: [] };
        states.set(this, state);
      }
    }
    const s = state;
    const queued = new Promise((resolve, reject) => s.queue.push({ args, resolve, reject }));
    queued.catch(() => undefined); // tslab never awaits its sends
    if (s.queue.length === 1) void drain(this, s);
    return queued;
  } as SendFn & { gradworkQueued?: boolean };
  patched.gradworkQueued = true;
  Object.defineProperty(proto, "send", { value: patched, writable: true, configurable: true });
  return true;
}
