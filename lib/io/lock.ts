// A lock file so that two processes do not work on the same folder at once (for example two
// notebooks downloading CIFAR-10 into one data folder). The holder writes its host, pid and start
// time into the file with an exclusive create, and touches it every few seconds while it works.
// A lock is taken over when it is provably abandoned: its holder was on this host and its pid no
// longer runs, or it has not been touched for `staleMs` (a holder on another machine sharing the
// folder, or a frozen one).
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from "node:fs";
import { hostname } from "node:os";

export interface LockOptions {
  /** Give up waiting after this long (default 1 hour; a CIFAR-10 download can take a while). */
  timeoutMs?: number;
  /** A lock not touched for this long is abandoned (default 60 s; the holder touches it every 5 s). */
  staleMs?: number;
  /** Called once when another process holds the lock and we start waiting. */
  onWait?: (holder: string) => void;
}

const HOST = hostname();

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

function describeHolder(text: string): string {
  try {
    const h = JSON.parse(text) as { host: string; pid: number; since: string };
    return `pid ${h.pid} on ${h.host}, since ${h.since}`;
  } catch {
    return "a process that is still writing the lock file";
  }
}

/** True when the lock content `text` (last touched at `mtimeMs`) belongs to a holder that is gone. */
function abandoned(text: string, mtimeMs: number, staleMs: number): boolean {
  if (Date.now() - mtimeMs > staleMs) return true;
  try {
    const h = JSON.parse(text) as { host: string; pid: number };
    return h.host === HOST && h.pid !== process.pid && !processExists(h.pid);
  } catch {
    return false; // half-written by a live creator: give it until staleMs
  }
}

/** Remove an abandoned lock, unless someone replaced it meanwhile (then it is put back). */
function breakLock(path: string, seen: string): void {
  const aside = `${path}.broken.${process.pid}.${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else broke it first
  }
  let now = "";
  try {
    now = readFileSync(aside, "utf8");
  } catch {
    // vanished: nothing to restore
  }
  if (now !== seen) {
    try {
      linkSync(aside, path); // a fresh lock we moved by mistake: restore it unless a newer one exists
    } catch {
      // a newer lock is in place; ours was superseded anyway
    }
  }
  rmSync(aside, { force: true });
}

/**
 * Run `fn` while holding the lock file `path`; waits (polling) while another live process holds
 * it, takes over an abandoned one, and always releases it afterwards.
 *
 * @example
 * await withLock("data/cifar10/.cifar10.lock", async () => { ... });
 */
export async function withLock<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60 * 60 * 1000;
  const staleMs = opts.staleMs ?? 60_000;
  const start = Date.now();
  let waited = false;
  const me = JSON.stringify({ host: HOST, pid: process.pid, since: new Date().toISOString() });
  for (;;) {
    try {
      const fd = openSync(path, "wx");
      try {
        writeSync(fd, me);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let text = "";
    let mtimeMs = Date.now();
    try {
      text = readFileSync(path, "utf8");
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      continue; // released between our create and read: try again at once
    }
    if (abandoned(text, mtimeMs, staleMs)) {
      breakLock(path, text);
      continue;
    }
    if (!waited) {
      waited = true;
      opts.onWait?.(describeHolder(text));
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for the lock ${path} (held by ${describeHolder(text)}); delete it if no other process is working there`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const touch = setInterval(() => {
    try {
      const t = new Date();
      utimesSync(path, t, t);
    } catch {
      // the folder was removed under us; the work will fail on its own
    }
  }, Math.max(50, Math.min(5000, staleMs / 4)));
  touch.unref();
  try {
    return await fn();
  } finally {
    clearInterval(touch);
    try {
      if (readFileSync(path, "utf8") === me) rmSync(path, { force: true });
    } catch {
      // already gone
    }
  }
}
