// @ts-nocheck -- AssemblyScript (compiled to WebAssembly by ./build.mjs), not part of the TypeScript build.
//
// The SGD step (Kernels.sgdUpdate) in float32 SIMD: every product and sum rounded to float32 in the
// order of the reference loop (reference/optim.ts), hence the same numbers. A float32 operation on
// float32 inputs rounds as JavaScript's Math.fround of the float64 operation does.

/** flags of sgdRange */
const HAS_BUF = 1, FRESH = 2, NESTEROV = 4, DAMPEN = 8, DECAY = 16;

/**
 * Elements [i0, i1) of one SGD step: p, g, b (0 without a momentum buffer) are f32 addresses,
 * `scalars` holds lr, weightDecay, momentum, 1 − dampening as four f32.
 */
export function sgdRange(p: usize, g: usize, b: usize, i0: i32, i1: i32, scalars: usize, flags: i32): void {
  const lr = load<f32>(scalars), wd = load<f32>(scalars, 4), m = load<f32>(scalars, 8), keep = load<f32>(scalars, 12);
  const vlr = f32x4.splat(lr), vwd = f32x4.splat(wd), vm = f32x4.splat(m), vkeep = f32x4.splat(keep);
  const hasBuf = (flags & HAS_BUF) != 0, fresh = (flags & FRESH) != 0, nesterov = (flags & NESTEROV) != 0;
  const dampen = (flags & DAMPEN) != 0, decay = (flags & DECAY) != 0;
  let i = i0;
  if (hasBuf && !fresh && !nesterov && !dampen && !decay) {
    // the common case: momentum only
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i << 2;
      const buf = f32x4.add(f32x4.mul(v128.load(b + o), vm), v128.load(g + o));
      v128.store(b + o, buf);
      v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.mul(buf, vlr)));
    }
  } else if (!hasBuf && !decay) {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i << 2;
      v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.mul(v128.load(g + o), vlr)));
    }
  } else {
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i << 2;
      const pi = v128.load(p + o);
      let gv = v128.load(g + o);
      if (decay) gv = f32x4.add(gv, f32x4.mul(pi, vwd));
      if (hasBuf) {
        const damped = dampen ? f32x4.mul(gv, vkeep) : gv;
        const buf = fresh ? gv : f32x4.add(f32x4.mul(v128.load(b + o), vm), damped);
        v128.store(b + o, buf);
        gv = nesterov ? f32x4.add(gv, f32x4.mul(buf, vm)) : buf;
      }
      v128.store(p + o, f32x4.sub(pi, f32x4.mul(gv, vlr)));
    }
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let gv = load<f32>(g + o);
    if (decay) gv = gv + pi * wd;
    if (hasBuf) {
      const damped = dampen ? gv * keep : gv;
      const buf = fresh ? gv : load<f32>(b + o) * m + damped;
      store<f32>(b + o, buf);
      gv = nesterov ? gv + buf * m : buf;
    }
    store<f32>(p + o, pi - gv * lr);
  }
}
