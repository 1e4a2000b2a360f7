// Every cpu-backend kernel against the reference backend, with 1, 2 and 3 threads; results must
// be bit-identical whatever the thread count.
import { afterAll, describe, expect, it } from "vitest";
import type { Backend, Conv2dParams, GemmArgs, Pool2dParams, View } from "../../../lib/backend/backend";
import { referenceBackend } from "../../../lib/backend/reference";
import { cpuBackend, cpuBackendInfo, getNumThreads, setNumThreads } from "../../../lib/backend/cpu";
import { convParams, expectClose, expectIdentical, randomArray, rng, view } from "./helpers";
import { useWinograd } from "../../../lib/backend/cpu/kernels/winograd";
import { directConvApplies } from "../../../lib/backend/cpu/kernels/conv-direct";

const THREADS = [1, 2, 3];
const initialThreads = getNumThreads();
afterAll(() => setNumThreads(initialThreads));

interface Case {
  name: string;
  /** Run the kernel on `be`, return its outputs. */
  run(be: Backend): (Float32Array | Int32Array)[];
  /** Tolerance against the reference (0: identical). */
  atol: number;
}

const cases: Case[] = [];

// ---------------------------------------------------------------- matmul
const gemmShapes: [number, number, number, number][] = [
  [1, 1, 1, 1], [1, 7, 9, 5], [1, 37, 53, 300], [2, 129, 65, 17], [3, 6, 8, 256], [1, 200, 190, 513], [4, 33, 31, 70],
];
for (const [batch, m, n, k] of gemmShapes)
  for (const transA of [false, true])
    for (const transB of [false, true]) {
      cases.push({
        name: `matmul batch=${batch} ${m}x${k} * ${k}x${n} transA=${transA} transB=${transB}`,
        atol: 1e-6 * k + 1e-5,
        run(be) {
          const a = randomArray(3 + batch * m * k, m * 31 + k), b = randomArray(5 + batch * k * n, n * 17 + k);
          const out = new Float32Array(batch * m * n);
          const g: GemmArgs = { batch, m, n, k, a, aOffset: 3, aBatchStride: m * k, transA, b, bOffset: 5, bBatchStride: k * n, transB, out };
          be.matmul(g);
          return [out];
        },
      });
    }
cases.push({
  name: "matmul with a broadcast (batch stride 0) right operand",
  atol: 1e-4,
  run(be) {
    const batch = 5, m = 64, n = 48, k = 100;
    const a = randomArray(batch * m * k, 1), b = randomArray(k * n, 2), out = new Float32Array(batch * m * n);
    be.matmul({ batch, m, n, k, a, aOffset: 0, aBatchStride: m * k, transA: false, b, bOffset: 0, bBatchStride: 0, transB: false, out });
    return [out];
  },
});

// ---------------------------------------------------------------- convolutions
const convs: [string, Conv2dParams, boolean][] = [
  ["3x3 pad 1 (threaded)", convParams(4, 8, 13, 13, 16, 3, 3, { pad: [1, 1] }), true],
  ["stride 2x1, pad 1x0, dilation 1x2, 2 groups", convParams(3, 6, 11, 9, 4, 3, 2, { groups: 2, stride: [2, 1], pad: [1, 0], dil: [1, 2] }), false],
  ["5x5 stride 2 pad 2 with bias", convParams(2, 3, 16, 16, 10, 5, 5, { stride: [2, 2], pad: [2, 2] }), true],
  ["depthwise 3x3", convParams(2, 8, 20, 20, 8, 3, 3, { groups: 8, pad: [1, 1] }), true],
  ["1x1", convParams(5, 16, 8, 8, 24, 1, 1), true],
  ["K > 256 (32 channels 3x3)", convParams(2, 32, 10, 10, 20, 3, 3, { pad: [1, 1] }), false],
  ["conv1d (h = kh = 1), dilation 2", convParams(3, 4, 1, 50, 6, 1, 5, { pad: [0, 2], dil: [1, 2] }), true],
  ["large image (70x70)", convParams(1, 2, 70, 70, 3, 3, 3, { pad: [1, 1] }), false],
  ["batch 16, 3 groups, stride 3, pad larger than needed", convParams(16, 9, 12, 12, 12, 4, 4, { groups: 3, stride: [3, 3], pad: [3, 3] }), true],
  // eight image chunks of partial sums, added by a job of two tasks (4,608 weight-gradient elements)
  ["batch 16, 32→16 channels 24x24 (partial sums added on the threads)", convParams(16, 32, 24, 24, 16, 3, 3, { pad: [1, 1] }), false],
  // image chunks of 4 images (1,024 positions) and a last one of 3
  ["batch 7 at 16x16 (a short last image chunk)", convParams(7, 16, 16, 16, 32, 3, 3, { pad: [1, 1] }), true],
  // the weight gradient's transposed im2col packs 4 positions at once where they sit on one output
  // row: rows of 7 (quads end mid-row), 5 channels (a part-filled last strip of 45 columns), and
  // 45x45 outputs (reduction blocks of 254 positions, so blocks start off a multiple of 4)
  ["rows of 7, 5 channels (part-filled strip)", convParams(3, 5, 7, 7, 6, 3, 3, { pad: [1, 1] }), true],
  ["45x45 outputs (reduction blocks of 254)", convParams(2, 4, 45, 45, 12, 3, 3, { pad: [1, 1] }), false],
];
for (const [label, p, withBias] of convs) {
  const xSize = p.n * p.c * p.h * p.w, wSize = p.cOut * (p.c / p.groups) * p.kh * p.kw, ySize = p.n * p.cOut * p.outH * p.outW;
  const K = (p.c / p.groups) * p.kh * p.kw, og = p.cOut / p.groups, P = p.outH * p.outW;
  cases.push({
    name: `conv2d ${label}`,
    atol: 1e-6 * K + 1e-5,
    run(be) {
      const out = new Float32Array(ySize);
      be.conv2d(randomArray(xSize, 11), randomArray(wSize, 12), withBias ? randomArray(p.cOut, 13) : null, p, out);
      return [out];
    },
  });
  cases.push({
    name: `conv2d with ReLU ${label}`,
    atol: 1e-6 * K + 1e-5,
    run(be) {
      const out = new Float32Array(ySize);
      be.conv2d(randomArray(xSize, 11), randomArray(wSize, 12), withBias ? randomArray(p.cOut, 13) : null, p, out, true);
      return [out];
    },
  });
  cases.push({
    name: `conv2dBackwardInput ${label}`,
    atol: 1e-6 * og * p.kh * p.kw + 1e-5,
    run(be) {
      const out = new Float32Array(xSize).fill(7); // must be overwritten
      be.conv2dBackwardInput(randomArray(ySize, 14), randomArray(wSize, 15), p, out);
      return [out];
    },
  });
  cases.push({
    name: `conv2dBackwardWeight ${label}`,
    atol: 2e-6 * p.n * P + 1e-5,
    run(be) {
      const out = new Float32Array(wSize).fill(7);
      be.conv2dBackwardWeight(randomArray(xSize, 16), randomArray(ySize, 17), p, out);
      return [out];
    },
  });
}

// ---------------------------------------------------------------- pooling
function poolParams(n: number, c: number, h: number, w: number, k: number, stride: number, pad: number, ceil: boolean, countIncludePad = true): Pool2dParams {
  const size = (x: number) => {
    const span = x + 2 * pad - k;
    let o = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
    if (ceil && (o - 1) * stride >= x + pad) o--; // the last window must start inside the input or left padding
    return o;
  };
  return { n, c, h, w, kh: k, kw: k, strideH: stride, strideW: stride, padH: pad, padW: pad, outH: size(h), outW: size(w), countIncludePad };
}
/** Inputs with many ties (few distinct values) and a NaN. */
function tiedInput(n: number, seed: number): Float32Array {
  const r = rng(seed), x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.round(r() * 2);
  x[Math.floor(n / 3)] = NaN;
  return x;
}
const pools: [string, Pool2dParams][] = [
  ["2x2 stride 2 (threaded)", poolParams(4, 8, 32, 32, 2, 2, 0, false)],
  ["2x2 stride 2 on odd sizes (last row and column dropped)", poolParams(2, 3, 7, 9, 2, 2, 0, false)],
  ["2x2 stride 2, large enough for the threads in wasm, odd output width", poolParams(4, 16, 48, 46, 2, 2, 0, false)],
  ["3x3 stride 2 pad 1 ceil mode (threaded)", poolParams(4, 8, 33, 33, 3, 2, 1, true)],
  ["3x3 stride 1 pad 1, countIncludePad=false", poolParams(2, 3, 7, 9, 3, 1, 1, false, false)],
  ["4x4 stride 3 pad 2 ceil mode, countIncludePad=false (threaded)", poolParams(3, 8, 40, 37, 4, 3, 2, true, false)],
];
for (const [label, p] of pools) {
  const inSize = p.n * p.c * p.h * p.w, outSize = p.n * p.c * p.outH * p.outW;
  for (const mode of ["max", "avg"] as const) {
    cases.push({
      name: `pool2d ${mode} ${label} (forward and backward)`,
      atol: 0,
      run(be) {
        const out = new Float32Array(outSize), idx = mode === "max" ? new Int32Array(outSize) : null;
        be.pool2d(mode, tiedInput(inSize, 21), p, out, idx);
        const dx = new Float32Array(inSize).fill(7);
        be.pool2dBackward(mode, randomArray(outSize, 22), idx, p, dx);
        return idx ? [out, idx, dx] : [out, dx];
      },
    });
  }
}

cases.push({
  name: "pool2d max 2x2 stride 2 with NaNs and infinities in every window position",
  atol: 0,
  run(be) {
    const p = poolParams(2, 4, 16, 18, 2, 2, 0, false), inSize = 2 * 4 * 16 * 18, outSize = 2 * 4 * 8 * 9;
    const x = tiedInput(inSize, 23);
    const specials = [NaN, Infinity, -Infinity];
    for (let i = 0; i < inSize; i += 7) x[i] = specials[(i / 7) % 3];
    const out = new Float32Array(outSize), idx = new Int32Array(outSize), dx = new Float32Array(inSize);
    be.pool2d("max", x, p, out, idx);
    be.pool2dBackward("max", randomArray(outSize, 24), idx, p, dx);
    return [out, idx, dx];
  },
});

// ---------------------------------------------------------------- elementwise
/** Values with negatives, zeros, a NaN and an infinity. */
function specialArray(n: number, seed: number): Float32Array {
  const a = randomArray(n, seed);
  for (let i = 0; i < n; i += 97) a[i] = 0;
  a[5] = NaN;
  a[11] = Infinity;
  return a;
}
const S = [64, 33, 40]; // 84480 elements: threaded
const SMALL = [3, 5, 7];
const numel = (s: number[]) => s.reduce((x, y) => x * y, 1);
const contiguous = (s: number[]) => s.map((_, d) => numel(s.slice(d + 1)));
for (const shape of [S, SMALL]) {
  const N = numel(shape);
  const views = (seed: number) => {
    const [d0, d1, d2] = shape;
    return {
      plain: view(specialArray(N + 4, seed), shape, contiguous(shape), 4),
      bcast: view(specialArray(d1, seed + 1), shape, [0, 1, 0]),
      transposed: view(specialArray(N, seed + 2), shape, [d1, 1, d0 * d1]),
      scalar: view(specialArray(1, seed + 3), shape, [0, 0, 0]),
    };
  };
  for (const op of ["copy", "neg", "exp", "log", "sqrt", "abs", "tanh", "sin", "cos", "sign", "relu"] as const) {
    cases.push({
      name: `unary ${op} on [${shape}] (plain and transposed)`,
      atol: 0,
      run(be) {
        const v = views(31), o1 = new Float32Array(N), o2 = new Float32Array(N);
        be.unary(op, v.plain, o1);
        be.unary(op, v.transposed, o2);
        return [o1, o2];
      },
    });
  }
  for (const op of ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "gt", "lt", "ge", "le", "eq", "ne", "reluBackward"] as const) {
    cases.push({
      name: `binary ${op} on [${shape}] (plain, broadcast, transposed, scalar)`,
      atol: 0,
      run(be) {
        const v = views(41), o1 = new Float32Array(N), o2 = new Float32Array(N), o3 = new Float32Array(N);
        be.binary(op, v.plain, v.bcast, o1);
        be.binary(op, v.transposed, v.plain, o2);
        be.binary(op, v.scalar, v.transposed, o3);
        return [o1, o2, o3];
      },
    });
  }
  cases.push({
    name: `where on [${shape}]`,
    atol: 0,
    run(be) {
      const v = views(51), out = new Float32Array(N);
      be.where(v.transposed, v.plain, v.bcast, out);
      return [out];
    },
  });
}

cases.push({
  name: "copy of 2-D transposed views (tiled path) and an uneven stride",
  atol: 0,
  run(be) {
    const x = specialArray(300 * 201 + 7, 55), o1 = new Float32Array(200 * 300), o2 = new Float32Array(150 * 67);
    be.unary("copy", view(x, [200, 300], [1, 201], 7), o1); // a transpose with padded rows
    be.unary("copy", view(x, [150, 67], [3, 401], 2), o2);
    return [o1, o2];
  },
});

// ---------------------------------------------------------------- reductions, take, scatterAdd
const reduceShapes: [number, number, number][] = [[64, 64, 33], [3, 5000, 1], [1, 100000, 1], [37, 1000, 3], [2, 3, 4], [70000, 2, 1]];
for (const [outer, size, inner] of reduceShapes)
  for (const op of ["sum", "max", "min", "argmax", "argmin"] as const) {
    cases.push({
      name: `reduce ${op} [${outer}, ${size}, ${inner}]`,
      atol: 0,
      run(be) {
        const x = tiedInput(outer * size * inner, 61), out = new Float32Array(outer * inner);
        be.reduce(op, x, outer, size, inner, out);
        return [out];
      },
    });
  }
cases.push({
  name: "take and scatterAdd with repeated indices",
  atol: 0,
  run(be) {
    const x = randomArray(1000, 71), r = rng(72);
    const index = Int32Array.from({ length: 5000 }, () => Math.floor(((r() + 1) / 2) * 1000));
    const taken = new Float32Array(index.length);
    be.take(x, index, taken);
    const acc = randomArray(1000, 73);
    be.scatterAdd(randomArray(index.length, 74), index, acc);
    return [taken, acc];
  },
});

// ---------------------------------------------------------------- the checks
describe("cpu backend kernels vs reference", () => {
  it("runs the WebAssembly kernels (not the fallback)", () => {
    const info = cpuBackendInfo();
    expect(info.fallbackReason).toBeNull();
    expect(info.simd).toBe(true);
  });

  it.each(cases)("$name", (c) => {
    const expected = c.run(referenceBackend);
    let first: (Float32Array | Int32Array)[] | null = null;
    for (const t of THREADS) {
      setNumThreads(t);
      const got = c.run(cpuBackend);
      if (!first) {
        first = got;
        got.forEach((g, i) => {
          if (c.atol === 0) expectIdentical(g, expected[i], `output ${i} vs reference`);
          else expectClose(g as Float32Array, expected[i] as Float32Array, c.atol, 0, `output ${i} vs reference`);
        });
      } else {
        got.forEach((g, i) => expectIdentical(g, first![i], `output ${i} with ${t} threads vs 1 thread`));
      }
    }
  });
});

describe("fused kernels mean what their unfused forms compute", () => {
  const special = [-2, -0, 0, 1e-30, -1e-30, 3, NaN, Infinity, -Infinity];
  it.each([["reference", referenceBackend], ["cpu", cpuBackend]] as const)("reluBackward(g, x) = g · (x > 0) on %s", (_, be) => {
    // every (g, x) pair of special values, then long random runs (the cpu kernel's fast path)
    const g: number[] = [], x: number[] = [];
    for (const a of special) for (const b of special) { g.push(a); x.push(b); }
    const r = rng(81);
    for (let i = 0; i < 3000; i++) { g.push(r()); x.push(r()); }
    const G = Float32Array.from(g), X = Float32Array.from(x), n = G.length;
    const v = (d: Float32Array): View => ({ data: d, offset: 0, shape: [n], strides: [1] });
    const fused = new Float32Array(n), mask = new Float32Array(n), unfused = new Float32Array(n);
    be.binary("reluBackward", v(G), v(X), fused);
    be.binary("gt", v(X), { data: new Float32Array([0]), offset: 0, shape: [n], strides: [0] }, mask);
    be.binary("mul", v(G), v(mask), unfused);
    expectIdentical(fused, unfused, "reluBackward");
    expect(Object.is(fused[special.length * 1 + 0], -0)).toBe(true); // g = -0, x = -2 -> -0 · 0
    expect(Number.isNaN(fused[special.length * 7 + 0])).toBe(true); // g = +Inf, x = -2 -> NaN
  });

  // one geometry per path of the cpu forward: Winograd, im2col + GEMM, the direct kernel
  const reluConvs: [string, Conv2dParams][] = [
    ["Winograd", convParams(3, 16, 20, 20, 24, 3, 3, { pad: [1, 1] })],
    ["im2col", convParams(3, 6, 11, 11, 20, 5, 5, { stride: [2, 2], pad: [2, 2] })],
    ["direct", convParams(3, 5, 10, 12, 3, 3, 3)],
  ];
  it.each(reluConvs)("conv2d with relu = relu of conv2d, bit for bit, on the %s path with 1-3 threads", (path, p) => {
    expect(useWinograd(p, false)).toBe(path === "Winograd");
    expect(directConvApplies(p)).toBe(path === "direct");
    const x = randomArray(p.n * p.c * p.h * p.w, 91), w = randomArray(p.cOut * p.c * p.kh * p.kw, 92), bias = randomArray(p.cOut, 93);
    // special values: NaN and ±Infinity in the input, and a zero image (its outputs are the bias, or
    // zeros without one: all negative weights then leave nothing positive there)
    x[5] = NaN; x[p.c * p.h * p.w + 7] = Infinity; x[p.c * p.h * p.w + 40] = -Infinity;
    x.fill(0, (p.n - 1) * p.c * p.h * p.w);
    const wNeg = w.map((v) => -Math.abs(v) - 0.01);
    for (const t of THREADS) {
      setNumThreads(t);
      for (const [weights, b] of [[w, bias], [wNeg, null]] as const) {
        const size = p.n * p.cOut * p.outH * p.outW;
        const conv = new Float32Array(size), unfused = new Float32Array(size), fused = new Float32Array(size).fill(7);
        cpuBackend.conv2d(x, weights, b, p, conv);
        cpuBackend.unary("relu", { data: conv, offset: 0, shape: [size], strides: [1] }, unfused);
        cpuBackend.conv2d(x, weights, b, p, fused, true);
        expectIdentical(fused, unfused, `${path}, ${t} threads, ${b ? "bias" : "no bias"}`);
        expect(conv.some((v) => Number.isNaN(v)) && conv.some((v) => v < 0) && conv.some((v) => v > 0)).toBe(true);
      }
    }
  });

  it.each([["reference", referenceBackend], ["cpu", cpuBackend]] as const)("relu keeps NaN and maps -0, -Inf to +0 on %s", (_, be) => {
    const x = new Float32Array(200).fill(-1);
    special.forEach((s, i) => (x[i * 10] = s));
    const out = new Float32Array(200);
    be.unary("relu", { data: x, offset: 0, shape: [200], strides: [1] }, out);
    special.forEach((s, i) => {
      const want = Number.isNaN(s) ? NaN : s > 0 ? Math.fround(s) : 0;
      expect(Object.is(out[i * 10], want), `relu(${s}) = ${out[i * 10]}`).toBe(true);
    });
  });
});
