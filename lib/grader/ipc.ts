/**
 * The grader's channel to the sandbox: length-prefixed JSON frames over one socket (fd 3 of the
 * sandboxed process), with typed arrays as base64.
 *
 * Nothing the sandbox sends is trusted. A frame larger than the cap, a frame that is not JSON, or a
 * value nested deeper or holding more items than the limits is refused before any grader code looks
 * at it. JSON has no shared references, so a small frame cannot expand into a huge value (Node's own
 * "advanced" IPC serialization can), and `JSON.parse` does not recurse on the call stack.
 *
 * @example
 * const reader = new FrameReader(64 << 20);
 * socket.on("data", (chunk) => { for (const f of reader.push(chunk)) console.log(decode(f)); });
 * socket.write(encode({ type: "run", input: new Float64Array([1, 2]) }));
 */

/** Largest frame the grader accepts from the sandbox (bytes). */
export const MAX_FRAME_BYTES = 96 * 1024 * 1024;
/** Deepest nesting of a decoded value. */
export const MAX_DEPTH = 64;
/** Most array items, object keys and typed-array elements in one decoded value. */
export const MAX_ITEMS = 4_000_000;

// Intrinsics captured when this module loads (before any student code in the sandbox): a submission
// that patches JSON.stringify, Object.keys or Array.isArray must not break its own grading.
const stringify = JSON.stringify;
const parse = JSON.parse;
const keysOf = Object.keys;
const isArray = Array.isArray;
const isView = ArrayBuffer.isView;
const isFiniteNum = Number.isFinite;
const isBuffer = Buffer.isBuffer.bind(Buffer);
const bufferFrom = Buffer.from.bind(Buffer) as (...a: any[]) => Buffer;
const bufferConcat = Buffer.concat.bind(Buffer);
const bufferAlloc = Buffer.alloc.bind(Buffer);
const apply = Reflect.apply;
const bufToString = Buffer.prototype.toString;
const hasOwn = Object.prototype.hasOwnProperty;
const f64From = Float64Array.from.bind(Float64Array) as (a: ArrayLike<number>) => Float64Array;
const StringFn = String;
const NumberFn = Number;

const TYPED: Record<string, { new (b: ArrayBuffer, o?: number, n?: number): ArrayBufferView & ArrayLike<number>; BYTES_PER_ELEMENT: number }> = {
  $f64: Float64Array,
  $f32: Float32Array,
  $i32: Int32Array,
  $u8: Uint8Array,
};

/** Why a frame was refused. */
export class ChannelError extends Error {
  override name = "ChannelError";
}

function replacer(this: unknown, _key: string, v: unknown): unknown {
  if (v === undefined) return { $undef: 1 };
  if (typeof v === "bigint") return NumberFn(v);
  if (typeof v === "number" && !isFiniteNum(v)) return { $num: StringFn(v) };
  if (isView(v)) {
    const tag = v instanceof Float32Array ? "$f32" : v instanceof Int32Array ? "$i32" : v instanceof Uint8Array ? "$u8" : "$f64";
    const arr = tag === "$f64" && !(v instanceof Float64Array) ? f64From(v as unknown as ArrayLike<number>) : v;
    return { [tag]: apply(bufToString, bufferFrom(arr.buffer, arr.byteOffset, arr.byteLength), ["base64"]) };
  }
  return v;
}

/** Buffers as plain Uint8Array views (a Buffer's toJSON would turn its bytes into a number list). */
function unbuffer(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== "object" || depth > MAX_DEPTH) return v;
  if (isBuffer(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (isView(v)) return v;
  if (isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) out[i] = unbuffer(v[i], depth + 1);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of keysOf(v)) out[k] = unbuffer((v as Record<string, unknown>)[k], depth + 1);
  return out;
}

/**
 * One frame: 4-byte big-endian length, then the JSON text.
 *
 * @example
 * socket.write(encode({ type: "ready" }));
 */
export function encode(message: unknown): Buffer {
  const body = bufferFrom(stringify(unbuffer(message, 0), replacer), "utf8");
  const head = bufferAlloc(4);
  head.writeUInt32BE(body.length);
  return bufferConcat([head, body]);
}

/**
 * Turn a frame's text back into a value, refusing anything over the limits.
 *
 * @example
 * decode('{"type":"ready"}'); // { type: "ready" }
 */
export function decode(text: string, limits = { depth: MAX_DEPTH, items: MAX_ITEMS }): any {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new ChannelError(`a message is not valid JSON (${(e as Error).message.slice(0, 80)})`);
  }
  const budget = { n: limits.items };
  // Iterative walk: no recursion on untrusted nesting.
  const root = { v: raw };
  const stack: { holder: any; key: string | number; depth: number }[] = [{ holder: root, key: "v", depth: 0 }];
  while (stack.length) {
    const { holder, key, depth } = stack.pop()!;
    const v = holder[key];
    if (v === null || typeof v !== "object") continue;
    if (depth > limits.depth) throw new ChannelError(`a message is nested more than ${limits.depth} levels deep`);
    if (isArray(v)) {
      if ((budget.n -= v.length) < 0) throw new ChannelError(`a message holds more than ${limits.items} values`);
      for (let i = 0; i < v.length; i++) stack.push({ holder: v, key: i, depth: depth + 1 });
      continue;
    }
    const keys = keysOf(v);
    if (keys.length === 1) {
      const k = keys[0];
      if (k === "$undef") {
        holder[key] = undefined;
        continue;
      }
      if (k === "$num" && typeof v.$num === "string") {
        holder[key] = Number(v.$num);
        continue;
      }
      const T = TYPED[k];
      if (T && typeof v[k] === "string") {
        const bytes = bufferFrom(v[k], "base64");
        if (bytes.length % T.BYTES_PER_ELEMENT) throw new ChannelError(`a ${k.slice(1)} array has a length that is not a whole number of elements`);
        if ((budget.n -= bytes.length / T.BYTES_PER_ELEMENT) < 0) throw new ChannelError(`a message holds more than ${limits.items} values`);
        const copy = new ArrayBuffer(bytes.length);
        new Uint8Array(copy).set(bytes);
        holder[key] = new T(copy);
        continue;
      }
    }
    if ((budget.n -= keys.length) < 0) throw new ChannelError(`a message holds more than ${limits.items} values`);
    if (apply(hasOwn, v, ["__proto__"])) throw new ChannelError("a message has a __proto__ key");
    for (const k of keys) stack.push({ holder: v, key: k, depth: depth + 1 });
  }
  return root.v;
}

/**
 * Splits a byte stream into frames; throws `ChannelError` on a frame above `maxBytes`.
 *
 * @example
 * const r = new FrameReader(1 << 20);
 * r.push(encode({ a: 1 })); // ['{"a":1}']
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private have = 0;
  constructor(private readonly maxBytes: number = MAX_FRAME_BYTES) {}

  push(chunk: Buffer): string[] {
    this.chunks.push(chunk);
    this.have += chunk.length;
    const out: string[] = [];
    for (;;) {
      if (this.have < 4) return out;
      const buf = this.chunks.length === 1 ? this.chunks[0] : bufferConcat(this.chunks);
      this.chunks = [buf];
      const len = buf.readUInt32BE(0);
      if (len > this.maxBytes) throw new ChannelError(`a message of ${len} bytes is above the ${this.maxBytes}-byte limit`);
      if (buf.length < 4 + len) return out;
      out.push(apply(bufToString, buf, ["utf8", 4, 4 + len]) as string);
      const rest = buf.subarray(4 + len);
      this.chunks = rest.length ? [bufferFrom(rest)] : [];
      this.have = rest.length;
    }
  }
}
