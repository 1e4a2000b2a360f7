// Downloading one URL into a `.part` file, resuming with an HTTP Range request when part of it
// is already there, and following redirects. The caller renames the file once it is verified.
import { createWriteStream, existsSync, statSync, truncateSync, unlinkSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";

/** Called with bytes written so far and the expected total (when the server says). */
export type ByteProgress = (bytes: number, total: number | undefined) => void;

function request(url: string, headers: Record<string, string>): Promise<http.IncomingMessage> {
  const lib = url.startsWith("https:") ? https : http;
  return new Promise((resolvePromise, reject) => {
    const req = lib.get(url, { headers }, resolvePromise);
    req.on("error", (err) => reject(new Error(`download ${url}: ${err.message}`)));
    req.setTimeout(60_000, () => req.destroy(new Error("no data for 60 s")));
  });
}

/** Content-Range "bytes 100-199/200" → { start: 100, total: 200 }. */
function parseContentRange(value: string | undefined): { start: number; total?: number } | undefined {
  const m = value && /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(value.trim());
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[2] === "*" ? undefined : Number(m[2]) };
}

/**
 * Fetch `url` into `part`, appending to what is already there when the server honours a Range
 * request, else starting over. Resolves when the server's body was received in full; rejects
 * (leaving `part` for the next attempt) when the connection drops early.
 */
export async function fetchToPart(url: string, part: string, onBytes?: ByteProgress, redirects = 5): Promise<void> {
  const have = existsSync(part) ? statSync(part).size : 0;
  const res = await request(url, have > 0 ? { Range: `bytes=${have}-` } : {});
  const status = res.statusCode ?? 0;

  if (status >= 300 && status < 400 && res.headers.location) {
    res.resume();
    if (redirects <= 0) throw new Error(`download ${url}: too many redirects`);
    return fetchToPart(new URL(res.headers.location, url).toString(), part, onBytes, redirects - 1);
  }
  if (status === 416) {
    // Our partial file is not a prefix the server can continue (e.g. the file changed): restart.
    res.resume();
    unlinkSync(part);
    return fetchToPart(url, part, onBytes, redirects);
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new HttpStatusError(`download ${url}: HTTP ${status} ${res.statusMessage ?? ""}`.trim(), status);
  }

  let start = 0;
  let total: number | undefined;
  const length = res.headers["content-length"] !== undefined ? Number(res.headers["content-length"]) : undefined;
  if (status === 206) {
    const range = parseContentRange(res.headers["content-range"]);
    if (!range || range.start !== have) {
      res.resume();
      unlinkSync(part);
      return fetchToPart(url, part, onBytes, redirects);
    }
    start = have;
    total = range.total ?? (length !== undefined ? have + length : undefined);
  } else {
    total = length;
    if (have > 0) truncateSync(part, 0); // the server ignored Range: start over cleanly
  }

  const out = createWriteStream(part, { flags: start > 0 ? "a" : "w" });
  let received = start;
  await new Promise<void>((resolvePromise, reject) => {
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      res.destroy();
      out.end(() => reject(err));
    };
    res.on("data", (chunk: Buffer) => {
      received += chunk.length;
      onBytes?.(received, total);
      if (!out.write(chunk)) {
        res.pause();
        out.once("drain", () => res.resume());
      }
    });
    res.on("aborted", () => fail(new Error(`download ${url}: connection closed after ${received} of ${total ?? "?"} bytes`)));
    res.on("error", (err) => fail(new Error(`download ${url}: ${err.message} after ${received} of ${total ?? "?"} bytes`)));
    out.on("error", (err) => fail(new Error(`writing ${part}: ${err.message}`)));
    let ended = false;
    res.on("close", () => {
      if (!ended) fail(new Error(`download ${url}: connection closed after ${received} of ${total ?? "?"} bytes`));
    });
    res.on("end", () => {
      ended = true;
      if (failed) return;
      if (total !== undefined && received !== total) {
        fail(new Error(`download ${url}: connection closed after ${received} of ${total} bytes`));
        return;
      }
      out.end(() => resolvePromise());
    });
  });
}

/** A non-retryable HTTP status (404, 403…). */
export class HttpStatusError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = "HttpStatusError";
  }
}
