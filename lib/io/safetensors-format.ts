// The safetensors byte format (https://github.com/huggingface/safetensors):
//   [8-byte little-endian header length N][N bytes of JSON header][data]
// The header maps each tensor name to { dtype, shape, data_offsets: [begin, end] } (offsets into
// the data part) and may hold "__metadata__": { string: string }. Data is little-endian.
// This file only converts between bytes and { name → (Float32Array, shape) }.

/** Bytes per element of each dtype we can read (all converted to float32). */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** Header length sanity limit (the reference implementation uses 100 MB too). */
const MAX_HEADER = 100_000_000;

export interface RawTensor {
  data: Float32Array;
  shape: number[];
}

export interface Parsed {
  tensors: Record<string, RawTensor>;
  metadata: Record<string, string>;
}

/** A corrupt or unsupported file; the message names the file and the field. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SafetensorsError";
  }
}

import { parseStrictJson, type JsonValue } from "./strict-json";

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Serialize float32 tensors (in the given name order) as safetensors bytes: [header bytes, ...data chunks]. */
export function encode(tensors: Record<string, RawTensor>, metadata?: Record<string, string>): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new TypeError(`safetensors: metadata value for "${k}" must be a string, got ${typeof v}`);
    }
    const meta: Record<string, string> = {};
    for (const [k, v] of Object.entries(metadata)) setOwnKey(meta, k, v);
    header.__metadata__ = meta;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === "__metadata__") throw new Error(`safetensors: "__metadata__" cannot be a tensor name`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`safetensors: tensor "${name}" has ${t.data.length} values but shape [${t.shape}]`);
    const bytes = t.data.length * 4;
    setOwnKey(header, name, { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + bytes] });
    offset += bytes;
    chunks.push(littleEndianBytes(t.data));
  }
  let json = JSON.stringify(header);
  const raw = Buffer.byteLength(json, "utf8");
  json += " ".repeat((8 - ((8 + raw) % 8)) % 8); // keep the data 8-byte aligned, like the reference writer
  const head = Buffer.alloc(8 + Buffer.byteLength(json, "utf8"));
  head.writeBigUInt64LE(BigInt(head.length - 8), 0);
  head.write(json, 8, "utf8");
  return [head, ...chunks];
}

function littleEndianBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

/**
 * Parse safetensors bytes; `file` is only used in error messages. Validated as the format's
 * reference implementation does, plus duplicate keys:
 * - the header length fits the file and the 100 MB limit; the header is UTF-8 JSON starting with "{";
 * - no key appears twice; `__metadata__` (optional) maps strings to strings;
 * - each tensor has a known dtype, a shape of non-negative integers and data_offsets [begin, end]
 *   holding exactly shape × dtype-size bytes;
 * - sorted by offset, the tensors tile the data part exactly: no overlap, no hole, no trailing byte.
 * Tensor names are own keys of the result (any name, "__proto__" and "constructor" included).
 */
export function decode(bytes: Uint8Array, file: string): Parsed {
  const fail = (msg: string) => new SafetensorsError(`${file}: ${msg}`);
  if (bytes.length < 8) throw fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(bytes.length - 8) || headerLen > BigInt(MAX_HEADER)) {
    throw fail(`header length ${headerLen} (first 8 bytes) exceeds the ${bytes.length - 8} bytes that follow${headerLen > BigInt(MAX_HEADER) ? ` or the ${MAX_HEADER}-byte limit` : ""} — not a safetensors file, or truncated`);
  }
  const n = Number(headerLen);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw fail("header is not valid UTF-8");
  }
  if (!text.startsWith("{")) throw fail(`header must be a JSON object starting with "{", got ${JSON.stringify(text.slice(0, 20))}`);
  let header: JsonValue;
  try {
    header = parseStrictJson(text);
  } catch (err) {
    throw fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw fail("header must be a JSON object");
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  const metadata: Record<string, string> = {};
  for (const name of Object.keys(header)) {
    const entry = header[name];
    if (name === "__metadata__") {
      if (entry === null) continue;
      if (typeof entry !== "object" || Array.isArray(entry)) throw fail(`"__metadata__" must be an object of strings`);
      for (const k of Object.keys(entry)) {
        const v = entry[k];
        if (typeof v !== "string") throw fail(`"__metadata__" value for ${JSON.stringify(k)} must be a string, got ${JSON.stringify(v)}`);
        setOwnKey(metadata, k, v);
      }
      continue;
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw fail(`tensor "${name}": header entry must be an object`);
    const dtype = entry.dtype;
    if (typeof dtype !== "string" || !Object.hasOwn(DTYPE_BYTES, dtype)) {
      throw fail(`tensor "${name}": dtype ${JSON.stringify(dtype)} is not supported (expected one of ${Object.keys(DTYPE_BYTES).join(", ")})`);
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && (s as number) >= 0)) {
      throw fail(`tensor "${name}": shape ${JSON.stringify(shape)} must be an array of non-negative integers`);
    }
    const offs = entry.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      throw fail(`tensor "${name}": data_offsets ${JSON.stringify(offs)} must be [begin, end], two non-negative integers`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end || end > dataLen) {
      throw fail(`tensor "${name}": data_offsets [${begin}, ${end}] are out of range (the data part has ${dataLen} bytes)`);
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const size = DTYPE_BYTES[dtype];
    if (!Number.isSafeInteger(count * size) || end - begin !== count * size) {
      throw fail(`tensor "${name}": data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} shape [${shape}] needs ${count * size}`);
    }
    entries.push({ name, dtype, shape: [...(shape as number[])], begin, end });
  }
  // The tensors must tile the data part exactly, in offset order (as the reference reader checks).
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at) {
      const prev = sorted[sorted.indexOf(e) - 1];
      throw fail(
        e.begin < at
          ? `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap tensor "${prev.name}" (which ends at ${at})`
          : `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] leave a hole of ${e.begin - at} bytes after byte ${at} of the data part`,
      );
    }
    at = e.end;
  }
  if (at !== dataLen) throw fail(`the tensors cover ${at} bytes of the data part but it has ${dataLen} (${dataLen - at} trailing bytes)`);
  const tensors: Record<string, RawTensor> = {};
  for (const e of entries) setOwnKey(tensors, e.name, { data: toFloat32(bytes, dataStart + e.begin, e.shape.reduce((a, b) => a * b, 1), e.dtype), shape: e.shape });
  return { tensors, metadata };
}

/** Set an own enumerable property even for "__proto__" (plain assignment would change the prototype). */
export function setOwnKey<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function toFloat32(bytes: Uint8Array, at: number, count: number, dtype: string): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, count * DTYPE_BYTES[dtype]);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case "F32": out[i] = view.getFloat32(i * 4, true); break;
      case "F64": out[i] = view.getFloat64(i * 8, true); break;
      case "F16": out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
      case "BF16": out[i] = bf16ToFloat(view.getUint16(i * 2, true)); break;
      case "I64": out[i] = Number(view.getBigInt64(i * 8, true)); break;
      case "I32": out[i] = view.getInt32(i * 4, true); break;
      case "I16": out[i] = view.getInt16(i * 2, true); break;
      case "I8": out[i] = view.getInt8(i); break;
      default: out[i] = view.getUint8(i); // U8, BOOL
    }
  }
  return out;
}

const scratch = new DataView(new ArrayBuffer(4));

function bf16ToFloat(h: number): number {
  scratch.setUint32(0, h << 16);
  return scratch.getFloat32(0);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
