// Batched GEMM on the pool: A and B in the shared memory (copied there if needed), pack them into panels (job 1), then
// compute C in MC×NC tiles (job 2), each tile looping over K in KC blocks (fixed order).
import type { GemmArgs } from "../backend";
import { ARGS, K_GEMM_PACK, K_GEMM_TILES, SCRATCH, SCRATCH_BYTES } from "./control";
import type { Pool } from "./pool";
import type { ThreadCtx } from "./runtime";

export const MR = 6; // must match wasm/gemm.ts
export const NR = 8;
/** K block: every C element sums its K products in blocks of KC (part of the fixed order). */
export const KC = 256;
const MC = 120; // rows per tile (multiple of MR)
const NC = 256; // columns per tile (multiple of NR)
/** Below this many flops the whole call runs on the calling thread. */
export const INLINE_FLOPS = 1 << 20;

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

// Argument slots (ctl[ARGS + i]).
const A_BATCH = 0, A_M = 1, A_N = 2, A_K = 3;
const A_APTR = 4, A_ABS = 5, A_ARS = 6, A_ACS = 7, A_NA = 8; // A copy, batch stride, strides, #distinct batches
const A_BPTR = 9, A_BBS = 10, A_BRS = 11, A_BCS = 12, A_NB = 13;
const A_PA = 14, A_PB = 15, A_C = 16, A_MC = 17, A_NC = 18, A_MPAD = 19, A_NPAD = 20;
const A_PACKA_TASKS = 21; // pack job: tasks [0, A_PACKA_TASKS) pack A, the rest pack B
const A_MT = 22, A_NT = 23; // tiles per batch in M and N

/** out = op(A) · op(B) for every batch (see GemmArgs). */
export function matmulCpu(pool: Pool, g: GemmArgs): void {
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
  const ctx = pool.ctx;

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

  const args = ctx.ctl.subarray(ARGS);
  args[A_BATCH] = batch; args[A_M] = m; args[A_N] = n; args[A_K] = k;
  args[A_APTR] = aPtr; args[A_ABS] = g.aBatchStride; args[A_NA] = na;
  args[A_ARS] = g.transA ? 1 : k; args[A_ACS] = g.transA ? m : 1;
  args[A_BPTR] = bPtr; args[A_BBS] = g.bBatchStride; args[A_NB] = nb;
  args[A_BRS] = g.transB ? 1 : n; args[A_BCS] = g.transB ? k : 1;
  args[A_PA] = pa; args[A_PB] = pb; args[A_C] = cPtr;
  args[A_MC] = mc; args[A_NC] = nc; args[A_MPAD] = mPad; args[A_NPAD] = nPad;
  args[A_PACKA_TASKS] = na * kBlocks * aGroups;
  args[A_MT] = Math.ceil(m / mc); args[A_NT] = Math.ceil(n / nc);

  pool.run(K_GEMM_PACK, na * kBlocks * aGroups + nb * kBlocks * bGroups, 0, threads);
  pool.run(K_GEMM_TILES, tiles(), MR * NR * 4, threads);
  arena.finish();
}

/** Job 1: pack one group of A panels or B strips for one K block. */
export function gemmPackTask(ctx: ThreadCtx, t: number): void {
  const a = ctx.ctl.subarray(ARGS);
  const k = a[A_K], kBlocks = Math.ceil(k / KC);
  const nA = a[A_PACKA_TASKS];
  if (t < nA) {
    const groups = Math.ceil(a[A_MPAD] / MC);
    const bi = Math.floor(t / (kBlocks * groups)), kb = Math.floor(t / groups) % kBlocks, gi = t % groups;
    const k0 = kb * KC, kc = Math.min(KC, k - k0), i0 = gi * MC, m = a[A_M];
    const src = a[A_APTR] + 4 * (bi * a[A_ABS] + i0 * a[A_ARS] + k0 * a[A_ACS]);
    const dst = a[A_PA] + 4 * (bi * a[A_MPAD] * k + k0 * a[A_MPAD] + i0 * kc);
    ctx.wasm.packA(src, a[A_ARS], a[A_ACS], Math.min(MC, m - i0), kc, dst);
  } else {
    t -= nA;
    const groups = Math.ceil(a[A_NPAD] / NC);
    const bi = Math.floor(t / (kBlocks * groups)), kb = Math.floor(t / groups) % kBlocks, gi = t % groups;
    const k0 = kb * KC, kc = Math.min(KC, k - k0), j0 = gi * NC, n = a[A_N];
    const src = a[A_BPTR] + 4 * (bi * a[A_BBS] + k0 * a[A_BRS] + j0 * a[A_BCS]);
    const dst = a[A_PB] + 4 * (bi * a[A_NPAD] * k + k0 * a[A_NPAD] + j0 * kc);
    ctx.wasm.packB(src, a[A_BRS], a[A_BCS], kc, Math.min(NC, n - j0), dst);
  }
}

/** Job 2: one MC×NC tile of C, all K blocks in order. */
export function gemmTileTask(ctx: ThreadCtx, t: number): void {
  const a = ctx.ctl.subarray(ARGS);
  const m = a[A_M], n = a[A_N], k = a[A_K], mc = a[A_MC], nc = a[A_NC], mPad = a[A_MPAD], nPad = a[A_NPAD];
  const mt = a[A_MT], nt = a[A_NT];
  const bt = Math.floor(t / (mt * nt)), i0 = (Math.floor(t / nt) % mt) * mc, j0 = (t % nt) * nc;
  const pa = a[A_PA] + 4 * (a[A_NA] === 1 ? 0 : bt) * mPad * k;
  const pb = a[A_PB] + 4 * (a[A_NB] === 1 ? 0 : bt) * nPad * k;
  const c = a[A_C] + 4 * (bt * m * n + i0 * n + j0);
  const tmp = ctx.ctl[SCRATCH] + ctx.id * ctx.ctl[SCRATCH_BYTES];
  const rows = Math.min(mc, m - i0), cols = Math.min(nc, n - j0);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = Math.min(KC, k - k0);
    ctx.wasm.macro(rows, cols, kc, pa + 4 * (k0 * mPad + i0 * kc), pb + 4 * (k0 * nPad + j0 * kc), c, n, k0 > 0 ? 1 : 0, tmp);
  }
}
