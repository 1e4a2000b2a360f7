// Per-channel kernels over a contiguous [outer, channels, inner] block, as plain loops: the oracle
// for the cpu backend's WebAssembly versions (same float64 operations in the same order).
import { UNARY } from "../semantics";

function checkGeometry(kernel: string, outer: number, channels: number, inner: number): number {
  for (const [name, v] of [["outer", outer], ["channels", channels], ["inner", inner]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${kernel}: ${name} must be a non-negative integer, got ${v}`);
  }
  return outer * channels * inner;
}

function checkLength(kernel: string, name: string, arr: { length: number }, need: number): void {
  if (arr.length < need) throw new RangeError(`${kernel}: ${name} has ${arr.length} elements but the shapes need ${need}`);
}

/** Argument checks of Kernels.channelSums (shared with the cpu backend). */
export function checkChannelSums(x: Float32Array, y: Float32Array | null, shift: Float64Array | null, outer: number, channels: number, inner: number, out: Float64Array): void {
  const n = checkGeometry("channelSums", outer, channels, inner);
  checkLength("channelSums", "x", x, n);
  if (y) checkLength("channelSums", "y", y, n);
  if (shift) checkLength("channelSums", "shift", shift, channels);
  checkLength("channelSums", "out", out, 2 * channels);
}

/** Argument checks of Kernels.channelAffine (shared with the cpu backend). */
export function checkChannelAffine(x: Float32Array, a: Float64Array, d: Float64Array, v: Float32Array | null, b: Float64Array | null, outer: number, channels: number, inner: number, out: Float32Array): void {
  const n = checkGeometry("channelAffine", outer, channels, inner);
  if (!v !== !b) throw new Error(`channelAffine: v and b go together (got ${v ? "v" : "b"} without ${v ? "b" : "v"})`);
  checkLength("channelAffine", "x", x, n);
  checkLength("channelAffine", "a", a, channels);
  checkLength("channelAffine", "d", d, channels);
  if (v) checkLength("channelAffine", "v", v, n);
  if (b) checkLength("channelAffine", "b", b, channels);
  checkLength("channelAffine", "out", out, n);
}

/** Sums of one row (see Kernels.channelSums): four interleaved accumulators, as sumContiguous. */
function rowSums(x: Float32Array, y: Float32Array | null, s: number, start: number, inner: number, out: number[]): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  let i = 0;
  const n4 = inner - (inner % 4);
  for (; i < n4; i += 4) {
    const p = start + i;
    const u0 = x[p] - s, u1 = x[p + 1] - s, u2 = x[p + 2] - s, u3 = x[p + 3] - s;
    a0 += u0; a1 += u1; a2 += u2; a3 += u3;
    if (y) {
      b0 += u0 * y[p]; b1 += u1 * y[p + 1]; b2 += u2 * y[p + 2]; b3 += u3 * y[p + 3];
    } else {
      b0 += u0 * u0; b1 += u1 * u1; b2 += u2 * u2; b3 += u3 * u3;
    }
  }
  for (let k = 0; i < inner; i++, k++) {
    const p = start + i;
    const u = x[p] - s, q = y ? u * y[p] : u * u;
    if (k === 0) { a0 += u; b0 += q; }
    else if (k === 1) { a1 += u; b1 += q; }
    else { a2 += u; b2 += q; }
  }
  out[0] = a0 + a1 + (a2 + a3);
  out[1] = b0 + b1 + (b2 + b3);
}

/** Kernels.channelSums for channels [c0, c1). */
export function channelSumsRange(x: Float32Array, y: Float32Array | null, shift: Float64Array | null, outer: number, channels: number, inner: number, c0: number, c1: number, out: Float64Array): void {
  const row = [0, 0];
  for (let c = c0; c < c1; c++) {
    const s = shift ? shift[c] : 0;
    let total = 0, total2 = 0;
    for (let o = 0; o < outer; o++) {
      rowSums(x, y, s, (o * channels + c) * inner, inner, row);
      total += row[0];
      total2 += row[1];
    }
    out[c] = total;
    out[channels + c] = total2;
  }
}

export function channelSums(x: Float32Array, y: Float32Array | null, shift: Float64Array | null, outer: number, channels: number, inner: number, out: Float64Array): void {
  checkChannelSums(x, y, shift, outer, channels, inner, out);
  channelSumsRange(x, y, shift, outer, channels, inner, 0, channels, out);
}

/** Kernels.channelAffine for rows [r0, r1) of the outer·channels rows (then ReLU when `relu`). */
export function channelAffineRange(x: Float32Array, a: Float64Array, d: Float64Array, v: Float32Array | null, b: Float64Array | null, channels: number, inner: number, r0: number, r1: number, out: Float32Array, relu = false): void {
  for (let r = r0; r < r1; r++) {
    const c = r % channels;
    const ac = a[c], dc = d[c], start = r * inner, end = start + inner;
    if (v && b) {
      const bc = b[c];
      for (let p = start; p < end; p++) out[p] = ac * x[p] + dc + bc * v[p];
    } else {
      for (let p = start; p < end; p++) out[p] = ac * x[p] + dc;
    }
    if (relu) for (let p = start; p < end; p++) out[p] = UNARY.relu(out[p]);
  }
}

export function channelAffine(x: Float32Array, a: Float64Array, d: Float64Array, v: Float32Array | null, b: Float64Array | null, outer: number, channels: number, inner: number, out: Float32Array, relu = false): void {
  checkChannelAffine(x, a, d, v, b, outer, channels, inner, out);
  channelAffineRange(x, a, d, v, b, channels, inner, 0, outer * channels, out, relu);
}
