// @ts-nocheck -- AssemblyScript (compiled to WebAssembly by ./build.mjs), not part of the TypeScript build.
//
// GEMM building blocks over packed panels, all pointers are byte addresses in the shared memory.
//
// Packed A: for each panel of MR rows, kc groups of MR floats (column p of the panel, rows 0..MR-1).
// Packed B: for each strip of NR columns, kc groups of NR floats (row p of the strip).
// Rows/columns past the matrix edge are packed as zeros, so the micro-kernel always runs full tiles.
// Each C element is accumulated in a fixed order (p = 0..kc-1 in one register lane), whatever the
// tiling, which keeps results bit-identical for any thread count.

export const MR: i32 = 6; // kernels/matmul.ts sizes its buffers with the same MR and NR
export const NR: i32 = 8;

/** Multiply-add c + a*b: fused with relaxed SIMD, mul then add otherwise. */
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}


/**
 * Pack an m×kc block of A into MR-row panels at dst. Element (i, p) is read at
 * a + 4*(i*rs + p*cs) (rs/cs are float strides, so transposed A is just swapped strides).
 */
export function packA(a: usize, rs: i32, cs: i32, m: i32, kc: i32, dst: usize): void {
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = min(MR, m - i0);
    if (rs == 1 && rows == MR) {
      // transposed A: the MR values of one column are contiguous
      for (let p = 0; p < kc; p++) {
        const src = a + (<usize>(i0 + p * cs) << 2);
        v128.store(dst, v128.load(src));
        store<u64>(dst, load<u64>(src, 16), 16);
        dst += MR << 2;
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        let v: f32 = 0;
        if (r < rows) v = load<f32>(a + (<usize>((i0 + r) * rs + p * cs) << 2));
        store<f32>(dst + (<usize>r << 2), v);
      }
      dst += MR << 2;
    }
  }
}

/**
 * Pack a kc×n block of B into NR-column strips at dst. Element (p, j) is read at b + 4*(p*rs + j*cs).
 */
export function packB(b: usize, rs: i32, cs: i32, kc: i32, n: i32, dst: usize): void {
  for (let j0 = 0; j0 < n; j0 += NR) {
    const cols = min(NR, n - j0);
    if (cs == 1 && cols == NR) {
      let src = b + (<usize>j0 << 2);
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += <usize>rs << 2;
        dst += NR << 2;
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      for (let c = 0; c < NR; c++) {
        let v: f32 = 0;
        if (c < cols) v = load<f32>(b + (<usize>(p * rs + (j0 + c) * cs) << 2));
        store<f32>(dst + (<usize>c << 2), v);
      }
      dst += NR << 2;
    }
  }
}

/**
 * The MR×NR micro-kernel: acc = A panel · B strip over kc, then C = acc (or C + acc when
 * accumulate). ldc is the row stride of C in bytes.
 */
function kernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  let c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    a = v128.load32_splat(pa, 16);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    a = v128.load32_splat(pa, 20);
    c50 = madd(a, b0, c50); c51 = madd(a, b1, c51);
    pa += 24;
    pb += 32;
  }
  if (accumulate) {
    c00 = f32x4.add(v128.load(c), c00); c01 = f32x4.add(v128.load(c, 16), c01); c += ldc;
    c10 = f32x4.add(v128.load(c), c10); c11 = f32x4.add(v128.load(c, 16), c11); c += ldc;
    c20 = f32x4.add(v128.load(c), c20); c21 = f32x4.add(v128.load(c, 16), c21); c += ldc;
    c30 = f32x4.add(v128.load(c), c30); c31 = f32x4.add(v128.load(c, 16), c31); c += ldc;
    c40 = f32x4.add(v128.load(c), c40); c41 = f32x4.add(v128.load(c, 16), c41); c += ldc;
    c50 = f32x4.add(v128.load(c), c50); c51 = f32x4.add(v128.load(c, 16), c51);
    c -= ldc * 5;
  }
  v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
  v128.store(c, c20); v128.store(c, c21, 16); c += ldc;
  v128.store(c, c30); v128.store(c, c31, 16); c += ldc;
  v128.store(c, c40); v128.store(c, c41, 16); c += ldc;
  v128.store(c, c50); v128.store(c, c51, 16);
}


/** Store (or add) one row of the accumulators: 8 floats at c. */
function storeRow(c: usize, lo: v128, hi: v128, accumulate: bool): void {
  if (accumulate) {
    lo = f32x4.add(v128.load(c), lo);
    hi = f32x4.add(v128.load(c, 16), hi);
  }
  v128.store(c, lo);
  v128.store(c, hi, 16);
}

/** Row-edge micro-kernel: the first `rows` (1..4) rows of a panel, full NR columns, stored directly. */
function kernel4(rows: i32, kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  if (rows <= 2) {
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16);
      let a = v128.load32_splat(pa);
      c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
      a = v128.load32_splat(pa, 4);
      c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
      pa += MR << 2;
      pb += NR << 2;
    }
  } else {
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16);
      let a = v128.load32_splat(pa);
      c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
      a = v128.load32_splat(pa, 4);
      c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
      a = v128.load32_splat(pa, 8);
      c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
      a = v128.load32_splat(pa, 12);
      c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
      pa += MR << 2;
      pb += NR << 2;
    }
  }
  storeRow(c, c00, c01, accumulate);
  if (rows > 1) storeRow(c + ldc, c10, c11, accumulate);
  if (rows > 2) storeRow(c + 2 * ldc, c20, c21, accumulate);
  if (rows > 3) storeRow(c + 3 * ldc, c30, c31, accumulate);
}

/** Five rows: the full tile computed aside, five rows stored (same arithmetic per element). */
function kernel5(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, accumulate: bool, tmp: usize): void {
  kernel(kc, pa, pb, tmp, NR << 2, false);
  for (let r = 0; r < 5; r++) {
    storeRow(c + <usize>r * ldc, v128.load(tmp + (<usize>(r * NR) << 2)), v128.load(tmp + (<usize>(r * NR) << 2), 16), accumulate);
  }
}

/**
 * C (m×n, row stride ldc floats) = or += packed A (m rows) · packed B (n columns) over kc.
 * tmp is a scratch tile of MR*NR floats for the edges.
 */
export function macro(m: i32, n: i32, kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, accumulate: bool, tmp: usize): void {
  const ldcb = <usize>ldc << 2;
  for (let j0 = 0; j0 < n; j0 += NR) {
    const cols = min(NR, n - j0);
    const pbj = pb + (<usize>(j0 * kc) << 2);
    for (let i0 = 0; i0 < m; i0 += MR) {
      const rows = min(MR, m - i0);
      const pai = pa + (<usize>(i0 * kc) << 2);
      const cij = c + (<usize>(i0 * ldc + j0) << 2);
      if (cols == NR) {
        if (rows == MR) kernel(kc, pai, pbj, cij, ldcb, accumulate);
        else if (rows <= 4) kernel4(rows, kc, pai, pbj, cij, ldcb, accumulate);
        else kernel5(kc, pai, pbj, cij, ldcb, accumulate, tmp);
        continue;
      }
      // edge tile: compute the full tile aside, then copy the valid part (same arithmetic as above)
      kernel(kc, pai, pbj, tmp, NR << 2, false);
      for (let r = 0; r < rows; r++) {
        for (let q = 0; q < cols; q++) {
          const dst = cij + (<usize>(r * ldc + q) << 2);
          const v = load<f32>(tmp + (<usize>(r * NR + q) << 2));
          store<f32>(dst, accumulate ? load<f32>(dst) + v : v);
        }
      }
    }
  }
}
