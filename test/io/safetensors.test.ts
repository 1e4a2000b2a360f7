import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { atomicHooks } from "../../lib/io/atomic";
import { load, loadMetadata, loadTensors, save, saveTensors } from "../../lib/io/safetensors";

const made: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), "gw-st-"));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
const fixture = join(__dirname, "fixtures");

/** Build a safetensors file by hand from a header object and data bytes. */
function handmade(header: unknown, data: Uint8Array = new Uint8Array(0), lengthField?: bigint): Buffer {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lengthField ?? BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

describe("safetensors", () => {
  afterEach(() => {
    atomicHooks.afterChunk = undefined;
  });

  it("round-trips tensors, shapes (including scalars) and metadata", () => {
    const path = join(dir(), "t.safetensors");
    const w = gw.tensor([[1.5, -2, 3e-8], [4, 5, Math.PI]]);
    const s = gw.tensor(7.25);
    const t = gw.arange(0, 24).reshape([2, 3, 4]).transpose(0, 2); // non-contiguous view
    saveTensors({ w, s, t }, path, { epochs: "3" });
    const back = loadTensors(path);
    expect(Object.keys(back)).toEqual(["w", "s", "t"]);
    expect(back.w.shape).toEqual([2, 3]);
    expect(back.w.toFloat32Array()).toEqual(w.toFloat32Array());
    expect(back.s.shape).toEqual([]);
    expect(back.s.item()).toBe(7.25);
    expect(back.t.shape).toEqual([4, 3, 2]);
    expect(back.t.toArray()).toEqual(t.toArray());
    expect(loadMetadata(path)).toEqual({ epochs: "3" });
  });

  it("writes the documented byte layout: u64 LE header length, JSON header, LE float32 data", () => {
    const path = join(dir(), "layout.safetensors");
    saveTensors({ a: gw.tensor([1, 2]), b: gw.tensor([[-0.5]]) }, path);
    const bytes = readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0); // data starts 8-byte aligned
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"));
    expect(header).toEqual({
      a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      b: { dtype: "F32", shape: [1, 1], data_offsets: [8, 12] },
    });
    expect(bytes.length).toBe(8 + n + 12);
    const data = bytes.subarray(8 + n);
    expect([data.readFloatLE(0), data.readFloatLE(4), data.readFloatLE(8)]).toEqual([1, 2, -0.5]);
  });

  it("saves and loads a module's state dict; mismatches list every offending tensor", () => {
    const path = join(dir(), "m.safetensors");
    gw.manualSeed(1);
    const model = new gw.nn.Sequential(new gw.nn.Linear(4, 3), new gw.nn.ReLU(), new gw.nn.Linear(3, 2));
    save(model, path);
    const other = new gw.nn.Sequential(new gw.nn.Linear(4, 3), new gw.nn.ReLU(), new gw.nn.Linear(3, 2));
    expect(other.stateDict()["0.weight"].toFloat32Array()).not.toEqual(model.stateDict()["0.weight"].toFloat32Array());
    load(other, path);
    for (const [k, v] of Object.entries(model.stateDict())) expect(other.stateDict()[k].toFloat32Array()).toEqual(v.toFloat32Array());

    const wrong = new gw.nn.Sequential(new gw.nn.Linear(4, 5), new gw.nn.ReLU(), new gw.nn.Linear(5, 2), new gw.nn.Linear(2, 2));
    let message = "";
    try {
      load(wrong, path);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(path);
    expect(message).toMatch(/missing .*3\.weight, 3\.bias/);
    expect(message).toMatch(/0\.weight: model \[5, 4\] vs file \[3, 4\]/);
    expect(message).toMatch(/0\.bias: model \[5\] vs file \[3\]/);
    expect(message).toMatch(/2\.weight: model \[2, 5\] vs file \[2, 3\]/);

    const smaller = new gw.nn.Sequential(new gw.nn.Linear(4, 3));
    expect(() => load(smaller, path)).toThrow(/unexpected .*2\.weight, 2\.bias/);
    load(smaller, path, { strict: false });
    expect(smaller.stateDict()["0.bias"].toFloat32Array()).toEqual(model.stateDict()["0.bias"].toFloat32Array());
  });

  it("never leaves a half-written file under the real name", () => {
    const d = dir();
    const path = join(d, "ckpt.safetensors");
    saveTensors({ a: gw.tensor([1, 2, 3]) }, path);
    const before = readFileSync(path);
    atomicHooks.afterChunk = (_tmp, written) => {
      if (written > 8) throw new Error("simulated crash mid-write");
    };
    expect(() => saveTensors({ a: gw.tensor([9, 9, 9]), b: gw.ones([100]) }, path)).toThrow(/simulated crash/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(d)).toEqual(["ckpt.safetensors"]); // no temp file left behind
    const fresh = join(d, "new.safetensors");
    expect(() => saveTensors({ a: gw.tensor([1]) }, fresh)).toThrow(/simulated crash/);
    expect(existsSync(fresh)).toBe(false);
  });

  it("names the file and field of a corrupt file", () => {
    const d = dir();
    const write = (name: string, bytes: Uint8Array) => {
      const p = join(d, name);
      writeFileSync(p, bytes);
      return p;
    };
    const f32 = new Uint8Array(8);
    const short = write("short.safetensors", new Uint8Array(5));
    expect(() => loadTensors(short)).toThrow(new RegExp(`${short}: file is 5 bytes`));
    const huge = write("huge.safetensors", handmade({}, f32, 1n << 40n));
    expect(() => loadTensors(huge)).toThrow(/huge\.safetensors: header length 1099511627776 .*exceeds/);
    const json = write("json.safetensors", Buffer.concat([handmade({}).subarray(0, 8), Buffer.from("{oops}   ")]));
    expect(() => loadTensors(json)).toThrow(/json\.safetensors: header is not valid JSON/);
    const range = write("range.safetensors", handmade({ w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, f32));
    expect(() => loadTensors(range)).toThrow(/range\.safetensors: tensor "w": data_offsets \[0, 16\] are out of range \(the data part has 8 bytes\)/);
    const size = write("size.safetensors", handmade({ w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, f32));
    expect(() => loadTensors(size)).toThrow(/size\.safetensors: tensor "w": .*hold 8 bytes, but F32 shape \[3\] needs 12/);
    const dtype = write("dtype.safetensors", handmade({ w: { dtype: "Q4", shape: [2], data_offsets: [0, 8] } }, f32));
    expect(() => loadTensors(dtype)).toThrow(/dtype\.safetensors: tensor "w": dtype "Q4" is not supported/);
    const shape = write("shape.safetensors", handmade({ w: { dtype: "F32", shape: [-2], data_offsets: [0, 8] } }, f32));
    expect(() => loadTensors(shape)).toThrow(/shape\.safetensors: tensor "w": shape \[-2\]/);
    expect(() => loadTensors(join(d, "absent.safetensors"))).toThrow(/cannot read checkpoint .*absent\.safetensors: ENOENT/);
  });

  it("loads a file written with PyTorch (test/io/make_fixture.py), converting F64/F16/I64 to float32", () => {
    const expected = JSON.parse(readFileSync(join(fixture, "torch.json"), "utf8"));
    const tensors = loadTensors(join(fixture, "torch.safetensors"));
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected.tensors).sort());
    for (const [name, want] of Object.entries(expected.tensors) as [string, { shape: number[]; values: number[] }][]) {
      expect(tensors[name].shape).toEqual(want.shape);
      const got = tensors[name].toFloat32Array();
      want.values.forEach((v, i) => expect(got[i]).toBe(Math.fround(v)));
    }
    expect(tensors["bn.num_batches_tracked"].item()).toBe(42);
    expect(loadMetadata(join(fixture, "torch.safetensors"))).toEqual(expected.metadata);
  });

  describe("validated as the reference implementation does (issue 18 item 3)", () => {
    const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
    const write = (bytes: Uint8Array) => {
      const p = join(dir(), "x.safetensors");
      writeFileSync(p, bytes);
      return p;
    };
    /** A header as raw text (to write duplicate keys, which JSON.stringify cannot). */
    const rawHeader = (json: string, data: Uint8Array) => {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
      return Buffer.concat([len, Buffer.from(json, "utf8"), data]);
    };

    it("tensor names such as constructor, toString, hasOwnProperty and __proto__ round-trip as ordinary names", () => {
      const path = join(dir(), "names.safetensors");
      const tensors: Record<string, gw.Tensor> = {};
      for (const [i, name] of ["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"].entries()) {
        Object.defineProperty(tensors, name, { value: gw.tensor([i, i + 0.5]), enumerable: true });
      }
      saveTensors(tensors, path);
      const back = loadTensors(path);
      expect(Object.keys(back)).toEqual(["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf"]);
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype); // __proto__ did not replace the prototype
      expect(Object.getOwnPropertyDescriptor(back, "__proto__")!.value.toArray()).toEqual([3, 3.5]);
      expect((back["toString"] as unknown as gw.Tensor).toArray()).toEqual([1, 1.5]);
    });

    it("a strict gw.load rejects extra tensors named after Object.prototype members and leaves the model unchanged", () => {
      const model = new gw.nn.Linear(2, 1);
      const before = model.weight.toFloat32Array();
      for (const extra of ["constructor", "toString", "hasOwnProperty", "__proto__"]) {
        const path = join(dir(), "extra.safetensors");
        const tensors: Record<string, gw.Tensor> = { weight: gw.ones([1, 2]), bias: gw.ones([1]) };
        Object.defineProperty(tensors, extra, { value: gw.ones([1]), enumerable: true });
        saveTensors(tensors, path);
        expect(() => load(model, path)).toThrow(new RegExp(`unexpected \\(in the file, not in the model\\): ${extra}`));
        expect(model.weight.toFloat32Array()).toEqual(before);
      }
    });

    it("overlapping offsets, holes, trailing bytes, duplicate keys and non-string metadata are errors", () => {
      const entry = (b: number, e: number, n = (e - b) / 4) => ({ dtype: "F32", shape: [n], data_offsets: [b, e] });
      const overlap = write(handmade({ a: entry(0, 8), b: entry(4, 12) }, f32(1, 2, 3)));
      expect(() => loadTensors(overlap)).toThrow(/tensor "b": data_offsets \[4, 12\] overlap tensor "a" \(which ends at 8\)/);
      const alias = write(handmade({ a: entry(0, 8), b: entry(0, 8) }, f32(1, 2)));
      expect(() => loadTensors(alias)).toThrow(/overlap tensor "a"/);
      const hole = write(handmade({ a: entry(0, 4), b: entry(8, 12) }, f32(1, 2, 3)));
      expect(() => loadTensors(hole)).toThrow(/tensor "b": data_offsets \[8, 12\] leave a hole of 4 bytes after byte 4/);
      const leadingHole = write(handmade({ a: entry(4, 8) }, f32(1, 2)));
      expect(() => loadTensors(leadingHole)).toThrow(/leave a hole of 4 bytes after byte 0/);
      const trailing = write(handmade({ a: entry(0, 4) }, f32(1, 2)));
      expect(() => loadTensors(trailing)).toThrow(/the tensors cover 4 bytes of the data part but it has 8 \(4 trailing bytes\)/);
      const dup = write(rawHeader('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32(1, 2)));
      expect(() => loadTensors(dup)).toThrow(/header is not valid JSON \(duplicate key "a" at position \d+\)/);
      const dupInner = write(rawHeader('{"a":{"dtype":"F32","shape":[1],"shape":[1],"data_offsets":[0,4]}}', f32(1)));
      expect(() => loadTensors(dupInner)).toThrow(/duplicate key "shape"/);
      const meta = write(handmade({ __metadata__: { epochs: 3 }, a: entry(0, 4) }, f32(1)));
      expect(() => loadTensors(meta)).toThrow(/"__metadata__" value for "epochs" must be a string, got 3/);
      const metaArray = write(handmade({ __metadata__: ["x"], a: entry(0, 4) }, f32(1)));
      expect(() => loadTensors(metaArray)).toThrow(/"__metadata__" must be an object of strings/);
      const notBrace = write(rawHeader(' {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32(1)));
      expect(() => loadTensors(notBrace)).toThrow(/header must be a JSON object starting with "\{"/);
      const badUtf8 = write(Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x7b, 0xff])]));
      expect(() => loadTensors(badUtf8)).toThrow(/header is not valid UTF-8/);
      // what is allowed: empty tensors anywhere, padding spaces, null metadata, any key order
      const ok = write(rawHeader('{"__metadata__":null,"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}   ', f32(1, 2)));
      const back = loadTensors(ok);
      expect(Object.keys(back)).toEqual(["b", "e", "a"]);
      expect([back.a.item(), back.b.item(), back.e.numel]).toEqual([1, 2, 0]);
      expect(loadMetadata(ok)).toEqual({});
    });

    it("a corrupt checkpoint leaves the model unchanged", () => {
      const model = new gw.nn.Linear(2, 1);
      const before = model.weight.toFloat32Array();
      const path = write(handmade({ bias: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, weight: { dtype: "F32", shape: [1, 2], data_offsets: [0, 8] } }, f32(1, 2)));
      expect(() => load(model, path)).toThrow(/overlap/);
      expect(model.weight.toFloat32Array()).toEqual(before);
    });
  });
});
