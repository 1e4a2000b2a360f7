// The SIMD elementwise runs (ReLU, its backward, + − × ÷) that the cpu backend uses on tensors in
// its shared-memory heap: bit-identical to the reference backend, special values included, for
// stretch lengths that are not multiples of 4, broadcast operands and 1–3 threads.
import { afterAll, describe, it } from "vitest";
import type { BinaryOp, UnaryOp, View } from "../../../lib/backend/backend";
import { referenceBackend } from "../../../lib/backend/reference";
import { cpuBackend, getNumThreads, setNumThreads } from "../../../lib/backend/cpu";
import { expectIdentical, rng, view } from "./helpers";

const initialThreads = getNumThreads();
afterAll(() => setNumThreads(initialThreads));

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38, 1, -1];

/** Heap storage (from the cpu backend) filled with random values and a sprinkling of special ones. */
function heapArray(n: number, seed: number): Float32Array {
  const a = cpuBackend.alloc(n, true);
  const r = rng(seed);
  for (let i = 0; i < n; i++) a[i] = r() * 4;
  for (let i = 0; i < n; i += 97) a[i] = SPECIAL[(i / 97 + seed) % SPECIAL.length];
  return a;
}


/** Rows of an odd length (not a multiple of 4), enough elements for the threaded path. */
const ROWS = 97, COLS = 1031;
const N = ROWS * COLS;

describe.each([1, 2, 3])("SIMD elementwise on heap tensors, %i thread(s)", (threads) => {
  it.each(["relu", "copy", "exp"] as UnaryOp[])("unary %s", (op) => {
    setNumThreads(threads);
    const x = heapArray(N + 5, 1);
    const v = view(x, [ROWS, COLS], [COLS, 1], 5); // offset 5: stretches start unaligned
    const got = cpuBackend.alloc(N, true), want = new Float32Array(N);
    cpuBackend.unary(op, v, got);
    referenceBackend.unary(op, v, want);
    expectIdentical(got, want, op);
  });

  const layouts: [string, (b: Float32Array) => View][] = [
    ["same shape", (b) => view(b, [ROWS, COLS], [COLS, 1])],
    ["a broadcast scalar", (b) => view(b, [ROWS, COLS], [0, 0], 3)],
    ["a broadcast row", (b) => view(b, [ROWS, COLS], [0, 1])],
    ["a broadcast column", (b) => view(b, [ROWS, COLS], [1, 0])],
    ["a transposed view (no SIMD)", (b) => view(b, [ROWS, COLS], [1, ROWS])],
  ];
  const ops: BinaryOp[] = ["add", "sub", "mul", "div", "reluBackward", "maximum"];
  for (const [layout, makeB] of layouts) {
    it.each(ops)(`binary %s with ${layout}`, (op) => {
      setNumThreads(threads);
      const a = heapArray(N, 2), b = heapArray(N, 3);
      const av = view(a, [ROWS, COLS], [COLS, 1]), bv = makeB(b);
      const got = cpuBackend.alloc(N, true), want = new Float32Array(N);
      cpuBackend.binary(op, av, bv, got);
      referenceBackend.binary(op, av, bv, want);
      expectIdentical(got, want, `${op} (${layout})`);
      // operands swapped: the broadcast one first
      const got2 = cpuBackend.alloc(N, true), want2 = new Float32Array(N);
      cpuBackend.binary(op, bv, av, got2);
      referenceBackend.binary(op, bv, av, want2);
      expectIdentical(got2, want2, `${op} (${layout}, swapped)`);
    });
  }

  it("an in-place update (out is the first operand) gives the reference's result", () => {
    setNumThreads(threads);
    const a = heapArray(N, 4), b = heapArray(N, 5);
    const want = new Float32Array(N);
    referenceBackend.binary("add", view(Float32Array.from(a), [N], [1]), view(b, [N], [1]), want);
    cpuBackend.binary("add", view(a, [N], [1]), view(b, [N], [1]), a);
    expectIdentical(a, want, "in-place add");
  });
});
