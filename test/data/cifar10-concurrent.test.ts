// Two processes downloading CIFAR-10 into one folder (issue 18 item 4): the second waits for the
// first (a lock file) and then both succeed; a deleted batch file is repaired (item 5).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { download, isComplete, LOCK, MARKER } from "../../lib/data/cifar10/download";
import { load } from "../../lib/data/cifar10/load";
import { withLock } from "../../lib/io/lock";
import { labelOf, removeTempDirs, tempDir, writeArchive } from "./cifar-fixture";

const repo = resolve(__dirname, "../..");

/** A server that sends the archive slowly (10 pieces, 80 ms apart), so two downloads overlap. */
async function slowServer(body: Buffer) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.headers.range ?? "");
    res.writeHead(200, { "Content-Length": body.length });
    const step = Math.ceil(body.length / 10);
    let at = 0;
    const next = () => {
      if (at >= body.length) return void res.end();
      res.write(body.subarray(at, at + step));
      at += step;
      setTimeout(next, 80);
    };
    next();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/cifar-10-binary.tar.gz`, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Run download() in a separate Node process; resolves with its exit code and output. */
function downloadInChild(root: string, url: string, md5: string): Promise<{ code: number | null; out: string }> {
  const script = `
    const { download } = require(${JSON.stringify(join(repo, "lib/data/cifar10/download.ts"))});
    download({ root: ${JSON.stringify(root)}, url: ${JSON.stringify(url)}, md5: ${JSON.stringify(md5)}, progress: false, retries: 0 })
      .then((r) => console.log("RESULT " + JSON.stringify({ skipped: r.skipped })), (e) => { console.log("ERROR " + e.message); process.exit(1); });`;
  return new Promise((res) => {
    const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { cwd: repo });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => res({ code, out }));
  });
}

describe("cifar10.download across processes", () => {
  let archive: Awaited<ReturnType<typeof writeArchive>>;
  let server: Awaited<ReturnType<typeof slowServer>>;
  beforeAll(async () => {
    archive = await writeArchive(3, 2);
    server = await slowServer(archive.bytes);
  });
  afterAll(async () => {
    await server.close();
    removeTempDirs();
  });

  it("two processes downloading into one folder both succeed; the archive is fetched once", async () => {
    for (let trial = 0; trial < 2; trial++) {
      const root = tempDir();
      server.requests.length = 0;
      const [a, b] = await Promise.all([downloadInChild(root, server.url, archive.md5), downloadInChild(root, server.url, archive.md5)]);
      expect(a.code, a.out).toBe(0);
      expect(b.code, b.out).toBe(0);
      const skipped = [a, b].map((r) => JSON.parse(/RESULT (.*)/.exec(r.out)![1]).skipped).sort();
      expect(skipped).toEqual([false, true]); // one did the work, the other waited and found it done
      expect(server.requests).toHaveLength(1);
      expect(existsSync(join(root, LOCK))).toBe(false);
      expect(readdirSync(root).filter((n) => n.endsWith(".part") || n.startsWith(".extract"))).toEqual([]);
      const ds = load({ root, split: "train" });
      expect(ds.length).toBe(15);
      expect(ds.labels[14]).toBe(labelOf(14));
    }
  }, 60_000);

  it("a deleted or truncated batch file is repaired from the kept archive (the marker alone is not trusted)", async () => {
    const root = tempDir();
    await download({ root, url: server.url, md5: archive.md5, progress: false });
    server.requests.length = 0;
    const batch = join(root, "cifar-10-batches-bin", "data_batch_3.bin");
    rmSync(batch);
    expect(existsSync(join(root, MARKER))).toBe(true);
    expect(isComplete(root, archive.md5)).toBe(false);
    const again = await download({ root, url: server.url, md5: archive.md5, progress: false });
    expect(again.skipped).toBe(false);
    expect(server.requests).toHaveLength(0); // re-extracted from the verified archive kept in root
    expect(load({ root, split: "train" }).length).toBe(15);
    truncateSync(join(root, "cifar-10-batches-bin", "test_batch.bin"), 100);
    expect((await download({ root, url: server.url, md5: archive.md5, progress: false })).skipped).toBe(false);
    expect(load({ root, split: "test" }).length).toBe(2);
    expect((await download({ root, url: server.url, md5: archive.md5, progress: false })).skipped).toBe(true);
  });

  it("a lock left by a dead process is taken over; a live holder is waited for", async () => {
    const root = tempDir();
    const lock = join(root, "x.lock");
    writeFileSync(lock, JSON.stringify({ host: require("node:os").hostname(), pid: 2 ** 22 + 12345, since: "then" }));
    expect(await withLock(lock, async () => "ran")).toBe("ran");
    expect(existsSync(lock)).toBe(false);
    // a live holder: the second caller runs only after the first releases
    const order: string[] = [];
    let waitedFor = "";
    const first = withLock(lock, async () => {
      order.push("first start");
      await new Promise((r) => setTimeout(r, 300));
      order.push("first end");
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = withLock(lock, async () => void order.push("second"), { onWait: (h) => (waitedFor = h) });
    await Promise.all([first, second]);
    expect(order).toEqual(["first start", "first end", "second"]);
    expect(waitedFor).toMatch(new RegExp(`pid ${process.pid} on `));
    // an abandoned lock from another machine: taken over once it is older than staleMs
    writeFileSync(lock, JSON.stringify({ host: "elsewhere", pid: 1, since: "then" }));
    const t0 = Date.now();
    await withLock(lock, async () => undefined, { staleMs: 300 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });
});
