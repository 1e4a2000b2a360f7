// Assertions for notebook check cells: print a ✓ line when a value matches, throw a clear error
// (which stops a headless notebook run) when it does not.
import { worstMismatch } from "../common";
import { Tensor } from "../tensor/tensor";

type Numeric = number | boolean | Tensor | readonly Numeric[] | Float32Array;

function flat(v: Numeric): number[] {
  if (v instanceof Tensor) return Array.from(v.toFloat32Array());
  if (typeof v === "number") return [v];
  if (typeof v === "boolean") return [v ? 1 : 0];
  if (v instanceof Float32Array) return Array.from(v);
  if (Array.isArray(v)) return (v as Numeric[]).flatMap(flat);
  throw new Error(`check: cannot compare ${typeof v}`);
}

function show(v: Numeric): string {
  const f = flat(v);
  const s = f.map((x) => (Number.isInteger(x) ? String(x) : x.toPrecision(5))).join(", ");
  return f.length === 1 ? s : `[${s}]`;
}

/**
 * Check that `actual` is within `atol + rtol·|expected|` of `expected` elementwise (numbers,
 * nested arrays or tensors); prints `✓ label` or throws naming the worst element.
 *
 * @example
 * gw.check.close(f.item(), -12, { label: "f(x, y, z)" });
 */
export function close(actual: Numeric, expected: Numeric, opts: { atol?: number; rtol?: number; label?: string } = {}): void {
  const a = flat(actual), e = flat(expected);
  const atol = opts.atol ?? 1e-4, rtol = opts.rtol ?? 1e-4;
  const label = opts.label ?? "value";
  if (a.length !== e.length) throw new Error(`check failed: ${label} has ${a.length} element(s), expected ${e.length}`);
  const worst = worstMismatch(a, e, atol, rtol)?.index ?? -1;
  if (worst >= 0) {
    throw new Error(`check failed: ${label} = ${show(actual)}, expected ${show(expected)} (element ${worst}: ${a[worst]} vs ${e[worst]}, tolerance atol=${atol}, rtol=${rtol})`);
  }
  console.log(`✓ ${label} = ${show(actual)}`);
}

/**
 * Check exact equality (numbers, arrays, tensors, strings).
 *
 * @example
 * gw.check.equal(y.shape, [2, 3], { label: "output shape" });
 */
export function equal(actual: Numeric | string | readonly string[], expected: Numeric | string | readonly string[], opts: { label?: string } = {}): void {
  const label = opts.label ?? "value";
  const same = typeof actual === "string" || typeof expected === "string" || (Array.isArray(actual) && typeof actual[0] === "string")
    ? JSON.stringify(actual) === JSON.stringify(expected)
    : (() => {
        const a = flat(actual as Numeric), e = flat(expected as Numeric);
        return a.length === e.length && a.every((x, i) => x === e[i]);
      })();
  if (!same) throw new Error(`check failed: ${label} = ${JSON.stringify(actual instanceof Tensor ? actual.toArray() : actual)}, expected ${JSON.stringify(expected instanceof Tensor ? expected.toArray() : expected)}`);
  console.log(`✓ ${label} = ${JSON.stringify(actual instanceof Tensor ? actual.toArray() : actual)}`);
}

/**
 * Check that a condition holds.
 *
 * @example
 * gw.check.ok(acc > 0.9, "accuracy above 90 %");
 */
export function ok(condition: boolean, label: string): void {
  if (!condition) throw new Error(`check failed: ${label}`);
  console.log(`✓ ${label}`);
}
