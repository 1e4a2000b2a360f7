import { describe, expect, it } from "vitest";
import { Value, drawGraph, drawGraphAsync, toDot, topoSort } from "../../lib/scalar";
import { formatNumber } from "../../lib/scalar/draw";

/** The text of every <text> element, with XML entities decoded. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]
      .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&"),
  );
}

/** Light well-formedness check: every opened element is closed in order. */
function expectBalancedTags(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
}

const countNodes = (svg: string) => (svg.match(/<g id="node\d+" class="node">/g) ?? []).length;

/** The (x + y)·z example after backward. */
function courseGraph(): Value {
  const x = new Value(-2, "x");
  const y = new Value(5, "y");
  const z = new Value(-4, "z");
  const q = x.add(y);
  q.label = "q";
  const f = q.mul(z);
  f.label = "f";
  f.backward();
  return f;
}

describe("formatNumber", () => {
  it("keeps 4 significant digits without trailing zeros and spells out non-finite values", () => {
    expect(formatNumber(-12)).toBe("-12");
    expect(formatNumber(0.7310585786)).toBe("0.7311");
    expect(formatNumber(-0.19661193)).toBe("-0.1966");
    expect(formatNumber(3)).toBe("3");
    expect(formatNumber(123456)).toBe("1.235e+5");
    expect(formatNumber(0.000012346)).toBe("0.00001235");
    expect(formatNumber(1e-9)).toBe("1e-9");
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(NaN)).toBe("NaN");
    expect(formatNumber(Infinity)).toBe("∞");
    expect(formatNumber(-Infinity)).toBe("-∞");
  });
});

describe("toDot", () => {
  it("has one record per value, one ellipse per operation and edges input → op → output", () => {
    const dot = toDot(courseGraph());
    expect(dot).toMatch(/^digraph G \{\n  rankdir=LR;/);
    expect(dot.match(/shape=record/g)).toHaveLength(5);
    expect(dot.match(/shape=ellipse/g)).toHaveLength(2);
    expect(dot).toContain('label="{ f | data -12 | grad 1 }"');
    expect(dot).toContain('label="{ q | data 3 | grad -4 }"');
    expect(dot).toContain('label="*"');
    // x, y -> (+) -> q ; q, z -> (*) -> f
    for (const edge of ["v0 -> v2_op", "v1 -> v2_op", "v2_op -> v2", "v2 -> v4_op", "v3 -> v4_op", "v4_op -> v4"]) {
      expect(dot).toContain(`  ${edge};`);
    }
    expect(dot.match(/->/g)).toHaveLength(6);
  });

  it("omits the label field of unlabelled nodes and lays records out in a row for TB too", () => {
    const dot = toDot(new Value(2).exp(), { rankdir: "TB" });
    expect(dot).toContain("rankdir=TB;");
    expect(dot).toContain('label="data 2 | grad 0"');
    expect(dot).toContain('label="data 7.389 | grad 0"');
  });

  it("escapes record and string special characters", () => {
    const x = new Value(1, 'a"b{c}|d<e>\\f\ng');
    const dot = toDot(x);
    expect(dot).toContain('label="{ a\\"b\\{c\\}\\|d\\<e\\>\\\\f g | data 1 | grad 0 }"');
  });

  it("marks non-finite values in red", () => {
    const dot = toDot(new Value(-1, "x").log());
    expect(dot).toContain('label="{ data NaN | grad 0 }", color="#cc0000"');
    expect(dot).not.toMatch(/\{ x \| data -1 \| grad 0 \}", color/);
  });

  it("rejects bad input with a clear error", () => {
    expect(() => toDot(3 as any)).toThrow(/toDot: expected a scalar Value .*got number 3/);
    expect(() => toDot(new Value(1), { rankdir: "XY" as any })).toThrow(/rankdir must be one of LR, RL, TB, BT, got "XY"/);
  });
});

describe("drawGraph (Graphviz)", () => {
  it("renders the course example as SVG with every node, label and value", () => {
    const f = courseGraph();
    const svg = drawGraph(f);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expectBalancedTags(svg);
    expect(countNodes(svg)).toBe(5 + 2); // 5 values + 2 operations
    const texts = svgTexts(svg);
    for (const t of ["x", "y", "z", "q", "f", "+", "*", "data -2", "data 5", "data -4", "data 3", "data -12"]) {
      expect(texts).toContain(t);
    }
    expect(texts.filter((t) => t === "grad -4")).toHaveLength(3); // x, y and q
    expect(texts).toContain("grad 3");
    expect(texts).toContain("grad 1");
  });

  it("shows the sigmoid example's values rounded to 4 significant digits", () => {
    const w0 = new Value(2, "w0");
    const x = new Value(-1, "x");
    const w1 = new Value(3, "w1");
    const f = w0.mul(x).add(w1).neg().exp().add(1).pow(-1);
    f.backward();
    const svg = drawGraph(f, { rankdir: "TB" });
    // values: w0, x, w0·x, w1, z, −z, e^−z, the constant 1, 1 + e^−z, f; ops: *, +, neg, exp, +, ^-1
    expect(topoSort(f)).toHaveLength(10);
    expect(countNodes(svg)).toBe(10 + 6);
    const texts = svgTexts(svg);
    for (const t of ["data 0.7311", "grad -0.1966", "grad 0.3932", "grad 0.1966", "^-1", "neg", "exp", "1"]) {
      expect(texts).toContain(t);
    }
  });

  it("draws non-finite data and odd labels", () => {
    const x = new Value(-1, 'x <&> "q"');
    const svg = drawGraph(x.log().mul(Infinity));
    expectBalancedTags(svg);
    const texts = svgTexts(svg);
    expect(texts).toContain('x <&> "q"');
    expect(texts).toContain("data NaN");
    expect(texts).toContain("data ∞");
  });

  it("counts each op node once even when an input is used twice", () => {
    const x = new Value(3, "x");
    const svg = drawGraph(x.mul(x));
    expect(countNodes(svg)).toBe(3);
    expect((svg.match(/class="edge"/g) ?? []).length).toBe(3);
  });

  it("gives the same picture synchronously and asynchronously", async () => {
    const f = courseGraph();
    expect(await drawGraphAsync(f)).toBe(drawGraph(f));
  });

  it("rejects a non-Value root and oversized graphs with clear errors", async () => {
    expect(() => drawGraph(undefined as any)).toThrow(/drawGraph: expected a scalar Value .*got undefined/);
    expect(() => drawGraph({ data: 1 } as any)).toThrow(/drawGraph: expected a scalar Value .*an object \(Object\)/);
    await expect(drawGraphAsync([] as any)).rejects.toThrow(/drawGraphAsync: expected a scalar Value/);
    let v = new Value(0);
    for (let i = 0; i < 300; i++) v = v.add(1);
    expect(() => drawGraph(v)).toThrow(/601 value nodes, more than maxNodes = 500/);
    expect(countNodes(drawGraph(v, { maxNodes: 1000 }))).toBe(601 + 300);
  });
});
