// Argument checks for layer constructors: every bad argument is an error that names the layer,
// the argument and the value it got (checked at construction, before any storage is made).

type Pair = number | readonly [number, number];

/** JSON-ish rendering of a bad value for an error message (keeps NaN, Infinity, undefined, functions readable). */
export function show(v: unknown): string {
  if (typeof v === "number" || typeof v === "boolean" || v === undefined || v === null) return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (typeof v === "function") return "a function";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const fail = (layer: string, arg: string, rule: string, v: unknown) => new Error(`${layer}: ${arg} must be ${rule}, got ${show(v)}`);

/** An integer ≥ `min` (1 by default). */
export function intArg(layer: string, arg: string, v: unknown, min = 1): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw fail(layer, arg, min === 1 ? "a positive integer" : `an integer ≥ ${min}`, v);
  return v;
}

/** Any integer (a dimension index; the range is checked against the input at forward time). */
export function dimArg(layer: string, arg: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw fail(layer, arg, "an integer dimension index", v);
  return v;
}

/** An integer ≥ `min`, or a pair of them. */
export function pairArg(layer: string, arg: string, v: unknown, min = 1): [number, number] {
  const ok = (x: unknown) => typeof x === "number" && Number.isInteger(x) && x >= min;
  const rule = `${min === 1 ? "a positive integer" : `an integer ≥ ${min}`} or a pair of them`;
  if (typeof v === "number") {
    if (!ok(v)) throw fail(layer, arg, rule, v);
    return [v, v];
  }
  if (!Array.isArray(v) || v.length !== 2 || !v.every(ok)) throw fail(layer, arg, rule, v);
  return [v[0], v[1]];
}

/** A finite number in [lo, hi] (either end may be excluded). */
export function numberArg(layer: string, arg: string, v: unknown, lo: number, hi: number, opts: { loOpen?: boolean; hiOpen?: boolean } = {}): number {
  const inRange = typeof v === "number" && Number.isFinite(v) && (opts.loOpen ? v > lo : v >= lo) && (opts.hiOpen ? v < hi : v <= hi);
  if (!inRange) {
    const range = hi === Infinity ? (opts.loOpen ? `> ${lo}` : `≥ ${lo}`) : `in ${opts.loOpen ? "(" : "["}${lo}, ${hi}${opts.hiOpen ? ")" : "]"}`;
    throw fail(layer, arg, `a finite number ${range}`, v);
  }
  return v as number;
}

/** true or false (undefined means the default). */
export function boolArg(layer: string, arg: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") throw fail(layer, arg, "true or false", v);
  return v;
}

/** An options object (or undefined), and no option names the layer does not know. */
export function optionsArg<T extends object>(layer: string, v: unknown, known: readonly string[]): T {
  if (v === undefined) return {} as T;
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw fail(layer, "the options argument", "an object", v);
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) throw new Error(`${layer}: unknown option ${JSON.stringify(k)} (known: ${known.join(", ")})`);
  }
  return v as T;
}

/** Channel counts and groups of a convolution: positive integers, groups dividing both. */
export function channelsArg(layer: string, inC: unknown, outC: unknown, groups: unknown): void {
  intArg(layer, "inChannels", inC);
  intArg(layer, "outChannels", outC);
  const g = intArg(layer, "groups", groups);
  if ((inC as number) % g || (outC as number) % g) {
    throw new Error(`${layer}: groups=${g} must divide both inChannels (${inC}) and outChannels (${outC})`);
  }
}

/** Python-style float text as PyTorch prints it (1e-05, 0.1). */
export function pyFloat(x: number): string {
  const a = Math.abs(x);
  if (a !== 0 && Number.isFinite(a) && (a < 1e-4 || a >= 1e16)) {
    return x.toExponential().replace(/e([+-])(\d)$/, "e$10$2").replace("e+", "e+");
  }
  return String(x);
}

/** A Pair as printed in a layer's settings: 2 for [2, 2], [1, 2] otherwise. */
export function showPair(v: Pair): string {
  return typeof v === "number" ? String(v) : v[0] === v[1] ? String(v[0]) : `[${v[0]}, ${v[1]}]`;
}
