// Image transforms for [C,H,W] samples or [B,C,H,W] batches: per-channel affine maps (toTensor,
// normalize) and seeded geometric augmentations (randomCrop, randomHorizontalFlip).
//
// A transform is a list of steps. The DataLoader runs the steps of its transform either fused
// with collation (collate.ts: bytes → one Float32Array in a single pass) or one after another
// on a Float32Array (`applySteps`, below). Both draw the same random numbers in the same order
// (all of a step's per-sample draws, step by step), so they give the same batches.
import type { Generator } from "../tensor/random";
import { randomGenerator } from "../tensor/random";
import { Tensor } from "../tensor/tensor";
import { fmtShape } from "../tensor/shape";

/** y = x·scale[c] + shift[c] (one value per channel, or one for all). */
export interface AffineStep {
  kind: "affine";
  name: string;
  scale: number[];
  shift: number[];
}
/** Pad by `padding` (with `fill`), then cut a random size[0]×size[1] window. */
export interface CropStep {
  kind: "crop";
  size: [number, number];
  padding: number;
  fill: number;
}
/** Mirror left–right with probability p. */
export interface FlipStep {
  kind: "flip";
  p: number;
}
/** Any function of the batch tensor [B,C,H,W]. */
export interface CustomStep {
  kind: "custom";
  fn: (x: Tensor) => Tensor;
}
export type Step = AffineStep | CropStep | FlipStep | CustomStep;

/** A callable transform: `t(x)` for a Tensor [C,H,W] or [B,C,H,W]; `steps` is what it does. */
export interface Transform {
  (x: Tensor): Tensor;
  readonly steps: readonly Step[];
}

/** Batch geometry. */
export interface Dims {
  n: number;
  c: number;
  h: number;
  w: number;
}

/** Random choices for one step, per sample. */
export type StepParams = { dy: Int32Array; dx: Int32Array } | { flip: Uint8Array } | null;

function makeTransform(steps: Step[]): Transform {
  const fn = (x: Tensor): Tensor => {
    if (!(x instanceof Tensor) || (x.ndim !== 3 && x.ndim !== 4)) {
      throw new Error(`transform: expected an image Tensor [C,H,W] or a batch [B,C,H,W], got ${x instanceof Tensor ? fmtShape(x.shape) : typeof x}`);
    }
    const single = x.ndim === 3;
    const [n, c, h, w] = single ? [1, ...x.shape] : x.shape;
    const out = applySteps(x.toFloat32Array(), { n, c, h, w }, steps, randomGenerator());
    return new Tensor(out.data, single ? [out.dims.c, out.dims.h, out.dims.w] : [out.dims.n, out.dims.c, out.dims.h, out.dims.w]);
  };
  return Object.assign(fn, { steps });
}

/**
 * Bytes 0–255 → floats in [0, 1] (divides by 255), like torchvision's ToTensor.
 *
 * @example
 * const loader = new gw.data.DataLoader(train, { batchSize: 64, transform: gw.data.toTensor() });
 */
export function toTensor(): Transform {
  return makeTransform([{ kind: "affine", name: "toTensor", scale: [1 / 255], shift: [0] }]);
}

/**
 * (x − mean[c]) / std[c] per channel.
 *
 * @example
 * gw.data.normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261]);
 */
export function normalize(mean: number | number[], std: number | number[]): Transform {
  const m = typeof mean === "number" ? [mean] : [...mean];
  const s = typeof std === "number" ? [std] : [...std];
  if (m.length !== s.length) throw new Error(`normalize: mean has ${m.length} values but std has ${s.length}`);
  const bad = s.find((v) => !(v > 0) || !Number.isFinite(v));
  if (bad !== undefined) throw new Error(`normalize: every std must be a positive number, got ${bad}`);
  return makeTransform([{ kind: "affine", name: "normalize", scale: s.map((v) => 1 / v), shift: m.map((v, i) => -v / s[i]) }]);
}

/**
 * Pad each image by `padding` pixels (value `fill`) on every side, then cut a random
 * `size`×`size` window — the standard CIFAR-10 augmentation is `randomCrop(32, { padding: 4 })`.
 *
 * @example
 * gw.data.randomCrop(32, { padding: 4 });
 */
export function randomCrop(size: number | [number, number], opts: { padding?: number; fill?: number } = {}): Transform {
  const sz: [number, number] = typeof size === "number" ? [size, size] : [size[0], size[1]];
  const padding = opts.padding ?? 0;
  if (!sz.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`randomCrop: size must be positive integers, got ${JSON.stringify(size)}`);
  if (!Number.isInteger(padding) || padding < 0) throw new Error(`randomCrop: padding must be a non-negative integer, got ${padding}`);
  return makeTransform([{ kind: "crop", size: sz, padding, fill: opts.fill ?? 0 }]);
}

/**
 * Mirror each image left–right with probability `p`.
 *
 * @example
 * gw.data.randomHorizontalFlip(); // p = 0.5
 */
export function randomHorizontalFlip(p = 0.5): Transform {
  if (!(p >= 0 && p <= 1)) throw new Error(`randomHorizontalFlip: p must be in [0, 1], got ${p}`);
  return makeTransform([{ kind: "flip", p }]);
}

/**
 * Run transforms in order. Plain functions `(x: Tensor) => Tensor` are allowed too (they see
 * the whole batch).
 *
 * @example
 * const augment = gw.data.compose([
 *   gw.data.randomCrop(32, { padding: 4 }), gw.data.randomHorizontalFlip(),
 *   gw.data.toTensor(), gw.data.normalize([0.49, 0.48, 0.45], [0.25, 0.24, 0.26]),
 * ]);
 */
export function compose(transforms: (Transform | ((x: Tensor) => Tensor))[]): Transform {
  return makeTransform(toSteps(transforms));
}

/** The steps of a transform, a function, or a list of them. */
export function toSteps(t: Transform | ((x: Tensor) => Tensor) | (Transform | ((x: Tensor) => Tensor))[] | undefined): Step[] {
  if (t === undefined) return [];
  if (Array.isArray(t)) return t.flatMap((x) => toSteps(x));
  if ("steps" in t && Array.isArray((t as Transform).steps)) return [...(t as Transform).steps];
  if (typeof t === "function") return [{ kind: "custom", fn: t }];
  throw new TypeError("transform: expected a gradwork transform, a function or an array of them");
}

/** Draw every step's random choices for a batch, step by step, in a fixed order. */
export function drawParams(steps: readonly Step[], dims: Dims, rng: Generator): StepParams[] {
  let { h, w } = dims;
  return steps.map((step) => {
    if (step.kind === "crop") {
      const [ch, cw] = step.size;
      const ph = h + 2 * step.padding;
      const pw = w + 2 * step.padding;
      if (ch > ph || cw > pw) throw new Error(`randomCrop: window ${ch}×${cw} is larger than the padded image ${ph}×${pw}`);
      const dy = new Int32Array(dims.n);
      const dx = new Int32Array(dims.n);
      for (let i = 0; i < dims.n; i++) {
        dy[i] = rng.int(0, ph - ch + 1);
        dx[i] = rng.int(0, pw - cw + 1);
      }
      h = ch;
      w = cw;
      return { dy, dx };
    }
    if (step.kind === "flip") {
      const flip = new Uint8Array(dims.n);
      for (let i = 0; i < dims.n; i++) flip[i] = rng.next() < step.p ? 1 : 0;
      return { flip };
    }
    return null;
  });
}

function perChannel(values: number[], c: number, what: string): number[] {
  if (values.length === 1) return new Array(c).fill(values[0]);
  if (values.length !== c) throw new Error(`${what}: has ${values.length} values per channel but the images have ${c} channels`);
  return values;
}

/** Per-channel (scale, shift) of an affine step for `c` channels. */
export function affineFor(step: AffineStep, c: number): { scale: number[]; shift: number[] } {
  return { scale: perChannel(step.scale, c, step.name), shift: perChannel(step.shift, c, step.name) };
}

/** Length of the run of steps starting at `from` up to (not including) the next custom step. */
export function segmentEnd(steps: readonly Step[], from: number): number {
  let end = from;
  while (end < steps.length && steps[end].kind !== "custom") end++;
  return end;
}

/**
 * Apply steps one after another to a batch stored in `data` (row-major [n,c,h,w]; may be
 * modified in place). Random choices are drawn per segment (the steps between custom functions).
 */
export function applySteps(data: Float32Array, dims: Dims, steps: readonly Step[], rng: Generator): { data: Float32Array; dims: Dims } {
  let cur = data;
  let d = { ...dims };
  let drawn: StepParams[] = [];
  let segStart = 0;
  steps.forEach((step, k) => {
    if (step.kind !== "custom" && (k === 0 || steps[k - 1].kind === "custom")) {
      segStart = k;
      drawn = drawParams(steps.slice(k, segmentEnd(steps, k)), d, rng);
    }
    const param = drawn[k - segStart];
    if (step.kind === "affine") {
      const { scale, shift } = affineFor(step, d.c);
      const plane = d.h * d.w;
      for (let i = 0; i < d.n; i++) {
        for (let ch = 0; ch < d.c; ch++) {
          const a = scale[ch];
          const b = shift[ch];
          const base = (i * d.c + ch) * plane;
          for (let j = base; j < base + plane; j++) cur[j] = cur[j] * a + b;
        }
      }
    } else if (step.kind === "crop") {
      const { dy, dx } = param as { dy: Int32Array; dx: Int32Array };
      const [ch, cw] = step.size;
      const out = new Float32Array(d.n * d.c * ch * cw);
      let o = 0;
      for (let i = 0; i < d.n; i++) {
        for (let c = 0; c < d.c; c++) {
          const base = (i * d.c + c) * d.h * d.w;
          for (let y = 0; y < ch; y++) {
            const sy = y + dy[i] - step.padding;
            for (let x = 0; x < cw; x++) {
              const sx = x + dx[i] - step.padding;
              out[o++] = sy >= 0 && sy < d.h && sx >= 0 && sx < d.w ? cur[base + sy * d.w + sx] : step.fill;
            }
          }
        }
      }
      cur = out;
      d = { ...d, h: ch, w: cw };
    } else if (step.kind === "flip") {
      const { flip } = param as { flip: Uint8Array };
      for (let i = 0; i < d.n; i++) {
        if (!flip[i]) continue;
        for (let row = i * d.c * d.h; row < (i + 1) * d.c * d.h; row++) cur.subarray(row * d.w, (row + 1) * d.w).reverse();
      }
    } else {
      const y = step.fn(new Tensor(cur, [d.n, d.c, d.h, d.w]));
      if (!(y instanceof Tensor) || y.ndim !== 4 || y.shape[0] !== d.n) {
        throw new Error(`transform: a custom function must return a batch [${d.n},C,H,W], got ${y instanceof Tensor ? fmtShape(y.shape) : typeof y}`);
      }
      cur = y.toFloat32Array();
      d = { n: y.shape[0], c: y.shape[1], h: y.shape[2], w: y.shape[3] };
    }
  });
  return { data: cur, dims: d };
}
