/**
 * The gradwork kernel at the protocol level, through jupyter_client as the Notebook uses it:
 * Stop in the cases a student meets (kernel_stop.py), shutdown and restart (kernel_shutdown.py),
 * and Jupyter's own kernel test suite (kernel_suite.py, Debian's python3-jupyter-kernel-test).
 * Skipped without Jupyter, except under CI.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeKernelSpec } from "../../lib/tools/install-kernel";
import { ROOT, canImport, findPython, isCI } from "../../lib/tools/jupyter";
import { ARTIFACTS } from "../../lib/tools/notebook-runner";

const python = findPython(["jupyter_client"]);
const haveSuite = python !== null && canImport(python, ["jupyter_kernel_test"]);
const JUPYTER = path.join(ARTIFACTS, "kernel-test-jupyter");

function runPython(script: string, timeoutSec: number) {
  const env = { ...process.env, JUPYTER_PATH: JUPYTER, PYDEVD_DISABLE_FILE_VALIDATION: "1" };
  return spawnSync(python!, [path.join(__dirname, script)], { cwd: path.join(ROOT, "notebooks"), env, encoding: "utf8", timeout: timeoutSec * 1000 });
}

describe.runIf(python !== null || isCI())("the gradwork kernel (jupyter_client)", () => {
  beforeAll(() => {
    expect(python, "CI is set, so Jupyter (jupyter_client) is required").not.toBeNull();
    expect(fs.existsSync(path.join(ROOT, "dist", "notebook", "kernel", "main.js")), "run `npm run build` first").toBe(true);
    writeKernelSpec(JUPYTER);
  });

  it("Stop ends a synchronous loop after an await, fit keeps the cell and the weights, autograd stays on", () => {
    const r = runPython("kernel_stop.py", 300);
    const last = r.stdout.trim().split("\n").pop() ?? "";
    expect(r.status, `kernel_stop.py failed:\n${r.stderr.slice(-3000)}`).toBe(0);
    const res = JSON.parse(last);
    expect(res.kernel_info).toBe("ok");
    // a synchronous loop of ops after an await: stopped within a second of the click, with a named error
    expect(res.loop_after_await.ename).toBe("InterruptedError");
    expect(res.loop_after_await.stop_to_end).toBeLessThan(1);
    expect(res.after_loop.value).toBe("[true,true]");
    // a stop inside noGrad leaves autograd on
    expect(res.loop_in_nograd.ename).toBe("InterruptedError");
    expect(res.grad_after_nograd.value).toBe("true");
    // fit: the cell ends normally (its values stay defined), history marked interrupted
    expect(res.fit.status).toBe("ok");
    expect(res.fit.stop_to_end).toBeLessThan(1);
    const fit = JSON.parse(res.fit.value);
    expect(fit.interrupted).toBe(true);
    expect(fit.steps).toBeGreaterThan(0);
    expect(JSON.parse(res.after_fit.value)).toEqual({ same: true, steps: fit.steps, grad: true, training: true });
    expect(res.train_again.value).toBe("ok");
  }, 320_000);

  it("shuts down and restarts cleanly: exit code 0, no native error on stderr", () => {
    const r = runPython("kernel_shutdown.py", 300);
    expect(r.status, `kernel_shutdown.py failed:\n${r.stderr.slice(-3000)}`).toBe(0);
    const res = JSON.parse(r.stdout.trim().split("\n").pop() ?? "");
    expect(res).toMatchObject({ cell: "ok", cell_after_restart: "ok", restart_exit: 0, shutdown_exit: 0 });
    // ended by itself, not killed after jupyter_client's wait
    expect(res.restart_seconds).toBeLessThan(res.wait_limit);
    expect(res.shutdown_seconds).toBeLessThan(res.wait_limit);
    // zeromq's native addon aborts the process when a socket outlives its thread (zeromq.js #411)
    expect(r.stderr).not.toMatch(/terminate called|Napi::Error/);
  }, 320_000);

  it.runIf(haveSuite || isCI())("passes Jupyter's kernel test suite (jupyter_kernel_test)", () => {
    expect(haveSuite, "CI is set, so python3-jupyter-kernel-test is required (apt-get install python3-jupyter-kernel-test)").toBe(true);
    const r = runPython("kernel_suite.py", 300);
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out.slice(-4000)).toBe(0);
    expect(out).toMatch(/Ran \d+ tests/);
    expect(out).toMatch(/\nOK/);
  }, 320_000);
});
