// The bench's PyTorch probe (bench/spawn.ts): which BLAS torch runs on, read from the libraries a
// Python process maps. Debian's reference BLAS makes PyTorch's GEMM ~15× slower than OpenBLAS, so
// the bench warns when it finds it.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PYTHON, TORCH_PROBE, blasOf } from "../../bench/spawn";

describe("blasOf", () => {
  it("names OpenBLAS, MKL, BLIS and ATLAS, and flags Debian's reference libblas3", () => {
    expect(blasOf(["/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3", "/usr/lib/x86_64-linux-gnu/libopenblas.so.0"])).toEqual({ name: "OpenBLAS", reference: false });
    expect(blasOf(["/opt/intel/lib/libmkl_rt.so.2"])).toEqual({ name: "MKL", reference: false });
    expect(blasOf(["/usr/lib/x86_64-linux-gnu/blis-openmp/libblas.so.3"])).toEqual({ name: "BLIS", reference: false });
    expect(blasOf(["/usr/lib/x86_64-linux-gnu/atlas/libblas.so.3"])).toEqual({ name: "ATLAS", reference: false });
    expect(blasOf(["/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"])).toEqual({ name: "reference BLAS (libblas3)", reference: true });
    expect(blasOf([])).toEqual({ name: "unknown BLAS", reference: false });
  });

  it("the probe runs where PyTorch is installed and reports a BLAS (skipped without PyTorch: never needed by the tests)", () => {
    const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
    if (r.status !== 0) return;
    const p = spawnSync(PYTHON, ["-c", TORCH_PROBE], { encoding: "utf8", timeout: 60_000 });
    expect(p.status, p.stderr).toBe(0);
    const [version, libs] = p.stdout.split("\n");
    expect(version).toMatch(/^\d+\.\d+/);
    expect(blasOf(libs.split(";").filter(Boolean)).name, libs).not.toBe("unknown BLAS");
  });
});
