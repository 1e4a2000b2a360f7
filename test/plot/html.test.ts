import { describe, expect, it } from "vitest";
import * as plot from "../../lib/plot";
import { figureHtml, plotlyScriptTag, scriptJson } from "../../lib/plot/html";
import { encodePng } from "../../lib/plot/png";
import { inflateSync } from "node:zlib";

/** Pulls the figure JSON back out of the HTML a helper returned. */
function figureOf(html: string): { data: Array<Record<string, unknown>>; layout: Record<string, unknown> } {
  const m = /var fig = (\{.*\});/.exec(html);
  if (!m) throw new Error("no figure in HTML");
  return JSON.parse(m[1]);
}

describe("helpers outside the kernel", () => {
  it("are not in a kernel under vitest and return HTML instead of displaying", () => {
    expect(plot.inKernel()).toBe(false);
    const html = plot.line({ y: [3, 2, 1], title: "loss" });
    expect(typeof html).toBe("string");
    expect(figureOf(html as string).data[0].y).toEqual([3, 2, 1]);
    expect(html).toContain('class="gw-plot"');
  });

  it("gives each figure its own div id", () => {
    const ids = [1, 2, 3].map(() => /id="(gw-plot-[0-9a-f]+)"/.exec(plot.heatmap({ z: [[1]] }) as string)![1]);
    expect(new Set(ids).size).toBe(3);
  });

  it("keeps </script> in data from ending the script", () => {
    const html = figureHtml({ data: [{ type: "scatter", name: "</script><b>x" }], layout: {} });
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(scriptJson("</script>")).toBe('"\\u003c/script>"');
  });

  it("embeds the plotly bundle as one script that defines window.Plotly", () => {
    const tag = plotlyScriptTag();
    expect(tag.length).toBeGreaterThan(1_000_000);
    expect(tag).toContain("window.Plotly");
    expect(tag.match(/<\/script/gi)).toHaveLength(1);
  });
});

describe("svg, show and table", () => {
  const decoded = (html: string) => Buffer.from(/base64,([^"]+)"/.exec(html)![1], "base64").toString("utf8");

  it("shows SVG as an image data URL and rejects non-SVG", () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><circle r="2"/></svg>';
    const html = plot.svg(svg) as string;
    expect(html).toMatch(/^<div class="gw-svg"><img src="data:image\/svg\+xml;base64,/);
    expect(decoded(html)).toBe(svg);
    expect(decoded(plot.show('<?xml version="1.0"?>\n' + svg) as string)).toBe(svg); // declaration dropped
    expect(decoded(plot.svg('<svg width="2"><g/></svg>') as string)).toBe('<svg xmlns="http://www.w3.org/2000/svg" width="2"><g/></svg>');
    expect(() => plot.svg("<div>")).toThrow(/expected an SVG/);
  });

  it("renders object rows with escaped text and pass/fail booleans", () => {
    const html = plot.table([{ name: "a<b", value: 1 / 3, ok: true }, { name: "c", ok: false }]) as string;
    expect(html).toContain("<th");
    expect(html).toContain("a&lt;b");
    expect(html).toContain("0.333333");
    expect(html).toContain("✓ pass");
    expect(html).toContain("✗ fail");
    expect(html.match(/<tr>/g)).toHaveLength(3);
  });

  it("renders array rows with given column names", () => {
    const html = plot.table([["x", 2], ["y", 3]], { columns: ["var", "value"], title: "values" }) as string;
    expect(html).toContain(">var<");
    expect(html).toContain("<caption");
  });
});

describe("imageGrid", () => {
  const pngs = (html: string) => [...html.matchAll(/data:image\/png;base64,([A-Za-z0-9+/=]+)/g)].map((m) => Buffer.from(m[1], "base64"));

  it("shows a [N, 3, H, W] batch with labels as PNG images", () => {
    const shape = [2, 3, 4, 5];
    const data = new Float32Array(2 * 3 * 4 * 5).map((_, i) => (i % 7) / 7);
    const html = plot.imageGrid({ shape, toFloat32Array: () => data }, { labels: ["cat", "dog"], cols: 2 }) as string;
    const images = pngs(html);
    expect(images).toHaveLength(2);
    expect(images[0].readUInt32BE(16)).toBe(5); // width in IHDR
    expect(images[0].readUInt32BE(20)).toBe(4); // height
    expect(html).toContain(">cat<");
  });

  it("reads a flat Uint8Array as CIFAR-10 images and rejects odd sizes", () => {
    expect(pngs(plot.imageGrid(new Uint8Array(3072 * 3)) as string)).toHaveLength(3);
    expect(() => plot.imageGrid(new Uint8Array(100))).toThrow(/cannot read 100 values/);
    expect(() => plot.imageGrid([{ pixels: new Uint8Array(10) }])).toThrow(/image 0 needs a shape/);
  });
});

describe("encodePng", () => {
  it("stores the pixels row by row behind filter bytes", () => {
    const pixels = new Uint8Array([255, 0, 0, 0, 255, 0]); // 2x1 RGB: red, green
    const png = encodePng(pixels, 2, 1, 3);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    const idatLength = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString("ascii")).toBe("IDAT");
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect([...raw]).toEqual([0, 255, 0, 0, 0, 255, 0]);
  });
});

describe("live figure outside the kernel", () => {
  it("records points per series and renders the latest state", () => {
    const fig = plot.live({ title: "loss", names: ["train", "val"], maxPoints: 10 });
    for (let i = 0; i < 25; i++) fig.push("train", i, 1 / (i + 1));
    fig.push("val", 24, 0.5);
    expect(fig.data.train.x).toHaveLength(25);
    const spec = fig.spec();
    expect(spec.data.map((t) => t.name)).toEqual(["train", "val"]);
    const xs = spec.data[0].x as number[];
    expect(xs.length).toBeLessThanOrEqual(11);
    expect(xs[xs.length - 1]).toBe(24);
    expect(fig.draws).toBe(0); // nothing is sent outside a kernel
    expect(figureOf(fig.html()).data[1].y).toEqual([0.5]);
    expect(() => fig.push("train", 1, "x" as unknown as number)).toThrow(/must be numbers/);
  });
});
