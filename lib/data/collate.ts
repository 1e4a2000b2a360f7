// Making a batch: the fast path gathers images straight from a dataset's compact pixel array
// (bytes or floats) and applies crops, flips and per-channel affine maps in the same pass,
// writing each output value once into one Float32Array.
import type { Generator } from "../tensor/random";
import { Tensor } from "../tensor/tensor";
import { affineFor, applySteps, drawParams, segmentEnd } from "./transforms";
import type { Dims, Step } from "./transforms";

/** True when `steps` (no custom functions) can be done in one pass: at most one padded crop. */
function fusable(steps: readonly Step[]): boolean {
  return steps.filter((s) => s.kind === "crop" && s.padding > 0).length <= 1;
}

/**
 * Gather `indices` from `images` ([N,c,h,w] row-major) and apply `steps`, returning the batch
 * data and its dims. The result equals `applySteps` on the plain gathered batch (same random draws).
 */
export function collateImages(
  images: Uint8Array | Float32Array,
  imageShape: readonly [number, number, number],
  indices: ArrayLike<number>,
  steps: readonly Step[],
  rng: Generator,
): { data: Float32Array; dims: Dims } {
  const [c, h, w] = imageShape;
  const dims: Dims = { n: indices.length, c, h, w };
  const end = segmentEnd(steps, 0);
  const head = steps.slice(0, end);
  if (!fusable(head)) {
    return applySteps(gather(images, c * h * w, indices), dims, steps, rng);
  }
  const out = fusedHead(images, dims, indices, head, rng);
  return end < steps.length ? applySteps(out.data, out.dims, steps.slice(end), rng) : out;
}

/** Plain copy of the selected images into a Float32Array. */
export function gather(images: Uint8Array | Float32Array, size: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * size);
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b] * size;
    for (let j = 0; j < size; j++) out[b * size + j] = images[src + j];
  }
  return out;
}

function fusedHead(
  images: Uint8Array | Float32Array,
  dims: Dims,
  indices: ArrayLike<number>,
  steps: readonly Step[],
  rng: Generator,
): { data: Float32Array; dims: Dims } {
  const { n, c, h, w } = dims;
  const params = drawParams(steps, dims, rng);

  // Geometry before each step, and the composed per-channel affine map (and padding value).
  const sizes: [number, number][] = [];
  let oh = h;
  let ow = w;
  const A = new Float64Array(c).fill(1);
  const B = new Float64Array(c);
  const F = new Float64Array(c);
  for (const step of steps) {
    sizes.push([oh, ow]);
    if (step.kind === "crop") {
      [oh, ow] = step.size;
      if (step.padding > 0) F.fill(step.fill);
    } else if (step.kind === "affine") {
      const { scale, shift } = affineFor(step, c);
      for (let ch = 0; ch < c; ch++) {
        A[ch] = A[ch] * scale[ch];
        B[ch] = B[ch] * scale[ch] + shift[ch];
        F[ch] = F[ch] * scale[ch] + shift[ch];
      }
    }
  }

  const out = new Float32Array(n * c * oh * ow);
  const rowMap = new Int32Array(oh);
  const colMap = new Int32Array(ow);
  const plane = h * w;
  let o = 0;
  for (let i = 0; i < n; i++) {
    // Where output row y / column x comes from in the source image (-1: padding).
    for (let y = 0; y < oh; y++) rowMap[y] = y;
    for (let x = 0; x < ow; x++) colMap[x] = x;
    for (let k = steps.length - 1; k >= 0; k--) {
      const step = steps[k];
      const [hk, wk] = sizes[k];
      const p = params[k];
      if (step.kind === "crop" && p && "dy" in p) {
        remap(rowMap, p.dy[i] - step.padding, hk);
        remap(colMap, p.dx[i] - step.padding, wk);
      } else if (step.kind === "flip" && p && "flip" in p && p.flip[i]) {
        for (let x = 0; x < ow; x++) if (colMap[x] >= 0) colMap[x] = wk - 1 - colMap[x];
      }
    }
    const src = indices[i] * c * plane;
    for (let ch = 0; ch < c; ch++) {
      const a = A[ch];
      const b = B[ch];
      const f = F[ch];
      const base = src + ch * plane;
      for (let y = 0; y < oh; y++) {
        const sy = rowMap[y];
        if (sy < 0) {
          out.fill(f, o, o + ow);
          o += ow;
          continue;
        }
        const row = base + sy * w;
        for (let x = 0; x < ow; x++) {
          const sx = colMap[x];
          out[o++] = sx < 0 ? f : images[row + sx] * a + b;
        }
      }
    }
  }
  return { data: out, dims: { n, c, h: oh, w: ow } };
}

/** map[j] → map[j] + shift, or -1 when outside [0, size). */
function remap(map: Int32Array, shift: number, size: number): void {
  for (let j = 0; j < map.length; j++) {
    if (map[j] < 0) continue;
    const v = map[j] + shift;
    map[j] = v >= 0 && v < size ? v : -1;
  }
}

/** Stack samples made of Tensors / numbers / typed arrays into batch tensors, field by field. */
export function collateSamples(samples: unknown[]): Tensor[] {
  const first = samples[0];
  const fields = Array.isArray(first) ? first.length : 1;
  const out: Tensor[] = [];
  for (let f = 0; f < fields; f++) {
    const values = samples.map((s) => (Array.isArray(first) ? (s as unknown[])[f] : s));
    out.push(stackField(values, f));
  }
  return out;
}

function stackField(values: unknown[], field: number): Tensor {
  const v0 = values[0];
  if (typeof v0 === "number") return new Tensor(Float32Array.from(values as number[]), [values.length]);
  let shape: number[];
  let rows: ArrayLike<number>[];
  if (v0 instanceof Tensor) {
    shape = v0.shape;
    rows = values.map((v, i) => {
      if (!(v instanceof Tensor) || v.shape.join() !== shape.join()) {
        throw new Error(`DataLoader: sample ${i} field ${field} has shape ${v instanceof Tensor ? `[${v.shape}]` : typeof v}, but sample 0 has [${shape}]`);
      }
      return v.toFloat32Array();
    });
  } else if (ArrayBuffer.isView(v0) && "length" in v0) {
    shape = [(v0 as unknown as ArrayLike<number>).length];
    rows = values as ArrayLike<number>[];
  } else {
    throw new TypeError(`DataLoader: cannot batch field ${field} of type ${typeof v0}; samples should hold Tensors, numbers or typed arrays`);
  }
  const size = rows[0].length;
  const data = new Float32Array(values.length * size);
  rows.forEach((r, i) => {
    if (r.length !== size) throw new Error(`DataLoader: sample ${i} field ${field} has ${r.length} values, sample 0 has ${size}`);
    data.set(r, i * size);
  });
  return new Tensor(data, [values.length, ...shape]);
}
