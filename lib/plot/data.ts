/**
 * Turning the values students pass to the plot helpers (arrays, typed arrays, tensors) into plain
 * number arrays, with errors that name the offending argument.
 */
import { describeValue } from "../common";

/** Anything with a shape and a flat row-major copy of its data, e.g. a gradwork `Tensor`. */
export interface TensorData {
  shape: readonly number[];
  toFloat32Array(): Float32Array;
}

/** @deprecated The old name of TensorData (`gw.TensorLike` is an op's operand: a Tensor or a number). */
export type TensorLike = TensorData;

/** A 1-D series: a number array, a typed array or a 1-D tensor. */
export type Series = readonly number[] | ArrayLike<number> | TensorData;

/** A 2-D grid: nested number arrays or a 2-D tensor. */
export type Grid = ReadonlyArray<ArrayLike<number>> | TensorData;

export function isTensorData(v: unknown): v is TensorData {
  return (
    typeof v === "object" &&
    v !== null &&
    Array.isArray((v as TensorData).shape) &&
    typeof (v as TensorData).toFloat32Array === "function"
  );
}

/** A 1-D series as `number[]`; `what` names the argument in errors (e.g. "plot.line: y"). */
export function toNumbers(v: Series, what: string): number[] {
  if (isTensorData(v)) {
    const dims = v.shape.filter((d) => d !== 1);
    if (dims.length > 1) {
      throw new Error(`${what}: expected a 1-D tensor, got shape [${v.shape.join(", ")}]`);
    }
    return Array.from(v.toFloat32Array());
  }
  if (v === null || typeof v !== "object" || typeof (v as ArrayLike<number>).length !== "number") {
    throw new Error(`${what}: expected an array of numbers, got ${describeValue(v)}`);
  }
  const out = Array.from(v as ArrayLike<number>);
  const bad = out.findIndex((x) => typeof x !== "number");
  if (bad >= 0) throw new Error(`${what}: element ${bad} is ${describeValue(out[bad])}, not a number`);
  return out;
}

/** A 2-D grid as `number[][]` (rows), checking that every row has the same length. */
export function toRows(v: Grid, what: string): number[][] {
  if (isTensorData(v)) {
    if (v.shape.length !== 2) {
      throw new Error(`${what}: expected a 2-D tensor, got shape [${v.shape.join(", ")}]`);
    }
    const [rows, cols] = v.shape;
    const flat = v.toFloat32Array();
    return Array.from({ length: rows }, (_, r) => Array.from(flat.subarray(r * cols, (r + 1) * cols)));
  }
  if (!Array.isArray(v) || v.length === 0) {
    throw new Error(`${what}: expected a non-empty array of rows, got ${describeValue(v)}`);
  }
  const out = v.map((row, r) => toNumbers(row as ArrayLike<number>, `${what}[${r}]`));
  const width = out[0].length;
  const ragged = out.findIndex((row) => row.length !== width);
  if (ragged >= 0) {
    throw new Error(`${what}: row ${ragged} has ${out[ragged].length} values but row 0 has ${width}`);
  }
  return out;
}
