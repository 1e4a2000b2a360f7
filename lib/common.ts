// Small helpers shared across the library (once each): describing a bad argument, escaping HTML,
// element counts, integer pairs and the all-close rule.

/**
 * A short description of an unexpected value for error messages.
 *
 * @example
 * describeValue([1, 2]);   // "an array of length 2"
 * describeValue("3");      // 'the string "3"'
 * describeValue(new Map()); // "an object (Map)"
 */
export function describeValue(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === "object") return `an object (${(x as object).constructor?.name ?? "Object"})`;
  if (typeof x === "string") return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x)}`;
  if (typeof x === "function") return "function";
  return `${typeof x} ${String(x)}`;
}

/**
 * Escapes text for use inside HTML elements and attribute values.
 *
 * @example
 * escapeHtml('<b a="1">'); // "&lt;b a=&quot;1&quot;&gt;"
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/**
 * The number of elements of a shape (1 for the empty shape).
 *
 * @example
 * numel([2, 3]); // 6
 */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/**
 * `v` as a pair of integers ≥ `min` (a number stands for both); otherwise an Error with the
 * message `describeError(rule)`.
 *
 * @example
 * intPair(3, 1, (rule) => `stride must be ${rule}`);      // [3, 3]
 * intPair([2, 1], 1, (rule) => `stride must be ${rule}`); // [2, 1]
 */
export function intPair(v: unknown, min: number, describeError: (rule: string) => string): [number, number] {
  const ok = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x >= min;
  if (ok(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [v[0], v[1]];
  throw new Error(describeError(`integer(s) ≥ ${min}`));
}

/**
 * The all-close rule: `actual` matches `expected` when equal (infinities included), both NaN, or
 * within atol + rtol·|expected|.
 *
 * @example
 * isClose(1.00001, 1, 1e-4, 0); // true
 */
export function isClose(actual: number, expected: number, atol: number, rtol: number): boolean {
  if (Number.isNaN(expected) || Number.isNaN(actual)) return Number.isNaN(expected) && Number.isNaN(actual);
  return actual === expected || Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
}

/**
 * Where `actual` is furthest from `expected` beyond the tolerance (see isClose), with how many
 * elements fail; null when all match. A NaN or infinite mismatch counts as the worst.
 *
 * @example
 * worstMismatch([1, 2, 3.5], [1, 2, 3], 1e-3, 0); // { index: 2, excess: 0.499, failures: 1 }
 */
export function worstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): { index: number; excess: number; failures: number } | null {
  let index = -1, excess = -Infinity, failures = 0;
  for (let i = 0; i < expected.length; i++) {
    const x = actual[i], y = expected[i];
    if (isClose(x, y, atol, rtol)) continue;
    failures++;
    const e = Number.isFinite(x) && Number.isFinite(y) ? Math.abs(x - y) - (atol + rtol * Math.abs(y)) : Infinity;
    if (index < 0 || e > excess) {
      index = i;
      excess = e;
    }
  }
  return index < 0 ? null : { index, excess, failures };
}
