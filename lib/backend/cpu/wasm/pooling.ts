// @ts-nocheck -- AssemblyScript (compiled to WebAssembly by ./build.mjs), not part of the TypeScript build.
//
// 2×2 stride-2 unpadded pooling (the common case), forward and backward, four windows at a time.
// The results are the reference's (lib/backend/semantics.ts): max keeps the first maximum (strict
// comparisons, window order top-left, top-right, bottom-left, bottom-right), the first NaN wins;
// avg sums the four cells in float64 in window order from 0 and divides by 4; backward adds each
// gradient into a zeroed dx (0 + g, so −0 becomes +0 as in the reference). The windows of a 2×2
// stride-2 pooling never overlap, so every dx cell receives at most one gradient.
// Planes are H×W inputs and OH×OW outputs (OH ≤ H/2, OW ≤ W/2; a last odd row/column is unused).

/** Even lanes (0, 2 of lo, then of hi) and odd lanes of the 8 floats lo|hi. */
@inline function evens(lo: v128, hi: v128): v128 { return i8x16.shuffle(lo, hi, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27); }
@inline function odds(lo: v128, hi: v128): v128 { return i8x16.shuffle(lo, hi, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31); }

/** v > best under the max rule (a NaN beats any number, never another NaN). */
@inline function beats(v: f32, best: f32): bool { return v > best || (v != v && best == best); }

/** One window by the careful scan (any NaN): returns the cell index within the plane. */
function maxScalar(x: usize, at: i32, w: i32): i32 {
  let best = load<f32>(x + (<usize>at << 2)), bi = at;
  let v = load<f32>(x + (<usize>(at + 1) << 2));
  if (beats(v, best)) { best = v; bi = at + 1; }
  v = load<f32>(x + (<usize>(at + w) << 2));
  if (beats(v, best)) { best = v; bi = at + w; }
  v = load<f32>(x + (<usize>(at + w + 1) << 2));
  if (beats(v, best)) bi = at + w + 1;
  return bi;
}

/** Max pooling of `planes` planes; idx (0: none) receives each maximum's cell index in its plane. */
export function maxPool2x2(x: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32, out: usize, idx: usize): void {
  const lane = i32x4(0, 2, 4, 6);
  for (let pl = 0; pl < planes; pl++) {
    const xp = x + (<usize>(pl * h * w) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const r0 = 2 * oy * w;
      const row0 = xp + (<usize>r0 << 2), row1 = row0 + (<usize>w << 2);
      let o = out + (<usize>((pl * oh + oy) * ow) << 2);
      let io = idx + (<usize>((pl * oh + oy) * ow) << 2);
      let ox = 0;
      for (; ox + 4 <= ow; ox += 4) {
        const c = ox << 3; // byte offset of column 2*ox
        const t0 = v128.load(row0 + c), t1 = v128.load(row0 + c, 16), u0 = v128.load(row1 + c), u1 = v128.load(row1 + c, 16);
        const a = evens(t0, t1), b = odds(t0, t1), cc = evens(u0, u1), d = odds(u0, u1);
        const base = i32x4.add(i32x4.splat(r0 + 2 * ox), lane);
        const nan = v128.or(v128.or(f32x4.ne(a, a), f32x4.ne(b, b)), v128.or(f32x4.ne(cc, cc), f32x4.ne(d, d)));
        let at: v128;
        if (v128.any_true(nan)) {
          at = i32x4.splat(maxScalar(xp, i32x4.extract_lane(base, 0), w));
          at = i32x4.replace_lane(at, 1, maxScalar(xp, i32x4.extract_lane(base, 1), w));
          at = i32x4.replace_lane(at, 2, maxScalar(xp, i32x4.extract_lane(base, 2), w));
          at = i32x4.replace_lane(at, 3, maxScalar(xp, i32x4.extract_lane(base, 3), w));
          let m = f32x4.splat(load<f32>(xp + (<usize>i32x4.extract_lane(at, 0) << 2)));
          m = f32x4.replace_lane(m, 1, load<f32>(xp + (<usize>i32x4.extract_lane(at, 1) << 2)));
          m = f32x4.replace_lane(m, 2, load<f32>(xp + (<usize>i32x4.extract_lane(at, 2) << 2)));
          m = f32x4.replace_lane(m, 3, load<f32>(xp + (<usize>i32x4.extract_lane(at, 3) << 2)));
          v128.store(o, m);
        } else {
          // branch-free tournament; strict comparisons keep the earlier cell on ties
          const i = f32x4.gt(b, a), j = f32x4.gt(d, cc);
          const m1 = v128.bitselect(b, a, i), m2 = v128.bitselect(d, cc, j);
          const k = f32x4.gt(m2, m1);
          v128.store(o, v128.bitselect(m2, m1, k));
          // i, j, k are −1 where true: top index base − i, bottom index base + w − j
          at = v128.bitselect(i32x4.sub(i32x4.add(base, i32x4.splat(w)), j), i32x4.sub(base, i), k);
        }
        if (idx) v128.store(io, at);
        o += 16;
        io += 16;
      }
      for (; ox < ow; ox++) {
        const at = maxScalar(xp, r0 + 2 * ox, w);
        store<f32>(o, load<f32>(xp + (<usize>at << 2)));
        if (idx) store<i32>(io, at);
        o += 4;
        io += 4;
      }
    }
  }
}

/** dx (planes of H×W) = dy routed to the cells in idx, zero elsewhere. */
export function maxPool2x2Backward(dy: usize, idx: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32, dx: usize): void {
  const zero = f32x4.splat(0), lane = i32x4(0, 2, 4, 6);
  memory.fill(dx, 0, <usize>(planes * h * w) << 2);
  for (let pl = 0; pl < planes; pl++) {
    const xp = dx + (<usize>(pl * h * w) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const r0 = 2 * oy * w;
      const row0 = xp + (<usize>r0 << 2), row1 = row0 + (<usize>w << 2);
      const g = dy + (<usize>((pl * oh + oy) * ow) << 2), ix = idx + (<usize>((pl * oh + oy) * ow) << 2);
      let ox = 0;
      for (; ox + 4 <= ow; ox += 4) {
        const d = f32x4.add(zero, v128.load(g + (<usize>ox << 2)));
        const at = v128.load(ix + (<usize>ox << 2));
        const base = i32x4.add(i32x4.splat(r0 + 2 * ox), lane);
        const p00 = v128.and(d, i32x4.eq(at, base)), p01 = v128.and(d, i32x4.eq(at, i32x4.add(base, i32x4.splat(1))));
        const p10 = v128.and(d, i32x4.eq(at, i32x4.add(base, i32x4.splat(w)))), p11 = v128.and(d, i32x4.eq(at, i32x4.add(base, i32x4.splat(w + 1))));
        const c = ox << 3;
        // interleave: row 0 = p00[0], p01[0], p00[1], p01[1], ...
        v128.store(row0 + c, i8x16.shuffle(p00, p01, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23));
        v128.store(row0 + c, i8x16.shuffle(p00, p01, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31), 16);
        v128.store(row1 + c, i8x16.shuffle(p10, p11, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23));
        v128.store(row1 + c, i8x16.shuffle(p10, p11, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31), 16);
      }
      for (; ox < ow; ox++) {
        const at = load<i32>(ix + (<usize>ox << 2));
        if (at >= 0) store<f32>(xp + (<usize>at << 2), load<f32>(xp + (<usize>at << 2)) + load<f32>(g + (<usize>ox << 2)));
      }
    }
  }
}

/** Average pooling: each output = (((a + b) + c) + d) / 4 in float64, rounded to float32. */
export function avgPool2x2(x: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32, out: usize): void {
  const four = f64x2.splat(4), zero = f64x2.splat(0);
  for (let pl = 0; pl < planes; pl++) {
    const xp = x + (<usize>(pl * h * w) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const row0 = xp + (<usize>(2 * oy * w) << 2), row1 = row0 + (<usize>w << 2);
      let o = out + (<usize>((pl * oh + oy) * ow) << 2);
      let ox = 0;
      for (; ox + 4 <= ow; ox += 4) {
        const c = ox << 3;
        const t0 = v128.load(row0 + c), t1 = v128.load(row0 + c, 16), u0 = v128.load(row1 + c), u1 = v128.load(row1 + c, 16);
        const a = evens(t0, t1), b = odds(t0, t1), cc = evens(u0, u1), d = odds(u0, u1);
        // low two windows, then the high two, in float64
        let lo = f64x2.add(f64x2.add(f64x2.add(f64x2.add(zero, f64x2.promote_low_f32x4(a)), f64x2.promote_low_f32x4(b)), f64x2.promote_low_f32x4(cc)), f64x2.promote_low_f32x4(d));
        const ah = i8x16.shuffle(a, a, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
        const bh = i8x16.shuffle(b, b, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
        const ch = i8x16.shuffle(cc, cc, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
        const dh = i8x16.shuffle(d, d, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
        let hi = f64x2.add(f64x2.add(f64x2.add(f64x2.add(zero, f64x2.promote_low_f32x4(ah)), f64x2.promote_low_f32x4(bh)), f64x2.promote_low_f32x4(ch)), f64x2.promote_low_f32x4(dh));
        lo = f32x4.demote_f64x2_zero(f64x2.div(lo, four));
        hi = f32x4.demote_f64x2_zero(f64x2.div(hi, four));
        v128.store(o, i8x16.shuffle(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
        o += 16;
      }
      for (; ox < ow; ox++) {
        const c = <usize>ox << 3;
        const s = 0 + <f64>load<f32>(row0 + c) + <f64>load<f32>(row0 + c, 4) + <f64>load<f32>(row1 + c) + <f64>load<f32>(row1 + c, 4);
        store<f32>(o, <f32>(s / 4));
        o += 4;
      }
    }
  }
}

/** dx = dy / 4 spread over each window (as the reference's 0 + dy/4 rounded to float32), zero in an unused last row/column. */
export function avgPool2x2Backward(dy: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32, dx: usize): void {
  const zero = f32x4.splat(0), quarter = f32x4.splat(0.25);
  if (2 * oh != h || 2 * ow != w) memory.fill(dx, 0, <usize>(planes * h * w) << 2);
  for (let pl = 0; pl < planes; pl++) {
    const xp = dx + (<usize>(pl * h * w) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const row0 = xp + (<usize>(2 * oy * w) << 2), row1 = row0 + (<usize>w << 2);
      const g = dy + (<usize>((pl * oh + oy) * ow) << 2);
      let ox = 0;
      for (; ox + 4 <= ow; ox += 4) {
        // (0 + g) · 0.25: the reference's 0 + g/4 rounded once (a −0 or a tiny −g/4 stays as there)
        const s = f32x4.mul(f32x4.add(zero, v128.load(g + (<usize>ox << 2))), quarter);
        const lo = i8x16.shuffle(s, s, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7);
        const hi = i8x16.shuffle(s, s, 8, 9, 10, 11, 8, 9, 10, 11, 12, 13, 14, 15, 12, 13, 14, 15);
        const c = ox << 3;
        v128.store(row0 + c, lo);
        v128.store(row0 + c, hi, 16);
        v128.store(row1 + c, lo);
        v128.store(row1 + c, hi, 16);
      }
      for (; ox < ow; ox++) {
        const v: f32 = (0 + load<f32>(g + (<usize>ox << 2))) * 0.25;
        const c = <usize>ox << 3;
        store<f32>(row0 + c, v);
        store<f32>(row0 + c, v, 4);
        store<f32>(row1 + c, v);
        store<f32>(row1 + c, v, 4);
      }
    }
  }
}
