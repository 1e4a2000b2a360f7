/**
 * The temporary folder a submission runs in: the student's modules (transpiled) and a link to the
 * built library, nothing else. The child may read only this folder and the library's dist/.
 *
 * @example
 * const box = makeSandbox("exercises", repoRoot());
 * // ... grade ...
 * box.cleanup();
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { transpile } from "./loader";

/** A created sandbox. */
export interface Sandbox {
  dir: string;
  studentDir: string;
  workDir: string;
  /** Student files copied (as found in the target folder). */
  files: string[];
  cleanup(): void;
}

const MAX_FILE_BYTES = 2_000_000;

/** The repository (or installed package) root: the folder holding package.json named "gradwork". */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, "utf8")).name === "gradwork" && fs.existsSync(path.join(dir, "lib"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  // An installed copy without lib/: the folder above dist/.
  return path.resolve(__dirname, "..", "..");
}

/**
 * Create a sandbox holding the `.ts`/`.js` modules found directly in `target`.
 *
 * @example
 * makeSandbox("/tmp/unzipped-submission", repoRoot());
 */
export function makeSandbox(target: string, root: string): Sandbox {
  if (!fs.existsSync(target) || !fs.statSync(target).isDirectory()) throw new Error(`target folder not found: ${target}`);
  const dist = path.join(root, "dist");
  if (!fs.existsSync(path.join(dist, "index.js"))) throw new Error(`the library is not built: ${dist}/index.js is missing (run "npm run build")`);
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "gradwork-sandbox-")));
  const studentDir = path.join(dir, "student");
  const workDir = path.join(dir, "work");
  fs.mkdirSync(studentDir);
  fs.mkdirSync(workDir);
  const files: string[] = [];
  for (const name of fs.readdirSync(target).sort()) {
    if (!/^[\w.-]+\.(ts|js)$/.test(name) || name.endsWith(".d.ts")) continue;
    const full = path.join(target, name);
    const st = fs.statSync(full);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) continue;
    const js = transpile(fs.readFileSync(full, "utf8"), full);
    fs.writeFileSync(path.join(studentDir, name.replace(/\.ts$/, ".js")), js);
    files.push(name);
  }
  const pkg = path.join(dir, "node_modules", "gradwork");
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "gradwork", main: "dist/index.js" }));
  fs.symlinkSync(fs.realpathSync(dist), path.join(pkg, "dist"), "dir");
  return { dir, studentDir, workDir, files, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
