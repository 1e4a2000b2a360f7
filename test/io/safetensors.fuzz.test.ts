// A fuzzer over the safetensors reader (fast-check, seeded): files written by `encode`, then
// mutated — header fields and offsets, dtypes, shapes, entries added/removed/duplicated, length
// field, trailing/truncated data, random header bytes. Every mutated file must either load
// exactly what its header declares (checked by an independent reader and validator written here
// from the format's description) or throw a SafetensorsError — never load something else.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decode, encode, SafetensorsError, type RawTensor } from "../../lib/io/safetensors-format";

const SEED = Number(process.env.GW_PROPERTY_SEED ?? 3);
const RUNS = Number(process.env.GW_PROPERTY_RUNS ?? 300);
const SIZES: Record<string, number> = { F32: 4, F64: 8, I32: 4, I8: 1, U8: 1, BOOL: 1 };

type Header = Record<string, any>;

/** Independent model of a valid file: null when invalid, else name → { shape, values }. */
function oracle(headerText: string, data: Uint8Array): Map<string, { shape: number[]; values: number[] }> | null {
  if (!headerText.startsWith("{")) return null;
  let h: unknown;
  try {
    h = JSON.parse(headerText);
  } catch {
    return null;
  }
  if (typeof h !== "object" || h === null || Array.isArray(h)) return null;
  const out = new Map<string, { shape: number[]; values: number[] }>();
  const spans: [number, number][] = [];
  for (const [name, e] of Object.entries(h as Header)) {
    if (name === "__metadata__") {
      if (e === null) continue;
      if (typeof e !== "object" || Array.isArray(e) || !Object.values(e).every((v) => typeof v === "string")) return null;
      continue;
    }
    if (typeof e !== "object" || e === null || Array.isArray(e)) return null;
    const { dtype, shape, data_offsets: offs } = e;
    if (typeof dtype !== "string" || !(dtype in SIZES)) return null;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) return null;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0)) return null;
    const [b, end] = offs;
    const n = shape.reduce((x: number, y: number) => x * y, 1);
    if (b > end || end > data.length || end - b !== n * SIZES[dtype]) return null;
    spans.push([b, end]);
    const view = new DataView(data.buffer, data.byteOffset + b, end - b);
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = dtype === "F32" ? view.getFloat32(i * 4, true) : dtype === "F64" ? view.getFloat64(i * 8, true) : dtype === "I32" ? view.getInt32(i * 4, true) : dtype === "I8" ? view.getInt8(i) : view.getUint8(i);
      values.push(Math.fround(v));
    }
    out.set(name, { shape, values });
  }
  spans.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let at = 0;
  for (const [b, e] of spans) {
    if (b !== at) return null;
    at = e;
  }
  return at === data.length ? out : null;
}

/** A file's parts: header text (as written, with its padding) and the data bytes. */
function split(bytes: Uint8Array): { text: string; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { text: Buffer.from(bytes.subarray(8, 8 + n)).toString("utf8"), data: bytes.subarray(8 + n) };
}

function join(text: string, data: Uint8Array, lengthDelta = 0): Uint8Array {
  const head = Buffer.from(text, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Math.max(0, head.length + lengthDelta)));
  return new Uint8Array(Buffer.concat([len, head, data]));
}

/** decode → name → { shape, values } in header order, or the error. */
function run(bytes: Uint8Array): { ok: Map<string, { shape: number[]; values: number[] }> } | { error: unknown } {
  try {
    const { tensors } = decode(bytes, "fuzz.safetensors");
    const m = new Map<string, { shape: number[]; values: number[] }>();
    for (const name of Object.keys(tensors)) m.set(name, { shape: tensors[name].shape, values: Array.from(tensors[name].data) });
    return { ok: m };
  } catch (error) {
    return { error };
  }
}

const names = fc.uniqueArray(fc.constantFrom("a", "b", "w", "x.y", "constructor", "__proto__", "toString", "hasOwnProperty", "0"), { minLength: 1, maxLength: 4 });
const tensorsArb = names.chain((ns) =>
  fc.tuple(...ns.map((n) => fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })))).chain((entries) =>
    fc.tuple(
      fc.constant(entries),
      fc.tuple(...entries.map(([, s]) => fc.array(fc.float({ noDefaultInfinity: false }), { minLength: s.reduce((a, b) => a * b, 1), maxLength: s.reduce((a, b) => a * b, 1) }))),
    ),
  ),
);

type Mutation =
  | { kind: "offset"; t: number; which: 0 | 1; delta: number }
  | { kind: "copyOffsets"; from: number; to: number }
  | { kind: "swapOffsets"; a: number; b: number }
  | { kind: "shape"; t: number; shape: number[] }
  | { kind: "dtype"; t: number; dtype: string }
  | { kind: "remove"; t: number }
  | { kind: "alias"; t: number; name: string }
  | { kind: "metadata"; value: unknown }
  | { kind: "data"; delta: number }
  | { kind: "length"; delta: number }
  | { kind: "duplicateKey"; t: number }
  | { kind: "flip"; at: number; byte: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("offset" as const), t: fc.nat(5), which: fc.constantFrom(0 as const, 1 as const), delta: fc.integer({ min: -8, max: 8 }) }),
  fc.record({ kind: fc.constant("copyOffsets" as const), from: fc.nat(5), to: fc.nat(5) }),
  fc.record({ kind: fc.constant("swapOffsets" as const), a: fc.nat(5), b: fc.nat(5) }),
  fc.record({ kind: fc.constant("shape" as const), t: fc.nat(5), shape: fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 3 }) }),
  fc.record({ kind: fc.constant("dtype" as const), t: fc.nat(5), dtype: fc.constantFrom("F64", "I32", "I8", "U8", "BOOL", "F4", "f32", "") }),
  fc.record({ kind: fc.constant("remove" as const), t: fc.nat(5) }),
  fc.record({ kind: fc.constant("alias" as const), t: fc.nat(5), name: fc.constantFrom("alias", "__proto__", "valueOf") }),
  fc.record({ kind: fc.constant("metadata" as const), value: fc.oneof(fc.constant({ k: "v" }), fc.constant({ k: 3 }), fc.constant(null), fc.constant(["x"]), fc.constant("s"), fc.constant({ k: null })) }),
  fc.record({ kind: fc.constant("data" as const), delta: fc.integer({ min: -6, max: 6 }) }),
  fc.record({ kind: fc.constant("length" as const), delta: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ kind: fc.constant("duplicateKey" as const), t: fc.nat(5) }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(10_000), byte: fc.integer({ min: 0, max: 255 }) }),
);

/** Apply `m` to a file; returns the mutated bytes and whether the oracle applies exactly (structured mutations). */
function mutate(bytes: Uint8Array, m: Mutation): { bytes: Uint8Array; exact: boolean; knownInvalid?: boolean } {
  const { text, data } = split(bytes);
  const header: Header = JSON.parse(text);
  const keys = Object.keys(header).filter((k) => k !== "__metadata__");
  const pick = (i: number) => keys[i % keys.length];
  switch (m.kind) {
    case "offset":
      header[pick(m.t)].data_offsets[m.which] += m.delta;
      break;
    case "copyOffsets":
      header[pick(m.to)].data_offsets = [...header[pick(m.from)].data_offsets];
      break;
    case "swapOffsets": {
      const [a, b] = [header[pick(m.a)], header[pick(m.b)]];
      [a.data_offsets, b.data_offsets] = [b.data_offsets, a.data_offsets];
      break;
    }
    case "shape":
      header[pick(m.t)].shape = m.shape;
      break;
    case "dtype":
      header[pick(m.t)].dtype = m.dtype;
      break;
    case "remove":
      delete header[pick(m.t)];
      break;
    case "alias":
      Object.defineProperty(header, m.name, { value: { ...header[pick(m.t)] }, enumerable: true, configurable: true, writable: true });
      break;
    case "metadata":
      header.__metadata__ = m.value;
      break;
    case "data":
      return { bytes: join(text, m.delta >= 0 ? new Uint8Array([...data, ...new Uint8Array(m.delta).fill(7)]) : data.subarray(0, Math.max(0, data.length + m.delta))), exact: true };
    case "length":
      return { bytes: join(text, data, m.delta), exact: false };
    case "duplicateKey": {
      const k = pick(m.t);
      const dup = `{${JSON.stringify(k)}:${JSON.stringify(header[k])},${text.slice(1)}`;
      return { bytes: join(dup, data), exact: true, knownInvalid: true };
    }
    case "flip": {
      const out = new Uint8Array(bytes);
      out[m.at % out.length] = m.byte;
      return { bytes: out, exact: false };
    }
  }
  return { bytes: join(JSON.stringify(header), data), exact: true };
}

function build(entries: [string, number[]][], values: number[][]): Uint8Array {
  const tensors: Record<string, RawTensor> = {};
  entries.forEach(([name, shape], i) => Object.defineProperty(tensors, name, { value: { shape, data: Float32Array.from(values[i]) }, enumerable: true }));
  return new Uint8Array(Buffer.concat(encode(tensors)));
}

describe("safetensors reader fuzzer (property-based, seeded)", () => {
  it("an unmutated file loads exactly what was written, names included", () => {
    fc.assert(
      fc.property(tensorsArb, ([entries, values]) => {
        const r = run(build(entries, values));
        if (!("ok" in r)) throw r.error;
        // (as sets: a JavaScript object lists integer-like names such as "0" first)
        expect([...r.ok.keys()].sort()).toEqual(entries.map(([n]) => n).sort());
        entries.forEach(([name, shape], i) => {
          expect(r.ok.get(name)!.shape).toEqual(shape);
          expect(r.ok.get(name)!.values).toEqual(Array.from(Float32Array.from(values[i])));
        });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("every mutation loads exactly what its header declares, or throws a SafetensorsError", () => {
    fc.assert(
      fc.property(tensorsArb, fc.array(mutation, { minLength: 1, maxLength: 2 }), ([entries, values], ms) => {
        let file: { bytes: Uint8Array; exact: boolean; knownInvalid?: boolean } = { bytes: build(entries, values), exact: true, knownInvalid: false };
        for (const m of ms) {
          if (file.knownInvalid || !file.exact) break; // further structured edits need a parseable header
          let next: typeof file;
          try {
            next = mutate(file.bytes, m);
          } catch {
            continue; // the mutation does not apply (e.g. the header no longer parses)
          }
          file = next;
        }
        const r = run(file.bytes);
        let expected: ReturnType<typeof oracle> = null;
        if (!file.knownInvalid) {
          try {
            const n = Number(new DataView(file.bytes.buffer, file.bytes.byteOffset).getBigUint64(0, true));
            if (8 + n <= file.bytes.length) expected = oracle(new TextDecoder("utf-8", { fatal: true }).decode(file.bytes.subarray(8, 8 + n)), file.bytes.subarray(8 + n));
          } catch {
            expected = null;
          }
        }
        if ("error" in r) {
          expect(r.error).toBeInstanceOf(SafetensorsError);
          // structured mutations: a file the independent validator accepts must load
          if (file.exact) expect(expected, `rejected a valid file: ${(r.error as Error).message}`).toBeNull();
          return;
        }
        expect(expected, "loaded a file the validator rejects").not.toBeNull();
        expect([...r.ok.keys()].sort()).toEqual([...expected!.keys()].sort());
        for (const [name, e] of expected!) {
          expect(r.ok.get(name)!.shape).toEqual(e.shape);
          expect(r.ok.get(name)!.values).toEqual(e.values);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
