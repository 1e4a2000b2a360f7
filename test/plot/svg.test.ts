import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as plot from "../../lib/plot";
import { PLOTLY_MIME, displayBundle, figureBundle } from "../../lib/plot/bundle";
import { confusionFigure, heatmapFigure, lineFigure, scatterFigure } from "../../lib/plot/figures";
import { renderSvg } from "../../lib/plot/svg";
import { colorAt, logScale, niceTicks } from "../../lib/plot/svg-axes";

const count = (svg: string, re: RegExp) => (svg.match(re) ?? []).length;
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe("static SVG snapshots", () => {
  it("colours by a named scale or by explicit stops (the convolution figures use stops)", () => {
    expect(colorAt("Greys", 0)).toBe("rgb(0,0,0)");
    expect(colorAt("Greys", 1)).toBe("rgb(255,255,255)");
    expect(colorAt("Greys", 0.5)).toBe("rgb(128,128,128)");
    const stops: Array<[number, string]> = [[0, "#ffffff"], [0.5, "rgb(255, 0, 0)"], [1, "#00f"]];
    expect(colorAt(stops, 0)).toBe("rgb(255,255,255)");
    expect(colorAt(stops, 0.25)).toBe("rgb(255,128,128)");
    expect(colorAt(stops, 0.75)).toBe("rgb(128,0,128)");
    expect(colorAt(stops, 1, true)).toBe("rgb(255,255,255)");
    const heat = { data: [{ type: "heatmap", z: [[0, 1]], colorscale: [[0, "#000000"], [1, "#ffffff"]] }], layout: {} };
    const svg = renderSvg(heat as never);
    expect(svg).toContain('fill="rgb(0,0,0)"');
    expect(svg).toContain('fill="rgb(255,255,255)"');
  });

  it("draws a line chart with a title, axis titles, ticks and one path per series", () => {
    const svg = renderSvg(lineFigure({ ys: [[3, 2, 1.5, 1.2], [3.5, 2.5, 2, 1.9]], names: ["train", "val"], title: "loss", xLabel: "epoch", yLabel: "cross-entropy" }));
    expect(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).toBe(true);
    expect(svg.endsWith("</svg>")).toBe(true);
    expect(count(svg, /<path d="M/g)).toBe(2);
    const t = texts(svg);
    for (const s of ["loss", "epoch", "cross-entropy", "train", "val"]) expect(t).toContain(s);
    expect(t).toContain("2"); // a y tick between 1.2 and 3.5
  });

  it("places points where the data says: the first point of y=[0,10] is lower than the last", () => {
    const svg = renderSvg(lineFigure({ y: [0, 10] }));
    const m = /<path d="M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)"/.exec(svg)!;
    const [xa, ya, xb, yb] = m.slice(1).map(Number);
    expect(xb).toBeGreaterThan(xa);
    expect(ya).toBeGreaterThan(yb); // SVG y grows downwards
  });

  it("breaks lines at non-finite values and uses powers of ten on a log axis", () => {
    const svg = renderSvg(lineFigure({ y: [100, 10, NaN, 1, 0.1], logY: true }));
    expect(count(svg, /M[\d.]+ [\d.]+/g)).toBe(2); // two pieces
    const t = texts(svg);
    for (const s of ["0.1", "1", "10", "100"]) expect(t).toContain(s);
    expect(logScale(1, 1000, 0, 300).ticks.map((k) => k.at)).toEqual([1, 10, 100, 1000]);
  });

  it("draws scatter groups as circles with a legend, and a colour scale with a colour bar", () => {
    const groups = renderSvg(scatterFigure({ x: [0, 1, 0, 1], y: [0, 0, 1, 1], groups: [0, 1, 1, 0], groupNames: ["zero", "one"] }));
    expect(count(groups, /<circle /g)).toBe(4);
    expect(texts(groups)).toEqual(expect.arrayContaining(["zero", "one"]));
    const colored = renderSvg(scatterFigure({ x: [0, 1, 2], y: [0, 1, 2], color: [0, 0.5, 1] }));
    const fills = [...colored.matchAll(/<circle [^>]*fill="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(fills).size).toBe(3);
    expect(fills[0]).toBe(colorAt("Viridis", 0));
    expect(fills[2]).toBe(colorAt("Viridis", 1));
  });

  it("draws a heatmap cell per value with its number, row 0 on top, and the confusion matrix dark for large counts", () => {
    const svg = renderSvg(heatmapFigure({ z: [[1, 2, 3], [4, 5, 6]], x: ["a", "b", "c"], y: ["r0", "r1"] }));
    expect(count(svg, /<rect [^>]*width="[\d.]+" height="[\d.]+" fill="rgb/g)).toBeGreaterThanOrEqual(6);
    const t = texts(svg);
    for (const s of ["1", "6", "a", "c", "r0", "r1"]) expect(t).toContain(s);
    const y = (label: string) => Number(new RegExp(`y="([\\d.]+)"[^>]*>${label}<`).exec(svg)![1]);
    expect(y("r0")).toBeLessThan(y("r1"));
    const cm = renderSvg(confusionFigure([[50, 0], [1, 40]], ["cat", "dog"]));
    const cell = (v: string) => new RegExp(`fill="(rgb\\([^"]+\\))"/>\\s*<text[^>]*>${v}<`).exec(cm)![1];
    const lum = (rgb: string) => rgb.match(/\d+/g)!.map(Number).reduce((a, b) => a + b, 0);
    expect(lum(cell("50"))).toBeLessThan(lum(cell("0")));
  });

  it("draws bars from zero", () => {
    const svg = renderSvg({ data: [{ type: "bar", x: ["a", "b"], y: [3, -1] }], layout: {} });
    expect(count(svg, /<rect [^>]*fill="#1f77b4"/g)).toBe(2);
  });

  it("rejects what is not a figure spec, and escapes text", () => {
    expect(() => renderSvg({} as never)).toThrow(/figure spec/);
    expect(renderSvg(lineFigure({ y: [1, 2], title: "a < b & c" }))).toContain("a &lt; b &amp; c");
  });

  it("picks round ticks", () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3, 7, 5)).toEqual([-2, 0, 2, 4, 6]);
  });
});

describe("figure outputs", () => {
  it("outside a kernel, a helper returns HTML with the snapshot inside the figure's div", () => {
    const html = plot.line({ y: [1, 2, 3], title: "t" }) as string;
    const m = /<div id="[^"]+" class="gw-plot"[^>]*><img class="gw-snapshot"[^>]*src="data:image\/svg\+xml;base64,([^"]+)"><\/div>/.exec(html);
    expect(m).not.toBeNull();
    expect(Buffer.from(m![1], "base64").toString("utf8")).toContain(">t</text>");
    expect(displayBundle({ "text/plain": "x" })).toBe(false);
  });

  it("bundles plotly JSON, HTML, SVG and text in one output", () => {
    const spec = lineFigure({ y: [1, 2], title: "loss" });
    const b = figureBundle(spec, "<div></div>", "<svg></svg>");
    expect(Object.keys(b)).toEqual([PLOTLY_MIME, "text/html", "image/svg+xml", "text/plain"]);
    expect((b[PLOTLY_MIME] as { data: unknown[] }).data).toEqual(spec.data);
    expect(b["text/plain"]).toBe("<Figure: loss (1 trace)>");
  });

  it("toHtml makes a standalone offline page; writeHtml writes it (or the SVG for .svg)", () => {
    const spec = plot.lineFigure({ y: [1, 2], title: "page" });
    const page = plot.toHtml(spec);
    expect(page.startsWith("<!doctype html>")).toBe(true);
    expect(page).toContain("<title>page</title>");
    expect(page).toContain("gw-snapshot");
    expect(page.length).toBeGreaterThan(1_000_000); // plotly.js is embedded: no network needed
    expect(page).not.toMatch(/<script[^>]+src=/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-plot-"));
    try {
      const out = plot.writeHtml(path.join(dir, "sub", "fig.html"), spec);
      expect(fs.readFileSync(out, "utf8")).toContain("<title>page</title>");
      const svgFile = plot.writeHtml(path.join(dir, "fig.svg"), spec);
      expect(fs.readFileSync(svgFile, "utf8").startsWith("<svg")).toBe(true);
      expect(() => plot.writeHtml("", spec)).toThrow(/file name/);
      expect(() => plot.toHtml({} as never)).toThrow(/figure spec/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
