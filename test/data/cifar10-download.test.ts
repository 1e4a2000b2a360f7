import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { download, MARKER } from "../../lib/data/cifar10/download";
import { load } from "../../lib/data/cifar10/load";
import { MIRROR, resolveSource } from "../../lib/data/cifar10/source";
import { findPackageRoot } from "../../lib/paths";
import { labelOf, pixel, removeTempDirs, tempDir, writeArchive } from "./cifar-fixture";

/** A server for one archive. `cutNext` makes the next response stop halfway and drop the connection. */
interface Server {
  url: string;
  requests: { range?: string }[];
  cutNext: number;
  honourRange: boolean;
  status: number;
  close(): Promise<void>;
}

async function serve(body: Buffer): Promise<Server> {
  const state = { requests: [] as { range?: string }[], cutNext: 0, honourRange: true, status: 200 };
  const server = http.createServer((req, res) => {
    state.requests.push({ range: req.headers.range });
    if (state.status !== 200) {
      res.writeHead(state.status).end("nope");
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (m && state.honourRange) start = Number(m[1]);
    const headers: http.OutgoingHttpHeaders = { "Content-Length": body.length - start, "Accept-Ranges": "bytes" };
    if (start > 0) headers["Content-Range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    const part = body.subarray(start);
    if (state.cutNext > 0) {
      state.cutNext--;
      res.write(part.subarray(0, Math.floor(part.length / 2)), () => setTimeout(() => req.socket.destroy(), 20));
      return;
    }
    res.end(part);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/cifar-10-binary.tar.gz`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}

/** Nothing under root that looks complete: no marker, no batches, no archive, no temp folder. */
function expectNothingComplete(root: string): void {
  expect(existsSync(join(root, MARKER))).toBe(false);
  expect(existsSync(join(root, "cifar-10-batches-bin"))).toBe(false);
  expect(existsSync(join(root, "cifar-10-binary.tar.gz"))).toBe(false);
  if (existsSync(root)) expect(readdirSync(root).filter((f) => f.startsWith(".extract"))).toEqual([]);
}

function expectLoadable(root: string): void {
  const ds = load({ root, split: "train" });
  expect(ds.length).toBe(15);
  expect(ds.labels[9]).toBe(labelOf(9));
  expect(ds.images[9 * 3072 + 1024 + 32 * 2 + 5]).toBe(pixel(9, 1, 2, 5));
}

describe("cifar10.download", () => {
  let archive: { path: string; md5: string; bytes: Buffer };
  let server: Server;

  beforeAll(async () => {
    archive = await writeArchive(3, 4);
    server = await serve(archive.bytes);
  });
  afterAll(async () => {
    await server.close();
    removeTempDirs();
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.cutNext = 0;
    server.honourRange = true;
    server.status = 200;
  });

  it("downloads over HTTP, verifies, extracts, and a second call does no work", async () => {
    const root = tempDir();
    const seen: number[] = [];
    const first = await download({ root, url: server.url, md5: archive.md5, progress: false, onProgress: (p) => p.phase === "download" && seen.push(p.bytes) });
    expect(first.skipped).toBe(false);
    expect(server.requests).toHaveLength(1);
    expect(seen[seen.length - 1]).toBe(archive.bytes.length);
    expect(readFileSync(join(root, MARKER), "utf8").trim()).toBe(archive.md5);
    expect(readFileSync(join(root, "cifar-10-binary.tar.gz")).equals(archive.bytes)).toBe(true);
    expectLoadable(root);

    const second = await download({ root, url: server.url, md5: archive.md5, progress: false });
    expect(second.skipped).toBe(true);
    expect(server.requests).toHaveLength(1); // the server saw no new request
  });

  it("resumes with a Range request after the server drops the connection halfway", async () => {
    const root = tempDir();
    server.cutNext = 1;
    await expect(download({ root, url: server.url, md5: archive.md5, progress: false, retries: 0 })).rejects.toThrow(
      /connection closed after \d+ of \d+ bytes.*next call resumes/,
    );
    const part = join(root, "cifar-10-binary.tar.gz.part");
    expect(existsSync(part)).toBe(true);
    const have = readFileSync(part).length;
    expect(have).toBeGreaterThan(0);
    expect(have).toBeLessThan(archive.bytes.length);
    expectNothingComplete(root);

    const result = await download({ root, url: server.url, md5: archive.md5, progress: false, retries: 0 });
    expect(result.skipped).toBe(false);
    expect(server.requests[1].range).toBe(`bytes=${have}-`);
    expect(existsSync(part)).toBe(false);
    expectLoadable(root);
  });

  it("restarts cleanly when the server ignores Range", async () => {
    const root = tempDir();
    server.cutNext = 1;
    server.honourRange = false;
    await expect(download({ root, url: server.url, md5: archive.md5, progress: false, retries: 0 })).rejects.toThrow(/connection closed/);
    await download({ root, url: server.url, md5: archive.md5, progress: false, retries: 0 });
    expect(readFileSync(join(root, "cifar-10-binary.tar.gz")).equals(archive.bytes)).toBe(true);
    expectLoadable(root);
  });

  it("retries (resuming) within one call", async () => {
    const root = tempDir();
    server.cutNext = 2;
    await download({ root, url: server.url, md5: archive.md5, progress: false, retries: 3 });
    expect(server.requests).toHaveLength(3);
    expect(server.requests[2].range).toMatch(/^bytes=\d+-$/);
    expectLoadable(root);
  });

  it("rejects a wrong MD5 and leaves nothing that looks complete", async () => {
    const root = tempDir();
    const wrong = "0123456789abcdef0123456789abcdef";
    await expect(download({ root, url: server.url, md5: wrong, progress: false })).rejects.toThrow(
      new RegExp(`MD5 mismatch .*got ${archive.md5}, expected ${wrong}`),
    );
    expectNothingComplete(root);
    expect(existsSync(join(root, "cifar-10-binary.tar.gz.part"))).toBe(false);
    // and a later call with the right MD5 starts from scratch and succeeds
    await download({ root, url: server.url, md5: archive.md5, progress: false });
    expectLoadable(root);
  });

  it("reports an HTTP error status clearly", async () => {
    server.status = 404;
    const root = tempDir();
    await expect(download({ root, url: server.url, md5: archive.md5, progress: false })).rejects.toThrow(/HTTP 404/);
    expectNothingComplete(root);
  });

  it("accepts file:// URLs, absolute and relative paths (no copy of the archive)", async () => {
    for (const url of [pathToFileURL(archive.path).href, archive.path, relative(process.cwd(), archive.path)]) {
      const root = tempDir();
      const r = await download({ root, url, md5: archive.md5, progress: false });
      expect(r.skipped).toBe(false);
      expect(existsSync(join(root, "cifar-10-binary.tar.gz"))).toBe(false);
      expectLoadable(root);
      expect((await download({ root, url, md5: archive.md5, progress: false })).skipped).toBe(true);
    }
  });

  it("rejects a local archive with the wrong MD5 and a missing one", async () => {
    const root = tempDir();
    await expect(download({ root, url: archive.path, md5: "f".repeat(32), progress: false })).rejects.toThrow(/MD5 mismatch/);
    expectNothingComplete(root);
    await expect(download({ root, url: join(root, "nope.tar.gz"), md5: archive.md5, progress: false })).rejects.toThrow(/archive not found: .*nope\.tar\.gz/);
  });

  it("re-extracts when the marker is for another archive", async () => {
    const root = tempDir();
    await download({ root, url: archive.path, md5: archive.md5, progress: false });
    const other = await writeArchive(4, 4);
    await download({ root, url: other.path, md5: other.md5, progress: false });
    expect(load({ root }).length).toBe(20);
    expect(readFileSync(join(root, MARKER), "utf8").trim()).toBe(other.md5);
  });
});

describe("cifar10 sources", () => {
  it("uses GRADWORK_CIFAR10_URL / _MD5, and an .md5 file beside a local archive", () => {
    const saved = { url: process.env.GRADWORK_CIFAR10_URL, md5: process.env.GRADWORK_CIFAR10_MD5 };
    try {
      process.env.GRADWORK_CIFAR10_URL = "http://example.invalid/c.tar.gz";
      process.env.GRADWORK_CIFAR10_MD5 = "a".repeat(32);
      expect(resolveSource()).toEqual({ url: "http://example.invalid/c.tar.gz", md5: "a".repeat(32) });
      delete process.env.GRADWORK_CIFAR10_MD5;
      expect(() => resolveSource()).toThrow(/no md5 given for http:\/\/example\.invalid/);
    } finally {
      if (saved.url === undefined) delete process.env.GRADWORK_CIFAR10_URL;
      else process.env.GRADWORK_CIFAR10_URL = saved.url;
      if (saved.md5 !== undefined) process.env.GRADWORK_CIFAR10_MD5 = saved.md5;
    }
    expect(resolveSource("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz").md5).toBe("c32a1d4ab5d03f1284b67883e8d87530");
    expect(() => resolveSource("x.tar.gz", "zz")).toThrow(/not 32 hex digits/);
  });

  it("points MIRROR at ../shared/cifar10 when it exists", () => {
    const shared = join(findPackageRoot()!, "..", "shared", "cifar10", "cifar-10-binary.tar.gz");
    if (existsSync(shared)) {
      expect(MIRROR?.url).toBe(shared);
      expect(MIRROR?.md5).toBe(readFileSync(`${shared}.md5`, "utf8").slice(0, 32));
      expect(resolveSource(shared).md5).toBe(MIRROR?.md5);
    } else {
      expect(MIRROR).toBeUndefined();
    }
  });
});
