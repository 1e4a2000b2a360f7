// toArray(): nested arrays typed without `any` — NestedNumbers for any rank, number[]… for toArray(rank).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as gw from "gradwork";

const ROOT = path.resolve(__dirname, "..", "..");

describe("toArray values", () => {
  it("nests one level per dimension, a number for a 0-d tensor", () => {
    expect(gw.tensor([[1, 2], [3, 4]]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(gw.tensor(5).toArray()).toBe(5);
    expect(gw.arange(8).reshape([2, 2, 2]).toArray(3)).toEqual([[[0, 1], [2, 3]], [[4, 5], [6, 7]]]);
    expect(gw.tensor(5).toArray(0)).toBe(5);
    expect(gw.tensor([[1, 2], [3, 4]]).T.toArray(2)).toEqual([[1, 3], [2, 4]]);
    expect(gw.zeros([0, 3]).toArray(2)).toEqual([]);
  });

  it("a rank that does not match names both ranks and the shape", () => {
    expect(() => gw.zeros([2, 3, 4]).toArray(2)).toThrow("toArray(2): expected a 2-D tensor, but this one is 3-D (shape [2, 3, 4]); call toArray(3) or reshape it first");
    expect(() => gw.tensor(1).toArray(1)).toThrow(/expected a 1-D tensor, but this one is 0-D/);
    expect(() => gw.zeros([1, 1, 1, 1, 1, 1, 1]).toArray(6)).toThrow(/this one is 7-D .*call toArray\(\)/);
  });

  it("a rank that is not 0..6 is refused with the allowed range", () => {
    const t = gw.zeros([2]);
    expect(() => t.toArray(1.5 as 1)).toThrow("toArray(rank): rank must be an integer from 0 to 6, got 1.5");
    expect(() => t.toArray("1" as unknown as 1)).toThrow(/got 1;/);
  });
});

describe("toArray types", () => {
  it("has no any: NestedNumbers without a rank, exact arrays with one (checked by tsc)", () => {
    // inside functions: a 2-D tensor would refuse toArray(0) when run; only the types matter here
    const t = gw.zeros([2, 2]);
    expectTypeOf(() => t.toArray()).returns.toEqualTypeOf<gw.NestedNumbers>();
    expectTypeOf(() => t.toArray(0)).returns.toEqualTypeOf<number>();
    expectTypeOf(() => t.toArray(1)).returns.toEqualTypeOf<number[]>();
    expectTypeOf(() => t.toArray(2)).returns.toEqualTypeOf<number[][]>();
    expectTypeOf(() => t.toArray(4)).returns.toEqualTypeOf<number[][][][]>();
    expectTypeOf(() => t.toArray(2)).returns.not.toBeAny();
  });

  it("a snippet that misuses the result does not compile, and the common cases do without casts", () => {
    const lib = path.join(ROOT, "lib", "index").replace(/\\/g, "/");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-toarray-"));
    const file = path.join(dir, "snippet.ts");
    fs.writeFileSync(
      file,
      [
        `import * as gw from ${JSON.stringify(lib)};`,
        "const t = gw.tensor([[1, 2], [3, 4]]);",
        "const doubled: number = t.toArray(2)[0][1] * 2;",
        "const xs: number[] = gw.linspace(0, 1, 5).toArray(1);",
        "const shown: string = JSON.stringify(t.toArray());",
        "// @ts-expect-error without a rank the result is NestedNumbers, which cannot be indexed twice",
        "t.toArray()[0][1] * 2;",
        "// @ts-expect-error a 2-D array is not a number[]",
        "const wrong: number[] = t.toArray(2);",
        "// @ts-expect-error the elements are numbers, not strings",
        "const s: string = t.toArray(1)[0];",
        "// @ts-expect-error ranks go up to 6",
        "t.toArray(7);",
        "export { doubled, xs, shown, wrong, s };",
      ].join("\n"),
    );
    try {
      const program = ts.createProgram([file], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, types: ["node"], noEmit: true, skipLibCheck: true });
      const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file.replace(/\\/g, "/") || d.file?.fileName === file);
      const messages = diagnostics.map((d) => `line ${d.file!.getLineAndCharacterOfPosition(d.start!).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
      // An `any` return would make each @ts-expect-error above "unused", which is an error here.
      expect(messages).toEqual([]);
      const checker = program.getTypeChecker();
      const source = program.getSourceFile(file)!;
      const call = (text: string) => {
        let found: ts.Node | undefined;
        const visit = (n: ts.Node) => {
          if (!found && ts.isCallExpression(n) && n.getText(source) === text) found = n;
          n.forEachChild(visit);
        };
        visit(source);
        return checker.typeToString(checker.getTypeAtLocation(found!));
      };
      expect(call("t.toArray()")).toBe("NestedNumbers");
      expect(call("t.toArray(2)")).toBe("number[][]");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
