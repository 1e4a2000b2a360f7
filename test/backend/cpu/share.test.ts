// How the cpu backend sizes itself (lib/backend/cpu/share.ts): thread count and heap limit follow
// the CPU and memory this process may use — cgroup v2 cpu.max / memory.max (or v1 quotas), CPU
// affinity — and GRADWORK_THREADS above the supported maximum is clamped with a warning.
// Real limits: a child under `taskset`, and (when this machine lets root create cgroup v1 or v2
// children with the cpu and memory controllers) a child inside a cgroup. Fake cgroup files (via
// GRADWORK_CGROUP_ROOT and GRADWORK_PROC_CGROUP) check the parsing of both versions everywhere.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ARGS, BOOTED, GEN, MAX_THREADS } from "../../../lib/backend/cpu/threads/control";
import { cgroupLimits, parseProcCgroup } from "../../../lib/backend/cpu/share";

const root = resolve(__dirname, "../../..");
const MiB = 2 ** 20;
const fake = mkdtempSync(join(tmpdir(), "gw-cgroup-"));
afterAll(() => rmSync(fake, { recursive: true, force: true }));

/** Write `files` (path → content) under a fresh fake cgroup root; returns its folder. */
function fakeRoot(name: string, files: Record<string, string>): string {
  const dir = join(fake, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

interface Info {
  threads: number;
  threadsSource: string;
  spinMs: number;
  heapLimitBytes: number;
  heapSource: string;
  details: string[];
  cpus: number;
  memoryBytes: number;
  ok: boolean;
}

/** Run a child that starts the backend (unless `compute` is false, a matmul checked against a plain loop) and prints cpuBackendInfo(). */
function childInfo(env: Record<string, string>, prefix: string[] = [], compute = true): { info: Info; stderr: string } {
  const script = `
    const gw = require(${JSON.stringify(join(root, "dist/index.js"))});
    let ok = false;
    if (${compute}) {
      const n = 96, a = gw.tensor(Float32Array.from({ length: n * n }, (_, i) => Math.sin(i)), { shape: [n, n] });
      const c = gw.matmul(a, a).toFloat32Array(), x = a.toFloat32Array();
      ok = true;
      for (let i = 0; i < n && ok; i += 7) for (let j = 0; j < n; j += 5) {
        let s = 0; for (let k = 0; k < n; k++) s += x[i * n + k] * x[k * n + j];
        if (Math.abs(s - c[i * n + j]) > 1e-3) ok = false;
      }
    }
    console.log(JSON.stringify({ ...gw.cpuBackendInfo(), ok }));`;
  const cmd = [...prefix, process.execPath, "-e", script];
  const r = spawnSync(cmd[0], cmd.slice(1), { env: { ...process.env, GRADWORK_THREADS: "", GRADWORK_HEAP_MB: "", ...env }, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return { info: JSON.parse(r.stdout.trim().split("\n").pop()!), stderr: r.stderr };
}

describe("reading cgroup limits (fake cgroup files)", () => {
  it("parses /proc/self/cgroup for v2 and v1 hierarchies", () => {
    const m = parseProcCgroup("12:memory:/user/7\n4:cpu,cpuacct:/user/7\n0::/user.slice/u-7.scope\n");
    expect(m.get("")).toBe("/user.slice/u-7.scope");
    expect(m.get("memory")).toBe("/user/7");
    expect(m.get("cpu,cpuacct")).toBe("/user/7");
  });

  it("v2: takes the tightest cpu.max and memory.max of the cgroup and its ancestors", () => {
    const dir = fakeRoot("v2", {
      "self.cgroup": "0::/hub/alice\n",
      "cpu.max": "max 100000\n",
      "hub/cpu.max": "400000 100000\n", // 4 CPUs for the whole hub
      "hub/memory.max": "8589934592\n",
      "hub/alice/cpu.max": "200000 100000\n", // 2 CPUs for alice
      "hub/alice/memory.max": "max\n",
    });
    const l = cgroupLimits(dir, join(dir, "self.cgroup"));
    expect(l.cpus?.value).toBe(2);
    expect(l.cpus?.file).toBe(join(dir, "hub/alice/cpu.max"));
    expect(l.memory?.value).toBe(8 * 2 ** 30);
    expect(l.memory?.file).toBe(join(dir, "hub/memory.max"));
  });

  it("v1: reads cpu.cfs_quota_us / cpu.cfs_period_us and memory.limit_in_bytes; no limit is no limit", () => {
    const dir = fakeRoot("v1", {
      "self.cgroup": "5:memory:/u1\n3:cpu,cpuacct:/u1\n0::/\n",
      "cpu,cpuacct/u1/cpu.cfs_quota_us": "250000\n",
      "cpu,cpuacct/u1/cpu.cfs_period_us": "100000\n",
      "cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
      "cpu,cpuacct/cpu.cfs_period_us": "100000\n",
      "memory/u1/memory.limit_in_bytes": "1073741824\n",
      "memory/memory.limit_in_bytes": "9223372036854771712\n",
    });
    const l = cgroupLimits(dir, join(dir, "self.cgroup"));
    expect(l.cpus?.value).toBe(2.5);
    expect(l.memory?.value).toBe(2 ** 30);
    const none = fakeRoot("none", { "self.cgroup": "0::/\n", "cpu.max": "max 100000\n", "memory.max": "max\n" });
    expect(cgroupLimits(none, join(none, "self.cgroup"))).toEqual({ cpus: null, memory: null });
  });

  it("sizes a child's backend from fake v2 limits and says so in cpuBackendInfo()", () => {
    const dir = fakeRoot("v2child", { "self.cgroup": "0::/k\n", "k/cpu.max": "150000 100000\n", "k/memory.max": String(1024 * MiB) });
    const { info } = childInfo({ GRADWORK_CGROUP_ROOT: dir, GRADWORK_PROC_CGROUP: join(dir, "self.cgroup") });
    expect(info.ok).toBe(true);
    expect(info.threads).toBe(1); // 1.5 CPUs round down
    expect(info.threadsSource).toBe("cgroup");
    expect(info.heapLimitBytes).toBe(256 * MiB); // a quarter of 1 GiB
    expect(info.heapSource).toBe("cgroup");
    expect(info.details.join(" ")).toContain(join(dir, "k/memory.max"));
  });
});

describe("real limits", () => {
  const hasTaskset = spawnSync("taskset", ["-c", "0", "true"]).status === 0;
  it.runIf(hasTaskset)("under taskset -c 0 a child runs 1 thread, from its CPU affinity", () => {
    const { info } = childInfo({}, ["taskset", "-c", "0"]);
    expect(info.ok).toBe(true);
    expect(info.threads).toBe(1);
    expect(info.threadsSource).toBe(availableParallelism() > 1 ? "affinity" : "machine");
    expect(info.heapSource).toMatch(/machine|cgroup/);
  });

  it("without limits, the machine's cores and a quarter of its memory (at most 1 GiB)", () => {
    const { info } = childInfo({ GRADWORK_CGROUP_ROOT: join(fake, "nothing"), GRADWORK_PROC_CGROUP: join(fake, "nothing") });
    expect(info.threads).toBe(Math.min(MAX_THREADS, availableParallelism()));
    expect(info.heapLimitBytes).toBe(Math.min(2 ** 30, Math.max(64 * MiB, Math.floor(totalmem() / 4 / MiB) * MiB)));
    expect(info.heapSource).toBe("machine");
  });

  // a real cgroup: v2 when the root hierarchy delegates cpu and memory, else v1 (hybrid machines)
  const v2 = "/sys/fs/cgroup";
  const v2ok = existsSync(join(v2, "cgroup.subtree_control")) && /\bcpu\b/.test(readSafe(join(v2, "cgroup.subtree_control"))) && /\bmemory\b/.test(readSafe(join(v2, "cgroup.subtree_control")));
  const v1ok = existsSync("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") && existsSync("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  const canCreate = process.getuid?.() === 0 && (v2ok || v1ok);
  it.runIf(canCreate)(`inside a real cgroup (${v2ok ? "v2" : "v1"}) of 1 CPU and 768 MiB a child runs 1 thread and a 192 MiB heap`, () => {
    const name = `gradwork-test-${process.pid}`;
    const dirs = v2ok ? [join(v2, name)] : [join("/sys/fs/cgroup/cpu", name), join("/sys/fs/cgroup/memory", name)];
    for (const d of dirs) mkdirSync(d);
    try {
      if (v2ok) {
        writeFileSync(join(dirs[0], "cpu.max"), "100000 100000");
        writeFileSync(join(dirs[0], "memory.max"), String(768 * MiB));
      } else {
        writeFileSync(join(dirs[0], "cpu.cfs_period_us"), "100000");
        writeFileSync(join(dirs[0], "cpu.cfs_quota_us"), "100000");
        writeFileSync(join(dirs[1], "memory.limit_in_bytes"), String(768 * MiB));
      }
      const enter = dirs.map((d) => `echo $$ > ${d}/cgroup.procs`).join("; ");
      const { info } = childInfo({}, ["sh", "-c", `${enter}; exec "$0" "$@"`]);
      expect(info.ok).toBe(true);
      if (availableParallelism() > 1) {
        expect(info.threads).toBe(1);
        expect(info.threadsSource).toBe("cgroup");
      }
      expect(info.heapLimitBytes).toBe(192 * MiB);
      expect(info.heapSource).toBe("cgroup");
    } finally {
      for (const d of dirs) rmdirSync(d);
    }
  });
});

describe("GRADWORK_THREADS", () => {
  it("fits the control block: every worker's slots (GEN + id, BOOTED + id) stay below the job arguments", () => {
    // 120 threads overlapped GEN with BOOTED (a stall), 130 overlapped BOOTED with ARGS (wrong products)
    expect(GEN + MAX_THREADS - 1).toBeLessThan(BOOTED);
    expect(BOOTED + MAX_THREADS - 1).toBeLessThan(ARGS);
  });

  it("above the supported maximum is clamped to it with a clear warning", () => {
    // (no kernel runs: 112 worker threads would take a minute on a small, busy machine)
    const { info, stderr } = childInfo({ GRADWORK_THREADS: String(MAX_THREADS + 18) }, [], false);
    expect(info.threads).toBe(MAX_THREADS);
    expect(stderr).toContain(`GRADWORK_THREADS="${MAX_THREADS + 18}" is above the most this backend supports (${MAX_THREADS})`);
  });

  it("that is not a positive integer falls back to the CPU share with a warning", () => {
    const { info, stderr } = childInfo({ GRADWORK_THREADS: "lots", GRADWORK_CGROUP_ROOT: join(fake, "nothing"), GRADWORK_PROC_CGROUP: join(fake, "nothing") });
    expect(info.threads).toBe(Math.min(MAX_THREADS, availableParallelism()));
    expect(stderr).toContain(`GRADWORK_THREADS="lots" is not a positive integer`);
  });

  it("within range wins over the cgroup and is reported as the source", () => {
    const dir = fakeRoot("v2env", { "self.cgroup": "0::/\n", "cpu.max": "100000 100000\n" });
    const { info } = childInfo({ GRADWORK_THREADS: "2", GRADWORK_CGROUP_ROOT: dir, GRADWORK_PROC_CGROUP: join(dir, "self.cgroup") });
    expect(info.threads).toBe(2);
    expect(info.threadsSource).toBe("GRADWORK_THREADS");
  });
});

describe("GRADWORK_SPIN_MS", () => {
  it("sets how long waiting threads busy-wait; a bad value warns and keeps the default of 2 ms", () => {
    // the default is 2 ms, or 0 while other work waits for this machine's CPUs (tests run in parallel)
    const auto = childInfo({ GRADWORK_SPIN_MS: "" }).info;
    expect([0, 2]).toContain(auto.spinMs);
    expect(auto.details.join(" ")).toContain("busy-wait 2 ms before sleeping, none while other work waits for the CPUs");
    const half = childInfo({ GRADWORK_SPIN_MS: "0.5" }).info;
    expect(half.spinMs).toBe(0.5);
    expect(half.details.join(" ")).toContain("GRADWORK_SPIN_MS=0.5");
    const zero = childInfo({ GRADWORK_SPIN_MS: "0", GRADWORK_THREADS: "2" });
    expect(zero.info.spinMs).toBe(0);
    expect(zero.info.ok, "kernels still right with no spin").toBe(true);
    for (const bad of ["soon", "-1", "5000"]) {
      const { info, stderr } = childInfo({ GRADWORK_SPIN_MS: bad });
      expect([0, 2]).toContain(info.spinMs);
      expect(stderr).toContain(`GRADWORK_SPIN_MS="${bad}" is not a number of milliseconds between 0 and 1000; using 2`);
    }
  });
});

function readSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
