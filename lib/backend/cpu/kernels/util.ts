// Small arithmetic shared by the kernel families.

/** `x` rounded up to a multiple of `m`. */
export const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;

/** Throw a RangeError naming the kernel and the argument when `arr` is shorter than the shapes need. */
export function checkLength(kernel: string, name: string, arr: { length: number }, need: number): void {
  if (arr.length < need) throw new RangeError(`${kernel}: ${name} has ${arr.length} elements but the shapes need ${need}`);
}
