import { describe, expect, it } from "vitest";
import { type Converter, recoveringConverter } from "../../../lib/notebook/kernel/converter";

function fake(id: number, failWith?: string): Converter & { closed: boolean } {
  return {
    closed: false,
    convert(decls: string, src: string) {
      if (failWith) throw new Error(failWith);
      return { id, out: `${decls}|${src}` };
    },
    close() {
      this.closed = true;
    },
    complete: () => `complete from ${id}`,
  };
}

describe("tslab's converter after a stop", () => {
  it("a stuck rebuild timer makes a fresh converter and the cell compiles", () => {
    const made: Array<ReturnType<typeof fake>> = [];
    const logs: string[] = [];
    const conv = recoveringConverter(() => {
      const c = fake(made.length, made.length === 0 ? "Unexpected pending rebuildTimer" : undefined);
      made.push(c);
      return c;
    }, (s) => logs.push(s));
    expect(conv.convert("let a: number;", "a + 1")).toEqual({ id: 1, out: "let a: number;|a + 1" });
    expect(made[0].closed).toBe(true);
    expect(logs.join("")).toMatch(/restarting/);
    expect((conv.complete as () => string)()).toBe("complete from 1");
  });

  it("other compile errors pass through untouched", () => {
    const conv = recoveringConverter(() => fake(0, "boom"));
    expect(() => conv.convert("", "x")).toThrow("boom");
  });
});
