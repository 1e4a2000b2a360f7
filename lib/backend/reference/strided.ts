// Row-major walks over strided views (an odometer over the dimensions).
import { numel } from "../../common";
import type { View } from "../backend";

/** True when the view is a dense row-major block (so a flat loop from `offset` is enough). */
export function isContiguous(v: View): boolean {
  let expected = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    if (v.shape[d] !== 1 && v.strides[d] !== expected) return false;
    expected *= v.shape[d];
  }
  return true;
}

/**
 * Calls `visit(i, o0, o1, o2)` for each element i (row-major over `shape`) with the element's
 * offset in up to three views sharing that shape.
 */
export function walk(
  shape: readonly number[],
  views: readonly View[],
  visit: (i: number, o0: number, o1: number, o2: number) => void,
): void {
  const total = numel(shape);
  if (total === 0) return;
  const nd = shape.length;
  const v0 = views[0], v1 = views[1], v2 = views[2];
  let o0 = v0 ? v0.offset : 0, o1 = v1 ? v1.offset : 0, o2 = v2 ? v2.offset : 0;
  if (nd === 0) {
    visit(0, o0, o1, o2);
    return;
  }
  const s0 = v0 ? v0.strides : [], s1 = v1 ? v1.strides : [], s2 = v2 ? v2.strides : [];
  const last = nd - 1;
  const n = shape[last];
  const a0 = s0[last] ?? 0, a1 = s1[last] ?? 0, a2 = s2[last] ?? 0;
  const idx = new Array<number>(nd).fill(0);
  let i = 0;
  while (i < total) {
    // inner dimension as a tight loop
    for (let j = 0; j < n; j++) visit(i++, o0 + j * a0, o1 + j * a1, o2 + j * a2);
    // carry into the outer dimensions
    let d = last - 1;
    while (d >= 0) {
      idx[d]++;
      o0 += s0[d] ?? 0;
      o1 += s1[d] ?? 0;
      o2 += s2[d] ?? 0;
      if (idx[d] < shape[d]) break;
      o0 -= (s0[d] ?? 0) * shape[d];
      o1 -= (s1[d] ?? 0) * shape[d];
      o2 -= (s2[d] ?? 0) * shape[d];
      idx[d] = 0;
      d--;
    }
  }
}
