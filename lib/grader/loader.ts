/**
 * Turning task-test sources into registered tests, in the grader and in the sandbox.
 *
 * Test files are transpiled by the grader and handed to the sandbox as strings, so they never sit on
 * disk where student code could read them. They may import "gradwork", the harness
 * (any path ending in "grader/harness"), node builtins and helper files of the same set ("./_util").
 *
 * @example
 * const sources = readTestSources(["test/tasks"]);
 * const tests = compileTests(sources, { gradwork: require("gradwork"), harness: require("./harness") });
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import { builtinModules } from "node:module";
import type { TaskTest, Visibility } from "./harness";

/** A transpiled test (or helper) file. */
export interface TestSource {
  /** Name shown in messages, e.g. "test/tasks/02-sigmoid.task.ts". */
  file: string;
  /** CommonJS JavaScript. */
  code: string;
  /** Default visibility for the tests of this file. */
  visibility: Visibility;
}

let ts: typeof import("typescript") | undefined;

/**
 * Transpile TypeScript to CommonJS (no type checking: a type error must not cost a student points).
 *
 * @example
 * transpile("export const x: number = 1;", "x.ts");
 */
export function transpile(source: string, fileName: string): string {
  if (fileName.endsWith(".js") || fileName.endsWith(".cjs")) return source;
  ts ??= require("typescript") as typeof import("typescript");
  const out = ts.transpileModule(source, {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      sourceMap: false,
      inlineSourceMap: false,
    },
  });
  return out.outputText;
}

/**
 * Read and transpile every `*.ts` file of each folder (files starting with "_" are helpers).
 *
 * @example
 * readTestSources([{ dir: "test/tasks" }, { dir: "hidden", visibility: "after_due_date" }]);
 */
export function readTestSources(dirs: { dir: string; visibility?: Visibility; label?: string }[]): TestSource[] {
  const out: TestSource[] = [];
  for (const { dir, visibility = "visible", label } of dirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`test folder not found: ${dir}`);
    const names = fs.readdirSync(dir).filter((n) => /\.(ts|js)$/.test(n) && !n.endsWith(".d.ts")).sort();
    for (const n of names) {
      const full = path.join(dir, n);
      out.push({ file: path.join(label ?? dir, n), code: transpile(fs.readFileSync(full, "utf8"), full), visibility });
    }
  }
  return out;
}

/**
 * Evaluate the sources and return their tests, in file order then declaration order.
 * `modules` supplies what `require` returns for "gradwork" and for the harness.
 */
export function compileTests(sources: TestSource[], modules: { gradwork: unknown; harness: typeof import("./harness") }): TaskTest[] {
  const { harness } = modules;
  const byName = new Map<string, TestSource>();
  for (const s of sources) byName.set(path.basename(s.file).replace(/\.(ts|js)$/, ""), s);
  const cache = new Map<string, unknown>();

  function evaluate(src: TestSource): unknown {
    const key = src.file;
    if (cache.has(key)) return cache.get(key);
    const module = { exports: {} as unknown };
    cache.set(key, module.exports);
    const req = (spec: string): unknown => {
      if (spec === "gradwork") return modules.gradwork;
      if (/(^|\/)grader\/harness$/.test(spec) || spec === "gradwork/grader/harness") return harness;
      const bare = spec.replace(/^node:/, "");
      if (builtinModules.includes(bare)) return require(spec);
      if (spec.startsWith("./")) {
        const helper = byName.get(spec.slice(2).replace(/\.(ts|js)$/, ""));
        if (helper) return evaluate(helper);
      }
      throw new Error(`${src.file}: a task test may import only "gradwork", the grader harness, node builtins and "./_helper" files of its folder; got "${spec}"`);
    };
    const fn = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${src.code}\n})`, { filename: src.file });
    fn(module.exports, req, module, src.file, path.dirname(src.file));
    cache.set(key, module.exports);
    return module.exports;
  }

  const tests: TaskTest[] = [];
  for (const src of sources) {
    if (path.basename(src.file).startsWith("_")) continue;
    harness.beginCollect(src.file);
    try {
      evaluate(src);
    } finally {
      const got = harness.endCollect();
      for (const t of got) tests.push({ ...t, visibility: t.visibility ?? src.visibility });
    }
  }
  return tests;
}
