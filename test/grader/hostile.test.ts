/**
 * Hostile submissions (test/grader/hostile/<case>/): each is graded on chapter 1 and must get the score
 * in its expected.json, with the expected message, without crashing the grader, within a bounded time,
 * touching nothing outside the sandbox, under the strongest isolation the machine has (bubblewrap in CI).
 */
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const root = path.resolve(__dirname, "..", "..");
const cli = path.join(root, "dist", "grader", "cli.js");
const casesDir = path.join(__dirname, "hostile");
const cases = fs.readdirSync(casesDir).filter((n) => fs.existsSync(path.join(casesDir, n, "expected.json"))).sort();

interface Expected {
  score: number;
  /** Points of the graded tests (default 15: chapter 1). */
  maxScore?: number;
  messages?: Record<string, string>;
  absent?: string;
  /** Text the top-level output must contain. */
  output?: string;
  maxSeconds?: number;
  /** Extra CLI arguments (paths relative to the repository). */
  args?: string[];
  /** Start TCP, Unix-socket and UDP servers and fill their addresses into the submission. */
  network?: boolean;
}

const bwrapHere = ["/usr/bin/bwrap", "/bin/bwrap"].some((f) => fs.existsSync(f));

describe("hostile submissions", () => {
  it("has the cases the brief lists", () => {
    for (const c of ["infinite-loop", "process-exit", "throw-non-error", "monkey-patch", "write-results", "read-secrets"]) expect(cases).toContain(c);
    // issue 13's cases
    for (const c of ["escape-symlink", "signal-parent", "network", "heap-snapshot", "ipc-garbage", "ipc-bomb", "ipc-nesting", "deep-nesting", "syntax-error", "type-error", "forge-ipc"]) expect(cases).toContain(c);
  });

  it.each(cases)("%s gets the score it deserves", async (name) => {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first`);
    const expected: Expected = JSON.parse(fs.readFileSync(path.join(casesDir, name, "expected.json"), "utf8"));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gw-hostile-"));
    const work = path.join(tmp, "run");
    fs.mkdirSync(work);
    const out = path.join(work, "results.json");
    const servers = expected.network ? await listen(tmp) : null;
    try {
      let target = path.join(casesDir, name);
      if (servers) {
        target = path.join(tmp, "submission");
        fs.mkdirSync(target);
        for (const f of fs.readdirSync(path.join(casesDir, name))) {
          const text = fs.readFileSync(path.join(casesDir, name, f), "utf8");
          fs.writeFileSync(path.join(target, f), text.replace("__TCP_PORT__", String(servers.tcp)).replace("__UDP_PORT__", String(servers.udp)).replace("__UNIX_PATH__", servers.unix));
        }
      }
      await check(expected, target, work, out);
      if (servers) {
        await new Promise((r) => setTimeout(r, 300));
        expect(servers.heard, "what the servers received").toEqual([]);
      }
    } finally {
      servers?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 400_000);
});

/** A TCP server, a Unix-socket server and a UDP socket that record anything they receive. */
async function listen(dir: string) {
  const heard: string[] = [];
  const tcpServer = net.createServer((s) => {
    heard.push("tcp connection");
    s.on("data", (d) => heard.push(`tcp: ${d}`));
  });
  const unix = path.join(dir, "leak.sock");
  const unixServer = net.createServer((s) => {
    heard.push("unix connection");
    s.on("data", (d) => heard.push(`unix: ${d}`));
  });
  const udp = dgram.createSocket("udp4");
  udp.on("message", (m) => heard.push(`udp: ${m}`));
  await new Promise<void>((r) => tcpServer.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => unixServer.listen(unix, r));
  fs.chmodSync(unix, 0o777);
  fs.chmodSync(dir, 0o755);
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", r));
  return {
    heard,
    unix,
    tcp: (tcpServer.address() as net.AddressInfo).port,
    udp: udp.address().port,
    close() {
      tcpServer.close();
      unixServer.close();
      udp.close();
    },
  };
}

/** Grade `target` into `out` and compare with its expected.json. */
async function check(expected: Expected, target: string, tmp: string, out: string): Promise<void> {
  const t0 = Date.now();
  const extra = (expected.args ?? []).map((a) => (a.includes("/") && fs.existsSync(path.join(root, a)) ? path.join(root, a) : a));
  const { stdout } = await promisify(execFile)(process.execPath, [cli, "--target", target, "--task", "1", "--timeout", "2", "--memory", "256", "--out", out, "--json", ...extra], {
    cwd: tmp,
    encoding: "utf8",
    timeout: 200_000,
    maxBuffer: 64 << 20,
  });
  const seconds = (Date.now() - t0) / 1000;
  const printed = JSON.parse(stdout);
  const written = JSON.parse(fs.readFileSync(out, "utf8"));
  // results.json is the grader's, whatever the submission tried to write or print.
  expect(written).toEqual(printed);
  expect(written.tests.reduce((a: number, t: any) => a + t.max_score, 0)).toBe(expected.maxScore ?? 15);
  expect(written.score).toBe(expected.score);
  if (bwrapHere || process.env.CI) expect(written.extra_data.isolation.level).toBe("bubblewrap");
  if (expected.output) expect(written.output).toContain(expected.output);
  expect(seconds, "results.json within a bounded time").toBeLessThan(expected.maxSeconds ?? 150);
  expect(written.tests.reduce((a: number, t: any) => a + t.score, 0)).toBe(expected.score);
  for (const [task, text] of Object.entries(expected.messages ?? {})) {
    const outputs = written.tests.filter((t: any) => t.number.startsWith(task + ".") || t.number === task).filter((t: any) => t.score === 0).map((t: any) => t.output);
    expect(outputs.length, `a failed test of task ${task}`).toBeGreaterThan(0);
    expect(outputs.some((o: string) => o.includes(text)), `a message of task ${task} mentions "${text}": ${outputs[0]}`).toBe(true);
  }
  if (expected.absent) expect(JSON.stringify(written)).not.toContain(expected.absent);
  if (expected.maxSeconds) expect(seconds).toBeLessThan(expected.maxSeconds);
  // Nothing the submission tried to write landed outside the grader's own file.
  expect(fs.readdirSync(tmp)).toEqual(["results.json"]);
  expect(fs.existsSync(path.join(root, "results.json")) && fs.readFileSync(path.join(root, "results.json"), "utf8").includes("1000")).toBe(false);
}
