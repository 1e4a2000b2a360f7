// Every tensor op against PyTorch's output and gradients (fixtures: test/fixtures/golden/*.json).
import { describe, it, expect } from "vitest";
import { loadFixture, type TensorSpec } from "../fixtures/golden";
import { checkCase } from "./run-case";
import { BACKENDS, hasBackend, useBackend } from "./backends";

const FILES = ["elementwise", "reductions", "matmul", "shape", "losses", "layers"];

describe.each(BACKENDS)("golden ops on the %s backend", (backend) => {
  describe.skipIf(!hasBackend(backend))(backend, () => {
    useBackend(backend);
    for (const file of FILES) {
      describe(file, () => {
        for (const c of loadFixture(file).cases) {
          it(`${c.name}  [${c.call}]`, () => checkCase(c));
        }
      });
    }
  });
});

// The checker itself must be able to fail: perturb one expected value at a time.
describe("golden checker", () => {
  const base = loadFixture("matmul").cases[0];
  const perturb = (spec: TensorSpec, i: number): TensorSpec => {
    const data = [...(spec.data as number[])];
    data[i] += 1e-3 + 1e-3 * Math.abs(data[i]);
    return { ...spec, data };
  };
  it("rejects a wrong output value", () => {
    expect(() => checkCase({ ...base, output: perturb(base.output, 3) })).toThrow(/output: 1 of 15 values differ/);
  });
  it("rejects a wrong gradient value", () => {
    const grads = [base.grads[0], perturb(base.grads[1]!, 0)];
    expect(() => checkCase({ ...base, grads })).toThrow(/grad of input 1/);
  });
  it("rejects a wrong shape", () => {
    expect(() => checkCase({ ...base, output: { shape: [5, 3], data: base.output.data } })).toThrow(/shape \[3,5\] but PyTorch gives \[5,3\]/);
  });
});
