/**
 * `npm start`: opens the workbook (notebooks/) in JupyterLab, or in the classic Notebook when
 * JupyterLab is not installed, with the TypeScript kernel registered first.
 * Extra arguments go to Jupyter: `npm start -- --port 9999 --no-browser`.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { installKernel } from "./install-kernel";
import { INSTALL_HINT, ROOT, findPython } from "./jupyter";

/** Which front end to run and with which interpreter, or null when Jupyter is missing. */
export function chooseFrontEnd(): { python: string; module: "jupyterlab" | "notebook"; name: string } | null {
  const lab = findPython(["jupyterlab"]);
  if (lab) return { python: lab, module: "jupyterlab", name: "JupyterLab" };
  const nb = findPython(["notebook"]);
  if (nb) return { python: nb, module: "notebook", name: "Jupyter Notebook" };
  return null;
}

function main(): void {
  const notebooks = path.join(ROOT, "notebooks");
  if (!fs.existsSync(path.join(ROOT, "dist", "index.js"))) {
    console.error("gradwork: the library is not built (dist/index.js is missing). Run `npm install` or `npm run build` first.");
    process.exit(1);
  }
  const front = chooseFrontEnd();
  if (!front) {
    console.error(`gradwork: neither JupyterLab nor Jupyter Notebook was found.\n${INSTALL_HINT}`);
    process.exit(1);
  }
  const kernel = installKernel();
  console.log(`gradwork: ${kernel.message}`);
  if (!kernel.ok) process.exit(1);

  const args = process.argv.slice(2);
  if (typeof process.getuid === "function" && process.getuid() === 0 && !args.includes("--allow-root")) {
    console.log("gradwork: running as root, so passing --allow-root to Jupyter.");
    args.push("--allow-root");
  }
  console.log(`gradwork: opening ${notebooks} in ${front.name} (stop it with Ctrl-C).`);
  const child = spawn(front.python, ["-m", front.module, ...args], { cwd: notebooks, stdio: "inherit" });
  // Ctrl-C reaches Jupyter too (same process group); let Jupyter decide when to stop.
  const ignore = () => {};
  process.on("SIGINT", ignore);
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  child.on("error", (e) => {
    console.error(`gradwork: could not start ${front.name}: ${e.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (require.main === module) main();
