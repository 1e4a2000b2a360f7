// Every member of Tensor carries JSDoc (what Shift-Tab shows in a notebook); toArray()'s types: to-array.test.ts.
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");

describe("Tensor documentation", () => {
  it("every public member has a doc comment, and methods an @example", () => {
    const program = ts.createProgram([path.join(ROOT, "lib", "index.ts")], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, types: ["node"], noEmit: true });
    const checker = program.getTypeChecker();
    const file = program.getSourceFile(path.join(ROOT, "lib", "tensor", "tensor.ts"))!;
    let cls: ts.ClassDeclaration | undefined;
    file.forEachChild((n) => {
      if (ts.isClassDeclaration(n) && n.name?.text === "Tensor") cls = n;
    });
    const type = checker.getTypeAtLocation(cls!.name!);
    const members = checker.getPropertiesOfType(type).filter((p) => !p.name.startsWith("__@") && !p.name.endsWith("_"));
    expect(members.length).toBeGreaterThan(60); // 71 today (kernelView and readData included), plus the internal copy_
    const undocumented = members.filter((p) => ts.displayPartsToString(p.getDocumentationComment(checker)).trim() === "").map((p) => p.name);
    expect(undocumented).toEqual([]);
    const noExample = members
      .filter((p) => p.flags & ts.SymbolFlags.Method)
      .filter((p) => !p.getJsDocTags(checker).some((t) => t.name === "example"))
      .map((p) => p.name);
    expect(noExample).toEqual([]);
  });
});
