import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KERNEL_MAIN, kernelSpec, writeKernelSpec } from "../../lib/tools/install-kernel";
import { ROOT, isCI, pythonCandidates } from "../../lib/tools/jupyter";
import { describeFailure, inspectExecuted } from "../../lib/tools/notebook-runner";
import { notebookTimeout } from "../../lib/tools/run-notebooks";
import { startCpuLoad } from "../../lib/tools/cpu-load";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("Jupyter discovery", () => {
  it("uses GRADWORK_PYTHON alone when set", () => {
    process.env.GRADWORK_PYTHON = "/opt/py/bin/python3";
    expect(pythonCandidates()).toEqual(["/opt/py/bin/python3"]);
  });

  it("tries Debian's interpreter and the usual names otherwise", () => {
    delete process.env.GRADWORK_PYTHON;
    expect(pythonCandidates()).toEqual(expect.arrayContaining(["/usr/bin/python3", "python3", "python"]));
  });

  it("reads CI the way CI services set it", () => {
    for (const [value, expected] of [["true", true], ["1", true], ["false", false], ["0", false], ["", false]] as const) {
      process.env.CI = value;
      expect(isCI(), `CI=${value}`).toBe(expected);
    }
  });
});

describe("kernel spec", () => {
  it("starts this checkout's gradwork kernel with absolute paths and Stop as a message", () => {
    const spec = kernelSpec("/opt/node/bin/node");
    const argv = spec.argv as string[];
    expect(argv).toEqual(["/opt/node/bin/node", KERNEL_MAIN, "--config-path", "{connection_file}"]);
    expect(KERNEL_MAIN).toBe(path.join(ROOT, "dist", "notebook", "kernel", "main.js"));
    expect(spec.display_name).toBe("TypeScript (gradwork)");
    expect(spec.interrupt_mode).toBe("message");
    expect((spec.metadata as Record<string, string>).gradwork_root).toBe(ROOT);
  });

  it("writes the spec into a Jupyter data folder for JUPYTER_PATH", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-spec-"));
    try {
      const specDir = writeKernelSpec(dir, "/x/node");
      expect(specDir).toBe(path.join(dir, "kernels", "gradwork"));
      expect(JSON.parse(fs.readFileSync(path.join(specDir, "kernel.json"), "utf8")).argv[0]).toBe("/x/node");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every notebook declares the gradwork kernel", () => {
    const dir = path.join(ROOT, "notebooks");
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".ipynb"))) {
      const nb = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
      expect(nb.metadata.kernelspec, f).toEqual({ display_name: "TypeScript (gradwork)", language: "typescript", name: "gradwork" });
    }
  });

  it("installing the package registers nothing: no lifecycle script runs the kernel install", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    for (const hook of ["preinstall", "install", "postinstall", "prepare", "prepack", "postpack"]) {
      expect(pkg.scripts[hook] ?? "", hook).not.toMatch(/install-kernel|kernel:install|tslab install/);
    }
  });
});

describe("notebook runner", () => {
  it("takes the timeout from --timeout, then the environment, then the mode", () => {
    delete process.env.GRADWORK_NOTEBOOK_TIMEOUT;
    process.env.GRADWORK_QUICK = "1";
    expect(notebookTimeout([])).toBe(600);
    process.env.GRADWORK_NOTEBOOK_TIMEOUT = "90";
    expect(notebookTimeout([])).toBe(90);
    expect(notebookTimeout(["--timeout=30"])).toBe(30);
    expect(() => notebookTimeout(["--timeout=soon"])).toThrow(/positive number of seconds, got "soon"/);
  });

  it("finds failed cells (marked by the nbconvert hook) with their stderr, and the slowest cells", () => {
    const nb = {
      cells: [
        { cell_type: "markdown", source: "# title", metadata: {} },
        {
          cell_type: "code", source: ["const a = 1;"], outputs: [],
          metadata: { execution: { "iopub.status.busy": "2026-01-01T00:00:00.000Z", "iopub.status.idle": "2026-01-01T00:00:02.500Z" } },
        },
        {
          cell_type: "code", source: "b.foo()",
          metadata: { gradwork_error: true },
          outputs: [{ output_type: "stream", name: "stderr", text: ["1:1 - Cannot find name 'b'.\n"] }],
        },
      ],
    };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gw-nb-")), "x.ipynb");
    fs.writeFileSync(file, JSON.stringify(nb));
    const { errors, slowest } = inspectExecuted(file);
    expect(errors).toEqual([{ cell: 3, source: "b.foo()", output: "1:1 - Cannot find name 'b'." }]);
    expect(slowest).toEqual(["cell 2: 2.5 s"]);
    const text = describeFailure({ name: "x", seconds: 1, errors, slowest });
    expect(text).toContain("x: cell 3 failed");
    expect(text).toContain("Cannot find name 'b'");
    expect(describeFailure({ name: "ok", seconds: 1, errors: [], slowest: [] })).toBe("");
  });
});

describe("CPU load beside the notebooks", () => {
  it("starts busy threads that keep a core busy and stop on request", async () => {
    expect(() => startCpuLoad(0)).toThrow(/positive integer/);
    const load = startCpuLoad(1);
    const t0 = process.cpuUsage();
    // the main thread sleeps: CPU time it sees is the worker's (polled, as a busy machine is slow)
    let ms = 0;
    for (let i = 0; i < 200 && ms < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const used = process.cpuUsage(t0);
      ms = (used.user + used.system) / 1000;
    }
    await load.stop();
    expect(ms).toBeGreaterThanOrEqual(50);
  });
});
