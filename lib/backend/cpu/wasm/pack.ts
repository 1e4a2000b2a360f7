// @ts-nocheck -- AssemblyScript (compiled to WebAssembly by ./build.mjs), not part of the TypeScript build.
//
// GEMM panel packing for the two layouts where gemm.ts's packA / packB copy one float at a time:
// A stored row by row (each packed column gathers MR rows) and B stored column by column (each
// packed row gathers NR columns). Both transpose 4×4 blocks in registers instead. The packed
// layouts are exactly gemm.ts's (same values in the same places, zeros past the edges).

import { MR, NR } from "./gemm";
import { storeTransposed8, t0, t1, t2, t3 } from "./simd";

/**
 * packA for a row-major block (column stride 1): element (i, p) at a + 4*(i*rs + p). Same output
 * as gemm.ts's packA(a, rs, 1, m, kc, dst).
 */
export function packARows(a: usize, rs: i32, m: i32, kc: i32, dst: usize): void {
  const rb = <usize>rs << 2;
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = min(MR, m - i0);
    const r0 = a + <usize>i0 * rb;
    let p = 0;
    if (rows == MR) {
      const r1 = r0 + rb, r2 = r1 + rb, r3 = r2 + rb, r4 = r3 + rb, r5 = r4 + rb;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        const a0 = v128.load(r0 + o), a1 = v128.load(r1 + o), a2 = v128.load(r2 + o), a3 = v128.load(r3 + o);
        const a4 = v128.load(r4 + o), a5 = v128.load(r5 + o);
        const lo = i8x16.shuffle(a4, a5, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23); // rows 4, 5 of p, p+1
        const hi = i8x16.shuffle(a4, a5, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31); // of p+2, p+3
        v128.store(dst, t0(a0, a1, a2, a3));
        v128.store64_lane(dst, lo, 0, 16);
        v128.store(dst, t1(a0, a1, a2, a3), 24);
        v128.store64_lane(dst, lo, 1, 40);
        v128.store(dst, t2(a0, a1, a2, a3), 48);
        v128.store64_lane(dst, hi, 0, 64);
        v128.store(dst, t3(a0, a1, a2, a3), 72);
        v128.store64_lane(dst, hi, 1, 88);
        dst += (MR * 4) << 2;
      }
    }
    for (; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        let v: f32 = 0;
        if (r < rows) v = load<f32>(r0 + <usize>r * rb + (<usize>p << 2));
        store<f32>(dst + (<usize>r << 2), v);
      }
      dst += MR << 2;
    }
  }
}

/**
 * packB for a column-major block (row stride 1): element (p, j) at b + 4*(p + j*cs). Same output
 * as gemm.ts's packB(b, 1, cs, kc, n, dst).
 */
export function packBCols(b: usize, cs: i32, kc: i32, n: i32, dst: usize): void {
  const cb = <usize>cs << 2;
  for (let j0 = 0; j0 < n; j0 += NR) {
    const cols = min(NR, n - j0);
    const c0 = b + <usize>j0 * cb;
    let p = 0;
    if (cols == NR) {
      const c1 = c0 + cb, c2 = c1 + cb, c3 = c2 + cb, c4 = c3 + cb, c5 = c4 + cb, c6 = c5 + cb, c7 = c6 + cb;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        const b0 = v128.load(c0 + o), b1 = v128.load(c1 + o), b2 = v128.load(c2 + o), b3 = v128.load(c3 + o);
        const b4 = v128.load(c4 + o), b5 = v128.load(c5 + o), b6 = v128.load(c6 + o), b7 = v128.load(c7 + o);
        storeTransposed8(dst, b0, b1, b2, b3, b4, b5, b6, b7);
        dst += (NR * 4) << 2;
      }
    }
    for (; p < kc; p++) {
      for (let c = 0; c < NR; c++) {
        let v: f32 = 0;
        if (c < cols) v = load<f32>(c0 + <usize>c * cb + (<usize>p << 2));
        store<f32>(dst + (<usize>c << 2), v);
      }
      dst += NR << 2;
    }
  }
}
