/**
 * The Backend interface: every numeric kernel gradwork needs, keyed by a union of kernel
 * names so that a backend missing one is a compile error.
 *
 * Conventions shared by all kernels:
 * - Storage is a plain `Float32Array` (integers such as class indices or arg-max positions are
 *   stored as exact float32 values; index *arguments* to kernels are `Int32Array`).
 * - Outputs are preallocated by the caller (with `alloc`), contiguous row-major, and fully
 *   written by the kernel unless the kernel says it accumulates.
 * - A `View` describes a strided input: element (i0,…,ik) of the view lives at
 *   `data[offset + i0*strides[0] + … + ik*strides[k]]`. Broadcast dimensions have stride 0.
 * - Kernels never keep references to their arguments after returning.
 */

/** A strided, read-only window onto a Float32Array. */
export interface View {
  readonly data: Float32Array;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

export type UnaryOp =
  | "copy" | "neg" | "exp" | "log" | "sqrt" | "abs" | "tanh" | "sin" | "cos" | "sign" | "relu";

/**
 * `reluBackward(g, x)` is ReLU's backward in one pass: g · (x > 0 ? 1 : 0) (the same numbers as
 * `mul(g, gt(x, 0))`, so a NaN or infinite g stays NaN where x ≤ 0).
 */
export type BinaryOp =
  | "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum"
  | "gt" | "lt" | "ge" | "le" | "eq" | "ne" | "reluBackward";

/** `argmax`/`argmin` write the index (first occurrence) as a float. */
export type ReduceOp = "sum" | "max" | "min" | "argmax" | "argmin";

/** Batched GEMM: for each b < batch, out[b] (m×n) = op(A[b]) (m×k) · op(B[b]) (k×n). */
export interface GemmArgs {
  batch: number;
  m: number;
  n: number;
  k: number;
  /** A[b] starts at aOffset + b*aBatchStride; row-major m×k, or k×m when transA. */
  a: Float32Array;
  aOffset: number;
  aBatchStride: number;
  transA: boolean;
  /** B[b] starts at bOffset + b*bBatchStride; row-major k×n, or n×k when transB. */
  b: Float32Array;
  bOffset: number;
  bBatchStride: number;
  transB: boolean;
  /** Contiguous batch×m×n. */
  out: Float32Array;
}

/** Geometry of a 2-D convolution (1-D convolutions use H = kh = 1). NCHW, all contiguous. */
export interface Conv2dParams {
  n: number; c: number; h: number; w: number; // input
  cOut: number; kh: number; kw: number; groups: number;
  strideH: number; strideW: number;
  padH: number; padW: number; // zero padding on each side
  dilH: number; dilW: number;
  outH: number; outW: number;
}

/** Geometry of 2-D pooling, NCHW contiguous. */
export interface Pool2dParams {
  n: number; c: number; h: number; w: number;
  kh: number; kw: number;
  strideH: number; strideW: number;
  padH: number; padW: number;
  outH: number; outW: number;
  /** avg only: divide by kh*kw (true, PyTorch's default) or by the number of in-bounds cells. */
  countIncludePad: boolean;
}

export type PoolMode = "max" | "avg";

/**
 * One SGD step's hyperparameters (PyTorch's rule), as float32 values (`Math.fround`). `fresh`: the
 * momentum buffer was just made from this gradient (the first step), so it is not decayed.
 */
export interface SgdArgs {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  fresh: boolean;
}

/** Signature of every kernel. */
export interface Kernels {
  /** out[i] = op(x[i]) over x.shape (out contiguous, numel(x.shape)). */
  unary(op: UnaryOp, x: View, out: Float32Array): void;
  /** out = op(a, b); a and b already broadcast to the same shape (stride 0 where broadcast). Comparisons write 1 or 0. */
  binary(op: BinaryOp, a: View, b: View, out: Float32Array): void;
  /** out = cond != 0 ? a : b; all three views share one (broadcast) shape. */
  where(cond: View, a: View, b: View, out: Float32Array): void;
  /** x is contiguous [outer, size, inner]; reduces the middle axis into out [outer, inner]. */
  reduce(op: ReduceOp, x: Float32Array, outer: number, size: number, inner: number, out: Float32Array): void;
  /** Batched GEMM with all four transpose combinations (see GemmArgs). */
  matmul(args: GemmArgs): void;
  /**
   * y [n,cOut,outH,outW] = x ⋆ w (+ bias[cOut] if given); w is [cOut, c/groups, kh, kw]. Cross-correlation.
   * With `relu`, y = relu(x ⋆ w + bias) in the same pass: the unary `relu` of the same floats.
   */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, p: Conv2dParams, out: Float32Array, relu?: boolean): void;
  /** dx [n,c,h,w] from dy [n,cOut,outH,outW] and w (the "full" correlation with the 180°-rotated kernel). */
  conv2dBackwardInput(dy: Float32Array, w: Float32Array, p: Conv2dParams, out: Float32Array): void;
  /** dw [cOut, c/groups, kh, kw] = x ⋆ dy (summed over the batch). */
  conv2dBackwardWeight(x: Float32Array, dy: Float32Array, p: Conv2dParams, out: Float32Array): void;
  /**
   * Pooling forward. Max: padding counts as -Infinity; `indices` (same size as out) receives, for each
   * output, the flat index h*W+w inside its (n,c) plane of the first maximum in row-major window order
   * (NaN wins). Avg: indices is null.
   */
  pool2d(mode: PoolMode, x: Float32Array, p: Pool2dParams, out: Float32Array, indices: Int32Array | null): void;
  /** Pooling backward into dx [n,c,h,w] (fully written). Max routes dy to indices; avg spreads it evenly. */
  pool2dBackward(mode: PoolMode, dy: Float32Array, indices: Int32Array | null, p: Pool2dParams, out: Float32Array): void;
  /**
   * Per-channel sums over a contiguous [outer, channels, inner] x in one pass, for per-channel layers
   * (statistics, and the gradients of per-channel scales and shifts). With u = x − shift[c] (no
   * shift: u = x), channel c gets out[c] = Σ u and out[channels + c] = Σ u², or Σ u·y when y (the
   * same layout as x) is given; the sums run over o < outer and i < inner. Float64 throughout, in a
   * fixed order: each (o, c) row of `inner` floats is summed with four interleaved accumulators
   * (as `sumContiguous` in semantics.ts) and the rows are added in order of o. `out` is a
   * Float64Array of 2·channels (per-channel parameters, not tensor storage).
   *
   * @example
   * // mean and biased variance of channel c of x [N, C, H, W], shifted by k[c] (e.g. one sample of it)
   * const s = new Float64Array(2 * C), count = N * H * W;
   * backend.channelSums(x, null, k, N, C, H * W, s);
   * const m = s[c] / count, mean = k[c] + m, variance = s[C + c] / count - m * m;
   */
  channelSums(x: Float32Array, y: Float32Array | null, shift: Float64Array | null, outer: number, channels: number, inner: number, out: Float64Array): void;
  /**
   * Per-channel affine map over a contiguous [outer, channels, inner] x in one pass:
   * out = a[c]·x + d[c], or a[c]·x + d[c] + b[c]·v when v (same layout) and b are given, evaluated
   * left to right in float64 and rounded once to float32. The coefficients are Float64Arrays of
   * `channels`. `out` may be x itself. With `relu`, the unary `relu` of those floats.
   *
   * @example
   * // y = γ·(x − μ)/σ + β per channel: a = γ/σ, d = β − μ·γ/σ
   * backend.channelAffine(x, a, d, null, null, n, c, h * w, y);
   */
  channelAffine(x: Float32Array, a: Float64Array, d: Float64Array, v: Float32Array | null, b: Float64Array | null, outer: number, channels: number, inner: number, out: Float32Array, relu?: boolean): void;
  /**
   * One SGD step on `param` in place, one pass (the momentum buffer `buf`, when given, too), with
   * every product and sum rounded to float32 as the tensor ops of optim/sgd.ts round them:
   * g = grad (+ weightDecay·param); buf = fresh ? g : momentum·buf + (1 − dampening)·g;
   * g = nesterov ? g + momentum·buf : buf; param −= lr·g. param, grad and buf have the same length.
   *
   * @example
   * backend.sgdUpdate(p.storage, g.readData(), null, { lr: Math.fround(0.1), momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, fresh: false });
   */
  sgdUpdate(param: Float32Array, grad: Float32Array, buf: Float32Array | null, a: SgdArgs): void;
  /** out[i] = x[index[i]] for i < index.length. */
  take(x: Float32Array, index: Int32Array, out: Float32Array): void;
  /** out[index[i]] += src[i] (accumulates into out; repeated indices add up). */
  scatterAdd(src: Float32Array, index: Int32Array, out: Float32Array): void;
}

/** The union of kernel names: a backend missing one of these does not compile. */
export type KernelName = keyof Kernels;

export interface Backend extends Kernels {
  /** "reference" or "cpu". */
  readonly name: string;
  /**
   * Allocate storage for `size` floats: zeroed, unless `uninitialized` is true (then the contents
   * are unspecified and the caller writes every element, e.g. a kernel's output).
   */
  alloc(size: number, uninitialized?: boolean): Float32Array;
  /**
   * Optional: a training step begins or ends (`zeroGrad()` calls this), so the tensors of the last
   * step are probably garbage. A backend that keeps tensors in memory of its own may reclaim them
   * here (the cpu backend sweeps its heap then: see lib/backend/cpu/memory/heap.ts).
   */
  stepBoundary?(): void;
}
