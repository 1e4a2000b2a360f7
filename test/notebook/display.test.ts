import { describe, expect, it } from "vitest";
import * as gw from "../../lib";
import { TABLE_LIMIT, imageShape, moduleBundle, tensorBundle } from "../../lib/notebook/display";
import { errorContent, mimeBundle } from "../../lib/notebook/kernel/result";

const DISPLAY = Symbol.for("Jupyter.display");
const cells = (html: string) => [...html.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);

describe("rich display of tensors", () => {
  it("a small tensor: header with shape and dtype, every value in a table, text kept", () => {
    const t = gw.tensor([[1, 2.5, -3], [4, 5, 6]]);
    const b = (t as unknown as Record<symbol, () => Record<string, string>>)[DISPLAY]();
    expect(b["text/plain"]).toBe(t.toString());
    expect(b["text/html"]).toContain("shape [2, 3] float32");
    expect(cells(b["text/html"])).toEqual(["1", "2.500", "-3", "4", "5", "6"]);
    expect(b["image/png"]).toBeUndefined();
  });

  it("a big tensor: a summary with min, max and mean instead of every value", () => {
    const t = gw.arange(0, TABLE_LIMIT + 100).reshape([20, 25]);
    const html = tensorBundle(t)["text/html"];
    const c = cells(html);
    expect(c.slice(0, 6)).toEqual(["values", "500", "min", "0", "max", "499"]);
    expect(c).toContain("249.5");
  });

  it("an image-shaped tensor: a PNG of its size", () => {
    expect(imageShape([3, 32, 32])).toEqual({ c: 3, h: 32, w: 32 });
    expect(imageShape([5, 32, 32])).toBeNull();
    expect(imageShape([3, 4, 4])).toBeNull();
    const b = tensorBundle(gw.rand([3, 16, 20]));
    const png = Buffer.from(b["image/png"], "base64");
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([20, 16]);
    expect(b["text/html"]).toContain("<img src=\"data:image/png;base64,");
  });

  it("grad information shows in the header", () => {
    const x = gw.tensor([1, 2], { requiresGrad: true });
    expect(tensorBundle(x)["text/html"]).toContain("requiresGrad");
  });
});

describe("rich display of modules", () => {
  it("one row per layer with its parameters and the total count", () => {
    const m = gw.train.chapterConvNet();
    const b = (m as unknown as Record<symbol, () => Record<string, string>>)[DISPLAY]();
    expect(b["text/plain"]).toBe(m.toString());
    const html = moduleBundle(m)["text/html"];
    // (cells() skips the parameter cells, which hold <br>)
    expect(cells(html).slice(0, 3)).toEqual(["0", "Conv2d", "228"]);
    expect(html).toContain("weight [3, 3, 5, 5]<br>bias [3]");
    expect(cells(html)).toContain("Linear");
    expect(b["text/html"]).toContain("<b>50,774</b>");
  });
});

describe("what the kernel sends", () => {
  it("a value's bundle comes from Symbol.for('Jupyter.display') with text/plain always present", () => {
    expect(mimeBundle(3)).toEqual({ "text/plain": "3" });
    const own = { [DISPLAY]: () => ({ "text/html": "<b>x</b>" }) };
    expect(mimeBundle(own)["text/html"]).toBe("<b>x</b>");
    expect(typeof mimeBundle(own)["text/plain"]).toBe("string");
  });

  it("an error gets ename, evalue and a traceback; compile diagnostics too", () => {
    const e = errorContent([new RangeError("boom")]);
    expect([e.ename, e.evalue]).toEqual(["RangeError", "boom"]);
    expect(e.traceback[0]).toContain("RangeError: boom");
    const d = errorContent(["%s%d:%d - %s", "", 1, 5, "Cannot find name 'q'."]);
    expect([d.ename, d.evalue]).toEqual(["TypeScriptError", "1:5 - Cannot find name 'q'."]);
  });
});
