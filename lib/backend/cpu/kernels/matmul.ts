// Batched GEMM on the thread pool: A and B in the shared memory (copied there if needed), pack them
// into panels (job "gemm: pack"), then compute C in MC×NC tiles (job "gemm: tiles"), each tile
// looping over K in KC blocks (fixed order).
import type { GemmArgs } from "../../backend";
import { defineJob, type JobFields } from "../threads/job";
import { scratchOf, type ThreadCtx } from "../threads/context";
import type { ThreadPool } from "../threads/thread-pool";
import { checkLength, roundUp } from "./util";

declare module "../wasm-loader" {
  interface WasmExports {
    /** Pack an m×kc block of A (float strides rs, cs) into MR-row panels at dst. */
    packA(a: number, rs: number, cs: number, m: number, kc: number, dst: number): void;
    /** Pack a kc×n block of B (float strides rs, cs) into NR-column strips at dst. */
    packB(b: number, rs: number, cs: number, kc: number, n: number, dst: number): void;
    /** C (m×n, row stride ldc) = (accumulate ? C : 0) + packed A · packed B, over one K block. */
    macro(m: number, n: number, kc: number, pa: number, pb: number, c: number, ldc: number, accumulate: number, tmp: number): void;
    /** packA for a row-major block (column stride 1), by 4×4 transposes (wasm/pack.ts). */
    packARows(a: number, rs: number, m: number, kc: number, dst: number): void;
    /** packB for a column-major block (row stride 1), by 4×4 transposes. */
    packBCols(b: number, cs: number, kc: number, n: number, dst: number): void;
  }
}

/** Pack row-major A / column-major B by SIMD transposes (same panels); GRADWORK_SIMD_PACK=0: one float at a time. */
const SIMD_PACK = process.env.GRADWORK_SIMD_PACK !== "0";

export const MR = 6; // must match wasm/gemm.ts
export const NR = 8;
/** K block: every C element sums its K products in blocks of KC (part of the fixed order). */
export const KC = 256;
const MC = 120; // rows per tile (multiple of MR)
const NC = 256; // columns per tile (multiple of NR)
/** Below this many flops the whole call runs on the calling thread. */
export const INLINE_FLOPS = 1 << 20;

/** The fields of both GEMM jobs. Strides are in floats; addresses in bytes. */
const GEMM_FIELDS = {
  batch: "int", m: "int", n: "int", k: "int",
  /** A (in the shared memory), its batch stride, row and column strides (transposes swap them), distinct matrices (1: broadcast). */
  a: "int", aBatchStride: "int", aRowStride: "int", aColStride: "int", aCount: "int",
  b: "int", bBatchStride: "int", bRowStride: "int", bColStride: "int", bCount: "int",
  /** Packed panels of A and strips of B, and C. */
  packedA: "int", packedB: "int", c: "int",
  /** Tile sizes, M and N rounded up to MR and NR, tiles per batch in M and N. */
  mc: "int", nc: "int", mPad: "int", nPad: "int", mTiles: "int", nTiles: "int",
  /** Pack job: tasks [0, packATasks) pack A, the rest pack B. */
  packATasks: "int",
} as const;
type GemmFields = JobFields<typeof GEMM_FIELDS>;

/** Throw a RangeError when the sizes are not non-negative integers or an array is too short for them. */
export function checkGemm(g: GemmArgs): void {
  const { batch, m, n, k } = g;
  // (a plain test first: this runs on every matmul, and building an object per call shows at batch 8)
  if (!(Number.isInteger(batch) && Number.isInteger(m) && Number.isInteger(n) && Number.isInteger(k) && batch >= 0 && m >= 0 && n >= 0 && k >= 0)) {
    for (const [key, v] of Object.entries({ batch, m, n, k })) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`matmul: ${key} must be a non-negative integer, got ${v}`);
    }
  }
  if (batch * m * n === 0) return;
  const na = g.aBatchStride === 0 ? 1 : batch, nb = g.bBatchStride === 0 ? 1 : batch;
  checkLength("matmul", `A (batch ${batch}, ${g.transA ? `${k}×${m}` : `${m}×${k}`})`, g.a, g.aOffset + (na - 1) * g.aBatchStride + m * k);
  checkLength("matmul", `B (batch ${batch}, ${g.transB ? `${n}×${k}` : `${k}×${n}`})`, g.b, g.bOffset + (nb - 1) * g.bBatchStride + k * n);
  checkLength("matmul", `out (${batch}×${m}×${n})`, g.out, batch * m * n);
}

/** out = op(A) · op(B) for every batch (see GemmArgs). */
export function matmulCpu(pool: ThreadPool, g: GemmArgs): void {
  const { batch, m, n, k } = g;
  const size = batch * m * n;
  if (size === 0) return;
  if (k === 0) {
    g.out.fill(0, 0, size);
    return;
  }
  const arena = pool.begin();
  // distinct A / B matrices (a batch stride of 0 broadcasts one matrix)
  const na = g.aBatchStride === 0 ? 1 : batch, nb = g.bBatchStride === 0 ? 1 : batch;
  const aSpan = (na - 1) * g.aBatchStride + m * k, bSpan = (nb - 1) * g.bBatchStride + k * n;
  const aPtr = arena.input(g.a, g.aOffset, aSpan), bPtr = arena.input(g.b, g.bOffset, bSpan);
  const mPad = roundUp(m, MR), nPad = roundUp(n, NR);
  const pa = arena.floats(na * mPad * k), pb = arena.floats(nb * nPad * k);
  const cPtr = arena.output(g.out, size);
  const threads = 2 * size * k < INLINE_FLOPS ? 1 : pool.getThreads();
  // tile sizes: shrink until there are a few tiles per thread (tiling never changes the results)
  let mc = Math.min(MC, mPad), nc = Math.min(NC, nPad);
  const tiles = () => batch * Math.ceil(m / mc) * Math.ceil(n / nc);
  while (threads > 1 && tiles() < 3 * threads && (nc > 4 * NR || mc > 4 * MR)) {
    if (nc >= mc && nc > 4 * NR) nc = roundUp(nc / 2, NR);
    else mc = roundUp(mc / 2, MR);
  }
  const kBlocks = Math.ceil(k / KC);
  const aGroups = Math.ceil(mPad / MC), bGroups = Math.ceil(nPad / NC);

  const fields = {
    batch, m, n, k,
    a: aPtr, aBatchStride: g.aBatchStride, aRowStride: g.transA ? 1 : k, aColStride: g.transA ? m : 1, aCount: na,
    b: bPtr, bBatchStride: g.bBatchStride, bRowStride: g.transB ? 1 : n, bColStride: g.transB ? k : 1, bCount: nb,
    packedA: pa, packedB: pb, c: cPtr,
    mc, nc, mPad, nPad, mTiles: Math.ceil(m / mc), nTiles: Math.ceil(n / nc),
    packATasks: na * kBlocks * aGroups,
  };
  pool.run(gemmPack, fields, { tasks: na * kBlocks * aGroups + nb * kBlocks * bGroups, threads });
  pool.run(gemmTiles, fields, { tasks: tiles(), scratchBytes: MR * NR * 4, threads, hidesSweep: true });
  arena.finish();
}

/** Job 1: pack one group of A panels or B strips for one K block. */
function packTask(f: GemmFields, t: number, ctx: ThreadCtx): void {
  const k = f.k, kBlocks = Math.ceil(k / KC);
  if (t < f.packATasks) {
    const groups = Math.ceil(f.mPad / MC);
    const bi = Math.floor(t / (kBlocks * groups)), kb = Math.floor(t / groups) % kBlocks, gi = t % groups;
    const k0 = kb * KC, kc = Math.min(KC, k - k0), i0 = gi * MC;
    const src = f.a + 4 * (bi * f.aBatchStride + i0 * f.aRowStride + k0 * f.aColStride);
    const dst = f.packedA + 4 * (bi * f.mPad * k + k0 * f.mPad + i0 * kc);
    if (SIMD_PACK && f.aColStride === 1 && f.aRowStride !== 1) ctx.wasm.packARows(src, f.aRowStride, Math.min(MC, f.m - i0), kc, dst);
    else ctx.wasm.packA(src, f.aRowStride, f.aColStride, Math.min(MC, f.m - i0), kc, dst);
  } else {
    t -= f.packATasks;
    const groups = Math.ceil(f.nPad / NC);
    const bi = Math.floor(t / (kBlocks * groups)), kb = Math.floor(t / groups) % kBlocks, gi = t % groups;
    const k0 = kb * KC, kc = Math.min(KC, k - k0), j0 = gi * NC;
    const src = f.b + 4 * (bi * f.bBatchStride + k0 * f.bRowStride + j0 * f.bColStride);
    const dst = f.packedB + 4 * (bi * f.nPad * k + k0 * f.nPad + j0 * kc);
    if (SIMD_PACK && f.bRowStride === 1 && f.bColStride !== 1) ctx.wasm.packBCols(src, f.bColStride, kc, Math.min(NC, f.n - j0), dst);
    else ctx.wasm.packB(src, f.bRowStride, f.bColStride, kc, Math.min(NC, f.n - j0), dst);
  }
}

/** Job 2: one MC×NC tile of C, all K blocks in order. */
function tileTask(f: GemmFields, t: number, ctx: ThreadCtx): void {
  const { m, n, k, mc, nc, mPad, nPad, mTiles: mt, nTiles: nt } = f;
  const bt = Math.floor(t / (mt * nt)), i0 = (Math.floor(t / nt) % mt) * mc, j0 = (t % nt) * nc;
  const pa = f.packedA + 4 * (f.aCount === 1 ? 0 : bt) * mPad * k;
  const pb = f.packedB + 4 * (f.bCount === 1 ? 0 : bt) * nPad * k;
  const c = f.c + 4 * (bt * m * n + i0 * n + j0);
  const tmp = scratchOf(ctx);
  const rows = Math.min(mc, m - i0), cols = Math.min(nc, n - j0);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = Math.min(KC, k - k0);
    ctx.wasm.macro(rows, cols, kc, pa + 4 * (k0 * mPad + i0 * kc), pb + 4 * (k0 * nPad + j0 * kc), c, n, k0 > 0 ? 1 : 0, tmp);
  }
}

const gemmPack = defineJob({ name: "gemm: pack", fields: GEMM_FIELDS, run: packTask });
const gemmTiles = defineJob({ name: "gemm: tiles", fields: GEMM_FIELDS, run: tileTask });
