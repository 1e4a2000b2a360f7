import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { queueSends } from "../../../lib/notebook/kernel/send-queue";
import { ROOT } from "../../../lib/tools/jupyter";

// tslab's own zeromq
const fromTslab = createRequire(require.resolve("tslab/dist/main.js", { paths: [ROOT] }));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const zmq = fromTslab("zeromq") as any;

/**
 * A connected publisher/subscriber pair that loses nothing. A publisher drops what it sends before
 * the subscription has reached it, so probe until one arrives (a fixed 300 ms wait was too short on
 * a loaded CI machine), and it drops messages beyond its high-water marks (1,000 queued each side by
 * default), which 2,000 sends in one turn can reach when the receiving side is slow: no limits here.
 * Either loss left receive() waiting until the test timed out. Probes that arrive late are skipped
 * by `receive`, which gives up after 20 s instead of waiting forever.
 */
async function pair() {
  const pub = new zmq.Publisher({ sendHighWaterMark: 0 });
  const sub = new zmq.Subscriber({ receiveTimeout: 100, receiveHighWaterMark: 0 });
  await pub.bind("tcp://127.0.0.1:0");
  sub.connect(pub.lastEndpoint);
  sub.subscribe();
  let probes = 0;
  for (let tries = 0; ; tries++) {
    await pub.send(["probe"]);
    probes++;
    try {
      const [m] = (await sub.receive()) as Buffer[];
      if (m.toString() === "probe") break;
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN" || tries > 300) throw e; // 30 s without a probe
    }
  }
  sub.receiveTimeout = 20_000;
  const receive = async (): Promise<string> => {
    for (;;) {
      const [m] = (await sub.receive()) as Buffer[];
      if (m.toString() !== "probe") return m.toString();
    }
  };
  return { pub, sub, receive, probes };
}

describe("zeromq sends from the kernel", () => {
  it("unpatched, the 514th synchronous send throws EBUSY (what killed notebook 5's cells)", async () => {
    const { pub, sub, probes } = await pair(); // (the probes count among the 513)
    let threw: { at: number; code: string } | null = null;
    try {
      for (let i = 0; i < 600; i++) {
        try {
          pub.send([`m${i}`]);
        } catch (e) {
          threw = { at: i, code: (e as { code: string }).code };
          break;
        }
      }
    } finally {
      await new Promise((r) => setTimeout(r, 200)); // let the delayed send go out before closing
      pub.close();
      sub.close();
    }
    expect(threw).toEqual({ at: 513 - probes, code: "EBUSY" });
  });

  it("patched, 2,000 synchronous sends all arrive, in order", async () => {
    expect(queueSends(zmq.Socket)).toBe(true);
    expect(queueSends(zmq.Socket)).toBe(false); // once only
    const { pub, sub, receive } = await pair();
    const got: string[] = [];
    try {
      for (let i = 0; i < 2000; i++) pub.send([`m${i}`]);
      while (got.length < 2000) got.push(await receive()); // (throws EAGAIN after 20 s without one)
    } finally {
      pub.close();
      sub.close();
    }
    expect(got.length).toBe(2000);
    expect(got.every((m, i) => m === `m${i}`)).toBe(true);
  }, 60_000);
});

void path;
