import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { queueSends } from "../../../lib/notebook/kernel/send-queue";
import { ROOT } from "../../../lib/tools/jupyter";

// tslab's own zeromq
const fromTslab = createRequire(require.resolve("tslab/dist/main.js", { paths: [ROOT] }));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const zmq = fromTslab("zeromq") as any;

async function pair() {
  const pub = new zmq.Publisher();
  const sub = new zmq.Subscriber();
  await pub.bind("tcp://127.0.0.1:0");
  sub.connect(pub.lastEndpoint);
  sub.subscribe();
  await new Promise((r) => setTimeout(r, 300)); // let the subscription reach the publisher
  return { pub, sub };
}

describe("zeromq sends from the kernel", () => {
  it("unpatched, the 514th synchronous send throws EBUSY (what killed notebook 5's cells)", async () => {
    const { pub, sub } = await pair();
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
    expect(threw).toEqual({ at: 513, code: "EBUSY" });
  });

  it("patched, 2,000 synchronous sends all arrive, in order", async () => {
    expect(queueSends(zmq.Socket)).toBe(true);
    expect(queueSends(zmq.Socket)).toBe(false); // once only
    const { pub, sub } = await pair();
    const got: string[] = [];
    try {
      for (let i = 0; i < 2000; i++) pub.send([`m${i}`]);
      const deadline = Date.now() + 20_000;
      while (got.length < 2000 && Date.now() < deadline) {
        const [m] = (await sub.receive()) as Buffer[];
        got.push(m.toString());
      }
    } finally {
      pub.close();
      sub.close();
    }
    expect(got.length).toBe(2000);
    expect(got.every((m, i) => m === `m${i}`)).toBe(true);
  }, 30_000);
});

void path;
