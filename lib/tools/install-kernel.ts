/**
 * Registers the tslab TypeScript kernel with Jupyter (`npm run kernel:install`; also run after
 * `npm install`). Never fails the install: without Jupyter it prints how to get it and exits 0.
 *
 * The kernel spec names node and tslab by absolute path, so the kernel starts even when Jupyter
 * is launched from a place where `node` or `tslab` are not on PATH.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { INSTALL_HINT, ROOT, findPython } from "./jupyter";
import { ensureSelfLink } from "./link-self";

export const KERNEL_NAME = "tslab";

export interface InstallResult {
  ok: boolean;
  /** The Python whose Jupyter got the kernel. */
  python?: string;
  /** Where the kernel spec was written. */
  specDir?: string;
  message: string;
}

/** The kernel.json that starts this project's tslab. */
export function kernelSpec(): Record<string, unknown> {
  const tslab = path.join(ROOT, "node_modules", "tslab", "bin", "tslab");
  return {
    argv: [process.execPath, tslab, "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript",
    language: "typescript",
  };
}

const INSTALL_PY = `
import os, sys
from jupyter_client.kernelspec import KernelSpecManager
source, name = sys.argv[1], sys.argv[2]
is_root = hasattr(os, "geteuid") and os.geteuid() == 0
print(KernelSpecManager().install_kernel_spec(source, name, user=not is_root))
`;

/**
 * Finds a Python with jupyter_client and installs the kernel spec with it.
 * @example installKernel().ok // true when Jupyter can now start TypeScript notebooks
 */
export function installKernel(): InstallResult {
  ensureSelfLink(ROOT); // notebooks import "gradwork": node_modules/gradwork -> the checkout
  const tslab = path.join(ROOT, "node_modules", "tslab", "bin", "tslab");
  if (!fs.existsSync(tslab)) {
    return { ok: false, message: `tslab is not installed at ${tslab}: run \`npm install\` first.` };
  }
  const python = findPython(["jupyter_client"]);
  if (!python) {
    return { ok: false, message: `No Python with Jupyter (jupyter_client) was found, so the TypeScript kernel is not registered.\n${INSTALL_HINT}` };
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradwork-kernel-"));
  try {
    const specSource = path.join(tmp, KERNEL_NAME);
    fs.mkdirSync(specSource);
    fs.writeFileSync(path.join(specSource, "kernel.json"), JSON.stringify(kernelSpec(), null, 2));
    const r = spawnSync(python, ["-c", INSTALL_PY, specSource, KERNEL_NAME], { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) {
      return { ok: false, python, message: `Registering the kernel with ${python} failed:\n${(r.stderr || r.stdout || String(r.error)).trim()}` };
    }
    const specDir = r.stdout.trim().split("\n").pop() ?? "";
    return { ok: true, python, specDir, message: `Registered the TypeScript kernel "${KERNEL_NAME}" with ${python} in ${specDir}` };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    const r = installKernel();
    (r.ok ? console.log : console.warn)(`gradwork: ${r.message}`);
  } catch (e) {
    console.warn(`gradwork: could not register the Jupyter kernel: ${(e as Error).message}`);
  }
  process.exitCode = 0;
}
