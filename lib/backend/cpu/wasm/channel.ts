// @ts-nocheck -- AssemblyScript (compiled to WebAssembly by ./build.mjs), not part of the TypeScript build.
//
// Per-channel kernels over a contiguous [outer, channels, inner] block (see channelSums and
// channelAffine in backend.ts). Arithmetic is float64 (two lanes per v128), in exactly the order
// the reference loops use, so the results are bit-identical to them:
// - a row (one (o, c) stretch of `inner` floats) is summed with four interleaved accumulators
//   (element i goes to accumulator i mod 4, combined as (a0 + a1) + (a2 + a3)); the accumulators
//   0,1 and 2,3 are the two lanes of two f64x2 vectors;
// - the affine map is ((a·x + d) + b·v) in float64, rounded once to float32.

/** Two floats at p, as float64 lanes. */
@inline function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/**
 * Channels [c0, c1): sums[c] = Σ u and sums[channels + c] = Σ u² (y = 0) or Σ u·y, where
 * u = x − shift[c] (shift = 0: no shift). Rows of a channel are added in order of o. x, y: f32
 * addresses; shift, sums: f64 addresses.
 */
export function channelSumsRange(x: usize, y: usize, shift: usize, outer: i32, channels: i32, inner: i32, c0: i32, c1: i32, sums: usize): void {
  const n4 = inner & ~3;
  for (let c = c0; c < c1; c++) {
    const s: f64 = shift ? load<f64>(shift + (<usize>c << 3)) : 0;
    const sv = f64x2.splat(s);
    let total: f64 = 0, total2: f64 = 0;
    for (let o = 0; o < outer; o++) {
      const row = (<usize>o * <usize>channels + <usize>c) * <usize>inner;
      const px = x + (row << 2), py = y + (row << 2);
      let a01 = f64x2.splat(0), a23 = f64x2.splat(0), q01 = f64x2.splat(0), q23 = f64x2.splat(0);
      let i = 0;
      if (y) {
        for (; i < n4; i += 4) {
          const off = <usize>i << 2;
          const u01 = f64x2.sub(load2(px + off), sv), u23 = f64x2.sub(load2(px + off + 8), sv);
          a01 = f64x2.add(a01, u01);
          a23 = f64x2.add(a23, u23);
          q01 = f64x2.add(q01, f64x2.mul(u01, load2(py + off)));
          q23 = f64x2.add(q23, f64x2.mul(u23, load2(py + off + 8)));
        }
      } else {
        for (; i < n4; i += 4) {
          const off = <usize>i << 2;
          const u01 = f64x2.sub(load2(px + off), sv), u23 = f64x2.sub(load2(px + off + 8), sv);
          a01 = f64x2.add(a01, u01);
          a23 = f64x2.add(a23, u23);
          q01 = f64x2.add(q01, f64x2.mul(u01, u01));
          q23 = f64x2.add(q23, f64x2.mul(u23, u23));
        }
      }
      let a0 = f64x2.extract_lane(a01, 0), a1 = f64x2.extract_lane(a01, 1), a2 = f64x2.extract_lane(a23, 0), a3 = f64x2.extract_lane(a23, 1);
      let b0 = f64x2.extract_lane(q01, 0), b1 = f64x2.extract_lane(q01, 1), b2 = f64x2.extract_lane(q23, 0), b3 = f64x2.extract_lane(q23, 1);
      // the tail: elements n4, n4+1, n4+2 go to accumulators 0, 1, 2
      for (let k = 0; i < inner; i++, k++) {
        const u: f64 = <f64>load<f32>(px + (<usize>i << 2)) - s;
        const q: f64 = y ? u * <f64>load<f32>(py + (<usize>i << 2)) : u * u;
        if (k == 0) { a0 += u; b0 += q; }
        else if (k == 1) { a1 += u; b1 += q; }
        else { a2 += u; b2 += q; }
      }
      total += (a0 + a1) + (a2 + a3);
      total2 += (b0 + b1) + (b2 + b3);
    }
    store<f64>(sums + (<usize>c << 3), total);
    store<f64>(sums + (<usize>(channels + c) << 3), total2);
  }
}

/**
 * Rows [r0, r1) of the [outer·channels] rows (row r is channel r mod channels):
 * out = (a[c]·x + d[c]) + b[c]·v in float64 (v = 0: no third term), rounded to float32.
 * x, v, out: f32 addresses; a, d, b: f64 addresses.
 */
export function channelAffineRange(x: usize, a: usize, d: usize, v: usize, b: usize, channels: i32, inner: i32, r0: i32, r1: i32, out: usize): void {
  const n4 = inner & ~3;
  for (let r = r0; r < r1; r++) {
    const c = <usize>(r % channels);
    const av: f64 = load<f64>(a + (c << 3)), dv: f64 = load<f64>(d + (c << 3)), bv: f64 = v ? load<f64>(b + (c << 3)) : 0;
    const as = f64x2.splat(av), ds = f64x2.splat(dv), bs = f64x2.splat(bv);
    const base = (<usize>r * <usize>inner) << 2;
    const px = x + base, pv = v + base, po = out + base;
    let i = 0;
    if (v) {
      for (; i < n4; i += 4) {
        const off = <usize>i << 2;
        const t01 = f64x2.add(f64x2.add(f64x2.mul(as, load2(px + off)), ds), f64x2.mul(bs, load2(pv + off)));
        const t23 = f64x2.add(f64x2.add(f64x2.mul(as, load2(px + off + 8)), ds), f64x2.mul(bs, load2(pv + off + 8)));
        v128.store64_lane(po + off, f32x4.demote_f64x2_zero(t01), 0);
        v128.store64_lane(po + off + 8, f32x4.demote_f64x2_zero(t23), 0);
      }
      for (; i < inner; i++) {
        const off = <usize>i << 2;
        store<f32>(po + off, <f32>(av * <f64>load<f32>(px + off) + dv + bv * <f64>load<f32>(pv + off)));
      }
    } else {
      for (; i < n4; i += 4) {
        const off = <usize>i << 2;
        const t01 = f64x2.add(f64x2.mul(as, load2(px + off)), ds);
        const t23 = f64x2.add(f64x2.mul(as, load2(px + off + 8)), ds);
        v128.store64_lane(po + off, f32x4.demote_f64x2_zero(t01), 0);
        v128.store64_lane(po + off + 8, f32x4.demote_f64x2_zero(t23), 0);
      }
      for (; i < inner; i++) {
        const off = <usize>i << 2;
        store<f32>(po + off, <f32>(av * <f64>load<f32>(px + off) + dv));
      }
    }
  }
}
