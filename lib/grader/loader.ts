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
import { typescript } from "./typescript";

/** A transpiled test (or helper) file. */
export interface TestSource {
  /** Name shown in messages, e.g. "test/tasks/02-sigmoid.task.ts". */
  file: string;
  /** CommonJS JavaScript. */
  code: string;
  /** Default visibility for the tests of this file. */
  visibility: Visibility;
}

function needTypescript(what: string): typeof import("typescript") {
  const t = typescript();
  if (!t) throw new Error(`${what} needs the "typescript" package: install it next to gradwork (npm install typescript)`);
  return t;
}

/**
 * A student's file as CommonJS JavaScript (types removed, nothing checked; see compile.ts for checking).
 *
 * @example
 * stripTypes("export const x: number = 1;", "x.ts");
 */
export function stripTypes(source: string, fileName: string): string {
  return transpile(source, fileName);
}

/**
 * Transpile TypeScript to CommonJS (no type checking).
 *
 * @example
 * transpile("export const x: number = 1;", "x.ts");
 */
export function transpile(source: string, fileName: string): string {
  if (fileName.endsWith(".js") || fileName.endsWith(".cjs")) return source;
  const ts = needTypescript(`transpiling ${path.basename(fileName)}`);
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

const PARENT_ONLY = new Set(["check", "inputs", "prepare", "withhold"]);

/**
 * The sandbox's half of a task-test file: every `check`, `inputs`, `prepare` and `withhold` of a
 * `task(...)` call replaced by `undefined`, then every top-level declaration no longer used removed
 * (expected values, reference implementations, constants of the checks). What is left registers the
 * same tests in the same order, each with only its `run` function and what `run` uses.
 *
 * @example
 * runSideSource(fs.readFileSync("test/tasks/02-sigmoid.task.ts", "utf8"), "02-sigmoid.task.ts");
 */
export function runSideSource(source: string, fileName: string): string {
  const ts = needTypescript(`reading ${path.basename(fileName)}`);
  const kind = fileName.endsWith(".js") ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, kind);
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (node: import("typescript").Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "task") {
      const spec = node.arguments[3];
      if (!spec || !ts.isObjectLiteralExpression(spec))
        throw new Error(`${fileName}: task(...) must be given its spec as an object literal { run, check, ... } (the grader splits it: check stays out of the sandbox)`);
      for (const p of spec.properties) {
        const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
        if (ts.isSpreadAssignment(p)) throw new Error(`${fileName}: a task spec may not use "...spread" (the grader must see where check is)`);
        if (name && PARENT_ONLY.has(name)) edits.push({ start: p.getStart(sf), end: p.end, text: `${name}: undefined` });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let text = source;
  for (const e of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);

  // Remove the top-level declarations nothing kept refers to, until nothing changes.
  const cut = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, kind);
  const declared = (st: import("typescript").Statement): string[] | null => {
    const names: string[] = [];
    const bind = (b: import("typescript").BindingName) => {
      if (ts.isIdentifier(b)) names.push(b.text);
      else for (const el of b.elements) if (!ts.isOmittedExpression(el)) bind(el.name);
    };
    if (ts.isVariableStatement(st)) st.declarationList.declarations.forEach((d) => bind(d.name));
    else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) names.push(st.name.text);
    else if (ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st)) return [];
    else return null; // not a declaration: always kept
    return names;
  };
  const refs = (node: import("typescript").Node, into: Set<string>): void => {
    if (ts.isIdentifier(node)) into.add(node.text);
    ts.forEachChild(node, (c) => refs(c, into));
  };
  const stmts = cut.statements.map((st) => ({ st, names: declared(st), kept: false }));
  const used = new Set<string>();
  const exported = (st: import("typescript").Statement) => ts.canHaveModifiers(st) && !!ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  // Roots: statements that are not declarations (task calls, loops) and exports (of "_helper" files).
  for (const s of stmts) if (s.names === null || (s.names.length > 0 && exported(s.st))) {
    s.kept = true;
    refs(s.st, used);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of stmts) {
      if (s.kept || !s.names?.some((n) => used.has(n))) continue;
      s.kept = true;
      changed = true;
      refs(s.st, used);
    }
  }
  return stmts.filter((s) => s.kept).map((s) => text.slice(s.st.getFullStart(), s.st.end)).join("") + "\n";
}

const sourceCache = new Map<string, TestSource[]>();

/**
 * Read and transpile every `*.ts` file of each folder (files starting with "_" are helpers).
 *
 * @example
 * readTestSources([{ dir: "test/tasks" }, { dir: "hidden", visibility: "after_due_date" }]);
 */
export function readTestSources(dirs: { dir: string; visibility?: Visibility; label?: string }[], opts: { runSide?: boolean } = {}): TestSource[] {
  // Transpiling is the slow part of a batch: reuse it while no file changed.
  let key = JSON.stringify([dirs, !!opts.runSide]);
  for (const { dir } of dirs) {
    try {
      for (const n of fs.readdirSync(dir).sort()) key += `|${n}:${fs.statSync(path.join(dir, n)).mtimeMs}`;
    } catch {
      key += "|?";
    }
  }
  const hit = sourceCache.get(key);
  if (hit) return hit;
  const out: TestSource[] = [];
  for (const { dir, visibility = "visible", label } of dirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`test folder not found: ${dir}`);
    const names = fs.readdirSync(dir).filter((n) => /\.(ts|js)$/.test(n) && !n.endsWith(".d.ts")).sort();
    for (const n of names) {
      const full = path.join(dir, n);
      const text = fs.readFileSync(full, "utf8");
      const file = path.join(label ?? dir, n);
      // Helper files ("_x.ts") are pruned like test files: only what a kept run uses stays.
      const code = transpile(opts.runSide ? runSideSource(text, full) : text, full.replace(/\.js$/, ".ts"));
      out.push({ file, code, visibility });
    }
  }
  if (sourceCache.size > 20) sourceCache.clear();
  sourceCache.set(key, out);
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
