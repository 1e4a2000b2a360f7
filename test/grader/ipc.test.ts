/**
 * The grader's channel (lib/grader/ipc.ts): frames round-trip typed arrays and special numbers, and
 * whatever the sandbox sends over the limits is refused before grader code walks it.
 */
import { describe, expect, it } from "vitest";
import { ChannelError, decode, encode, FrameReader } from "../../lib/grader/ipc";

const body = (frame: Buffer) => frame.subarray(4).toString("utf8");

describe("ipc frames", () => {
  it("round-trip plain data, typed arrays, Buffers, undefined and non-finite numbers", () => {
    const msg = { a: [1, 2.5, "x", null], f: new Float64Array([1.5, -2]), u: Buffer.from([1, 2, 255]), f32: new Float32Array([0.25]), n: NaN, inf: -Infinity, gone: undefined };
    const back = decode(body(encode(msg)));
    expect(back.a).toEqual([1, 2.5, "x", null]);
    expect(back.f).toBeInstanceOf(Float64Array);
    expect(Array.from(back.f)).toEqual([1.5, -2]);
    expect(back.u).toBeInstanceOf(Uint8Array);
    expect(Array.from(back.u)).toEqual([1, 2, 255]);
    expect(Array.from(back.f32)).toEqual([0.25]);
    expect(back.n).toBeNaN();
    expect(back.inf).toBe(-Infinity);
    expect("gone" in back && back.gone === undefined).toBe(true);
  });

  it("splits a stream into frames however it is chunked", () => {
    const stream = Buffer.concat([encode({ i: 1 }), encode({ i: 2 }), encode({ i: 3 })]);
    const r = new FrameReader(1 << 20);
    const got: string[] = [];
    for (let i = 0; i < stream.length; i += 3) got.push(...r.push(stream.subarray(i, i + 3)));
    expect(got.map((f) => decode(f).i)).toEqual([1, 2, 3]);
  });

  it("refuses a frame announced above the cap from its length alone", () => {
    const r = new FrameReader(1000);
    expect(() => r.push(Buffer.from([0xff, 0xff, 0xff, 0xf0, 0x5b]))).toThrow(ChannelError);
    expect(() => new FrameReader(1000).push(Buffer.from([0, 0, 0x10, 0]))).toThrow(/4096 bytes is above the 1000-byte limit/);
  });

  it("refuses garbage, deep nesting and too many values", () => {
    expect(() => decode("\u00de\u00ad")).toThrow(/not valid JSON/);
    expect(() => decode("[".repeat(100) + "]".repeat(100))).toThrow(/nested more than 64 levels/);
    expect(() => decode("[".repeat(200_000) + "]".repeat(200_000))).toThrow(ChannelError);
    expect(() => decode(JSON.stringify(new Array(50).fill(0)), { depth: 64, items: 10 })).toThrow(/more than 10 values/);
    expect(() => decode(JSON.stringify({ $f64: Buffer.alloc(8 * 20).toString("base64") }), { depth: 64, items: 10 })).toThrow(/more than 10 values/);
    expect(() => decode('{"__proto__": {"polluted": 1}}')).toThrow(/__proto__/);
  });

  it("has no shared references to expand: a small message stays small", () => {
    // Node's "advanced" IPC serialization lets [x, x, x, …] refer to one x many times; JSON copies it
    // into the text, so the size cap bounds the decoded value.
    const x = new Array(1000).fill(1);
    const text = body(encode(new Array(1000).fill(x)));
    expect(text.length).toBeGreaterThan(1000 * 1000);
    expect(() => decode(text, { depth: 64, items: 100_000 })).toThrow(/more than 100000 values/);
  });
});
