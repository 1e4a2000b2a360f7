/**
 * The folders a submission runs in.
 *
 * - The library image (once per grader process): a *copy* of the built library (`dist/` without
 *   source maps and declarations) and of the runtime packages it loads, as `node_modules/`. A copy,
 *   never a link: a symlink would lead the sandbox back into the checkout (`dist/..` is the answer key).
 * - The submission folder (once per submission): the student's modules, transpiled, and an empty
 *   work folder.
 *
 * Both are world-readable (the sandbox runs as an unprivileged user) and are removed when grading
 * ends. Folders left by a grader that was killed are removed by the next run (`cleanStale`).
 *
 * @example
 * const lib = libraryImage(packageRoot());
 * const box = makeSandbox("exercises", lib);
 * // ... grade ...
 * box.cleanup();
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A created submission folder. */
export interface Sandbox {
  /** Holds student/ and work/. */
  dir: string;
  studentDir: string;
  workDir: string;
  /** The library image it uses (its node_modules folder). */
  modulesDir: string;
  /** Student files copied (as found in the target folder). */
  files: string[];
  /** The student's sources, by file name (for compiling). */
  sources: Map<string, string>;
  cleanup(): void;
}

/** Largest student file graded (bytes). */
export const MAX_FILE_BYTES = 2_000_000;
const PREFIXES = ["gradwork-sandbox-", "gradwork-submission-"];
/** Packages of the library that only notebooks use: never copied into a sandbox. */
const NOTEBOOK_ONLY = new Set(["gradwork", "tslab", "plotly.js-dist-min", "plotly.js-cartesian-dist-min", "@viz-js/viz"]);

/**
 * A temporary folder named after this process, so a later run can tell it was left behind.
 *
 * @example
 * const dir = tempDir("gradwork-submission-");
 */
export function tempDir(prefix: string): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}${process.pid}-`)));
}

/**
 * Remove `gradwork-sandbox-*` / `gradwork-submission-*` folders whose grader process is gone
 * (a grader killed with SIGKILL cannot clean up after itself). Returns the folders removed.
 *
 * @example
 * cleanStale(); // ["/tmp/gradwork-sandbox-4242-abc123"]
 */
export function cleanStale(tmp = os.tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return removed;
  }
  for (const n of names) {
    const prefix = PREFIXES.find((p) => n.startsWith(p));
    if (!prefix) continue;
    const full = path.join(tmp, n);
    const pid = Number(/^(\d+)-/.exec(n.slice(prefix.length))?.[1]);
    let stale: boolean;
    if (pid > 0) stale = pid !== process.pid && !alive(pid);
    else {
      // An older grader's folder (no pid in its name): stale after a day.
      try {
        stale = Date.now() - fs.statSync(full).mtimeMs > 86_400_000;
      } catch {
        stale = false;
      }
    }
    if (!stale) continue;
    try {
      fs.rmSync(full, { recursive: true, force: true });
      removed.push(full);
    } catch {
      /* someone else's, or already gone */
    }
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function copyTree(from: string, to: string, keep: (name: string) => boolean): void {
  fs.mkdirSync(to, { recursive: true, mode: 0o755 });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    const st = fs.statSync(src); // follows links: the copy holds files, never links
    if (st.isDirectory()) {
      if (e.name !== "node_modules" || keep(e.name)) copyTree(src, dst, keep);
    } else if (st.isFile() && keep(e.name)) {
      fs.copyFileSync(src, dst);
      fs.chmodSync(dst, 0o644);
    }
  }
}

/** Folders of the runtime packages the library needs, with their own dependencies. */
function runtimePackages(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (from: string, names: string[]) => {
    for (const name of names) {
      if (NOTEBOOK_ONLY.has(name) || out.has(name)) continue;
      let dir: string;
      try {
        dir = path.dirname(require.resolve(`${name}/package.json`, { paths: [from] }));
      } catch {
        const guess = path.join(root, "node_modules", name);
        if (!fs.existsSync(path.join(guess, "package.json"))) continue;
        dir = guess;
      }
      dir = fs.realpathSync(dir);
      if (!path.relative(dir, root).startsWith("..")) continue; // the root itself, or above it: never
      out.set(name, dir);
      const pj = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      visit(dir, Object.keys(pj.dependencies ?? {}));
    }
  };
  const pj = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  visit(root, Object.keys(pj.dependencies ?? {}));
  return out;
}

let image: { root: string; dir: string; modulesDir: string } | null = null;

/**
 * The read-only library image shared by every sandbox of this process: `<dir>/node_modules/gradwork/dist`
 * (a copy) and the runtime packages. Made once; removed at exit.
 *
 * @example
 * libraryImage(packageRoot()).modulesDir; // "/tmp/gradwork-sandbox-123-lib/node_modules"
 */
export function libraryImage(root: string): { dir: string; modulesDir: string } {
  if (image && image.root === root && fs.existsSync(image.modulesDir)) return image;
  const dist = path.join(root, "dist");
  if (!fs.existsSync(path.join(dist, "index.js"))) throw new Error(`the library is not built: ${dist}/index.js is missing (run "npm run build")`);
  const dir = tempDir("gradwork-sandbox-");
  fs.chmodSync(dir, 0o755);
  const modulesDir = path.join(dir, "node_modules");
  const pkg = path.join(modulesDir, "gradwork");
  copyTree(fs.realpathSync(dist), path.join(pkg, "dist"), (n) => !n.endsWith(".map") && !n.endsWith(".d.ts") && !n.endsWith(".ts"));
  fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "gradwork", main: "dist/index.js" }));
  for (const [name, from] of runtimePackages(root)) copyTree(from, path.join(modulesDir, name), (n) => !n.endsWith(".map") && !n.endsWith(".d.ts") && !n.endsWith(".md"));
  for (let d = path.dirname(pkg); d.startsWith(dir); d = path.dirname(d)) fs.chmodSync(d, 0o755);
  image = { root, dir, modulesDir };
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return image;
}

/**
 * Create a submission folder holding the `.ts`/`.js` modules found directly in `target` (as given:
 * they are compiled before they run, see compile.ts).
 *
 * @example
 * makeSandbox("/tmp/unzipped-submission", libraryImage(packageRoot()));
 */
export function makeSandbox(target: string, lib: { modulesDir: string }): Sandbox {
  if (!fs.existsSync(target) || !fs.statSync(target).isDirectory()) throw new Error(`target folder not found: ${target}`);
  const dir = tempDir("gradwork-submission-");
  fs.chmodSync(dir, 0o755);
  const studentDir = path.join(dir, "student");
  const workDir = path.join(dir, "work");
  fs.mkdirSync(studentDir, { mode: 0o755 });
  fs.mkdirSync(workDir, { mode: 0o777 });
  fs.chmodSync(workDir, 0o777); // the unprivileged sandbox user may write here (fallback levels only)
  // The library image, where the student's `import "gradwork"` finds it (a link to a copy, not to the checkout).
  fs.symlinkSync(lib.modulesDir, path.join(dir, "node_modules"), "dir");
  const files: string[] = [];
  const sources = new Map<string, string>();
  for (const name of fs.readdirSync(target).sort()) {
    if (!/^[\w.-]+\.(ts|js)$/.test(name) || name.endsWith(".d.ts")) continue;
    const full = path.join(target, name);
    const st = fs.statSync(full);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) continue;
    sources.set(name, fs.readFileSync(full, "utf8"));
    files.push(name);
  }
  return { dir, studentDir, workDir, modulesDir: lib.modulesDir, files, sources, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
