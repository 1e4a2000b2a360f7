/**
 * The Gradescope autograder bundle: `setup.sh` (installs Node 24 LTS, bubblewrap and the package on Gradescope's Ubuntu
 * image, and downloads CIFAR-10 for task 5.4), `run_autograder` (grades /autograder/submission into /autograder/results/results.json) and
 * the sources they need (built dist/, public task tests, optional hidden tests). The reference
 * solutions are never included.
 *
 * @example
 * writeAutograderZip(packageRoot(), "autograder.zip", { hiddenTests: "instructor/hidden" });
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as Fflate from "fflate";

/** fflate, loaded on first use (the library re-exports the grader; loading it must stay cheap). */
function fflate(): typeof Fflate {
  return require("fflate") as typeof Fflate;
}

/** setup.sh: run once by Gradescope when the autograder image is built. */
export const SETUP_SH = `#!/usr/bin/env bash
# Gradescope image setup for the gradwork autograder (Ubuntu). Installs Node.js 24 (the current LTS) from
# NodeSource when the image has no Node >= 24, bubblewrap and util-linux (the sandbox: bwrap where the
# container allows namespaces, else setpriv to an unprivileged uid), then the package's locked
# dependencies (no install scripts: dist/ is prebuilt).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends ca-certificates curl gnupg bubblewrap util-linux
major=0
if command -v node >/dev/null 2>&1; then major="$(node -p 'process.versions.node.split(".")[0]')"; fi
if [ "$major" -lt 24 ]; then
  curl -fsSL https://deb.nodesource.com/setup_24.x | bash -
  apt-get install -y nodejs
fi
cd /autograder/source
npm ci --ignore-scripts --no-audit --no-fund
node -e 'require("./dist/index.js"); require("typescript"); console.log("gradwork autograder ready")'
# Task 5.4 grades on a CIFAR-10 subset read from data/cifar10 (without it: a synthetic stand-in, noted in the output).
node -e 'require("./dist/index.js").data.cifar10.download({ root: "data/cifar10", progress: false }).then(() => console.log("CIFAR-10 ready in data/cifar10"))' \
  || echo "CIFAR-10 could not be downloaded: task 5.4 will be graded on synthetic data"
`;

/** run_autograder: run by Gradescope for every submission. AUTOGRADER_ROOT overrides /autograder (local tests). */
export const RUN_AUTOGRADER = `#!/usr/bin/env bash
# Grade /autograder/submission and write /autograder/results/results.json.
# Set AUTOGRADER_ROOT to use another root (e.g. a local folder laid out like Gradescope's).
set -uo pipefail
ROOT="\${AUTOGRADER_ROOT:-/autograder}"
SRC="$ROOT/source"
mkdir -p "$ROOT/results"
extra=()
if [ -d "$SRC/hidden-tests" ]; then extra=(--tests "$SRC/hidden-tests"); fi
cd "$SRC"
# The strongest isolation this container allows (bubblewrap where namespaces are permitted, else an
# unprivileged uid); results.json says which one graded the submission.
if ! node dist/grader/cli.js --submission-dir "$ROOT/submission" "\${extra[@]}" --no-require-isolation --out "$ROOT/results/results.json"; then
  if [ ! -s "$ROOT/results/results.json" ]; then
    printf '%s\\n' '{"score":0,"execution_time":0,"output":"The autograder failed before it could grade this submission; please contact the course staff.","tests":[]}' > "$ROOT/results/results.json"
  fi
fi
`;

function addTree(entries: Record<string, Uint8Array>, dir: string, prefix: string, filter: (rel: string) => boolean = () => true): void {
  for (const n of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, n);
    const rel = `${prefix}/${n}`;
    const st = fs.statSync(full);
    if (st.isDirectory()) addTree(entries, full, rel, filter);
    else if (st.isFile() && filter(rel)) entries[rel] = fs.readFileSync(full);
  }
}

/**
 * Write the Gradescope bundle; returns the list of entries.
 *
 * @example
 * writeAutograderZip("/path/to/gradwork", "autograder.zip");
 */
export function writeAutograderZip(root: string, outFile: string, opts: { hiddenTests?: string } = {}): string[] {
  if (!fs.existsSync(path.join(root, "dist", "grader", "cli.js"))) throw new Error(`${root}/dist/grader/cli.js is missing: run "npm run build" first`);
  const entries: Record<string, Uint8Array> = {};
  const exec = { "setup.sh": SETUP_SH, run_autograder: RUN_AUTOGRADER };
  for (const [n, text] of Object.entries(exec)) entries[n] = fflate().strToU8(text);
  for (const f of ["package.json", "package-lock.json"]) if (fs.existsSync(path.join(root, f))) entries[f] = fs.readFileSync(path.join(root, f));
  addTree(entries, path.join(root, "dist"), "dist", (rel) => !rel.endsWith(".map"));
  addTree(entries, path.join(root, "test", "tasks"), "test/tasks");
  if (opts.hiddenTests) addTree(entries, path.resolve(opts.hiddenTests), "hidden-tests");
  // Unix mode bits so that Gradescope can execute the two scripts.
  const zipped = fflate().zipSync(
    Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, k in exec ? [v, { os: 3, attrs: 0o100755 << 16 }] : v])) as any,
    { level: 6 },
  );
  fs.writeFileSync(outFile, zipped);
  return Object.keys(entries);
}
