// A figure built by gw.plot.*Figure displays itself as a cell's value, with the bundle gw.plot.figure sends.
import { afterEach, describe, expect, it } from "vitest";
import * as plot from "../../lib/plot";
import { PLOTLY_MIME } from "../../lib/plot/bundle";
import { mimeBundle } from "../../lib/notebook/kernel/result";

const DISPLAY = Symbol.for("Jupyter.display");
const EMBEDDED = Symbol.for("gradwork.plot.plotlyEmbedded");
type Displayable = { [DISPLAY](): Record<string, unknown> };
const show = (fig: object) => (fig as Displayable)[DISPLAY]();
/** HTML or SVG with its random element ids replaced, to compare two renderings. */
const sameIds = (html: string) => html.replace(/gw-(plot|clip)-[0-9a-f]{16}/g, "gw-$1-ID");
/** The figure HTML with the SVG snapshot inside it decoded (its clip-path id is random too). */
const decodeSnapshot = (html: string) => html.replace(/base64,([A-Za-z0-9+/=]+)/, (_, b64: string) => Buffer.from(b64, "base64").toString("utf8"));
const forgetPlotly = () => delete (globalThis as Record<symbol, unknown>)[EMBEDDED];

afterEach(forgetPlotly);

describe("Figure as a cell value", () => {
  it("every builder returns a Figure", () => {
    const figs = [
      plot.lineFigure({ y: [3, 2, 1] }),
      plot.scatterFigure({ x: [0, 1], y: [1, 0] }),
      plot.heatmapFigure({ z: [[1, 2], [3, 4]] }),
      plot.confusionFigure([[3, 1], [0, 4]], ["a", "b"]),
      plot.convolutionFigure([[1, 2], [3, 4]], [[1]]),
      plot.convolutionBackwardFigure([1, -2], [1, 0, -1], { inputSize: [4] }),
    ];
    for (const fig of figs) {
      expect(fig).toBeInstanceOf(plot.Figure);
      expect(typeof show(fig)["text/html"]).toBe("string");
    }
  });

  it("returns the MIME bundle gw.plot.figure displays: plotly JSON, HTML, SVG snapshot, text", () => {
    const fig = plot.lineFigure({ ys: [[1, 2, 3], [3, 2, 1]], names: ["a", "b"], title: "loss" });
    forgetPlotly();
    show(fig); // the first value of a session carries plotly.js (see below); compare the next one
    const bundle = show(fig);
    expect(Object.keys(bundle).sort()).toEqual([PLOTLY_MIME, "image/svg+xml", "text/html", "text/plain"].sort());
    expect(bundle[PLOTLY_MIME]).toEqual({ data: fig.data, layout: fig.layout, config: {} });
    expect(sameIds(bundle["image/svg+xml"] as string)).toBe(sameIds(plot.renderSvg(fig)));
    expect(sameIds(decodeSnapshot(bundle["text/html"] as string))).toBe(sameIds(decodeSnapshot(plot.figure(fig) as string)));
    expect(bundle["text/plain"]).toBe("<Figure: loss (2 traces)>");
    // the kernel's cell value: the figure's own text/plain wins over util.inspect's dump
    expect(mimeBundle(fig)["text/plain"]).toBe("<Figure: loss (2 traces)>");
    expect(sameIds(mimeBundle(fig)["image/svg+xml"] as string)).toBe(sameIds(bundle["image/svg+xml"] as string));
  });

  it("outside a tslab kernel the first figure's HTML carries plotly.js once per build", () => {
    forgetPlotly();
    const line = plot.lineFigure({ y: [1, 2] });
    const first = show(line)["text/html"] as string;
    const second = show(line)["text/html"] as string;
    expect(first.match(/class="gw-plotly-loader"/g)).toHaveLength(1);
    expect(first).toContain('var build = "cartesian"');
    expect(second).not.toContain("gw-plotly-loader");
    const polar = new plot.Figure({ data: [{ type: "scatterpolar", r: [1, 2], theta: [0, 90] }], layout: {} });
    const third = show(polar)["text/html"] as string;
    expect(third).toContain('var build = "full"');
    expect(show(line)["text/html"]).not.toContain("gw-plotly-loader");
  });

  it("a live figure displays itself when made, so it has no cell-value display (never shown twice)", () => {
    const live = plot.live({ names: ["a"] });
    expect((live as unknown as Record<symbol, unknown>)[DISPLAY]).toBeUndefined();
    expect(live.spec()).toBeInstanceOf(plot.Figure);
  });

  it("refuses what is not a figure spec, naming the expected shape", () => {
    expect(() => new plot.Figure({ layout: {} } as unknown as plot.FigureSpec)).toThrow(/expected a figure spec \{ data: \[\.\.\.traces\]/);
    expect(() => plot.figure(null as unknown as plot.FigureSpec)).toThrow(/plot\.figure: expected a figure spec/);
  });
});
