/**
 * Compiling a submission before any of it runs: each file is parsed and type-checked as `tsc --strict`
 * would (against the built library's declarations), and only files that compile are transpiled into
 * the sandbox. A file that does not compile fails the tasks that need it, with its errors (file, line,
 * column) in the student's feedback; the other files are graded as usual.
 *
 * Type-checking needs the `typescript` package. Where it is not installed, files are only parsed (by
 * Node's type stripping where present) and the report says so.
 *
 * @example
 * const out = compileSubmission(new Map([["02-sigmoid.ts", source]]), packageRoot());
 * out.get("02-sigmoid.ts")!.errors; // ["02-sigmoid.ts:12:5 error TS1005: ',' expected."]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stripTypes } from "./loader";
import { typescript } from "./typescript";

/** The outcome for one file. */
export interface CompiledFile {
  name: string;
  /** CommonJS JavaScript when the file compiles. */
  js?: string;
  /** Errors, each "file:line:col error TSxxxx: message" (at most 10 shown). */
  errors: string[];
}

/** Deepest bracket nesting accepted (a parser recursing deeper would overflow its stack). */
export const MAX_NESTING = 500;
const VIRTUAL = "/submission/";

/** Where the brackets of `src` nest deeper than MAX_NESTING, as "line:col", or null. */
function tooDeep(src: string): string | null {
  let depth = 0;
  let line = 1;
  let col = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    col++;
    if (c === 10) {
      line++;
      col = 0;
    } else if (c === 40 || c === 91 || c === 123) {
      if (++depth > MAX_NESTING) return `${line}:${col}`;
    } else if (c === 41 || c === 93 || c === 125) depth = Math.max(0, depth - 1);
  }
  return null;
}

const libCache = new Map<string, unknown>();

/**
 * Parse, type-check and transpile the student's files.
 *
 * @example
 * compileSubmission(new Map([["01-chain-rule.ts", "export const x: number = 'a';"]]), packageRoot());
 */
export function compileSubmission(sources: Map<string, string>, root: string, opts: { typeCheck?: boolean } = {}): { files: Map<string, CompiledFile>; typeChecked: boolean } {
  const files = new Map<string, CompiledFile>();
  const parseable = new Map<string, string>();
  for (const [name, src] of sources) {
    const deep = tooDeep(src);
    if (deep) files.set(name, { name, errors: [`${name}:${deep} error: brackets nest more than ${MAX_NESTING} levels deep here; the grader does not compile such a file`] });
    else parseable.set(name, src);
  }
  const ts = typescript();
  if (!ts) {
    for (const [name, src] of parseable) {
      try {
        files.set(name, { name, js: stripTypes(src, name), errors: [] });
      } catch (e) {
        files.set(name, { name, errors: [`${name}: ${(e as Error).message.split("\n")[0]}`] });
      }
    }
    return { files, typeChecked: false };
  }
  const where = (d: import("typescript").Diagnostic, name: string) => {
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    return `${at ? `${name}:${at.line + 1}:${at.character + 1}` : name} error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ").slice(0, 300)}`;
  };
  if (opts.typeCheck === false) {
    // Syntax only: one parse per file, no program (fast; the type check runs elsewhere, see typecheck.ts).
    for (const [name, src] of parseable) {
      try {
        const out = ts.transpileModule(src, {
          fileName: name,
          reportDiagnostics: true,
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, allowJs: true },
        });
        const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error).map((d) => where(d, name));
        files.set(name, errors.length ? { name, errors: errors.slice(0, 10) } : { name, js: out.outputText, errors: [] });
      } catch (e) {
        files.set(name, { name, errors: [`${name}: could not be parsed: ${(e as Error).message.split("\n")[0]}`] });
      }
    }
    return { files, typeChecked: false };
  }
  const options: import("typescript").CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ["lib.es2022.d.ts"],
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    allowJs: true,
    checkJs: false,
    baseUrl: root,
    paths: { gradwork: ["dist/index.d.ts"], "gradwork/*": ["dist/*"] },
    types: fs.existsSync(path.join(root, "node_modules", "@types", "node")) ? ["node"] : [],
    typeRoots: [path.join(root, "node_modules", "@types")],
  };
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, lang, onError, create) => {
    if (fileName.startsWith(VIRTUAL)) {
      const src = parseable.get(fileName.slice(VIRTUAL.length));
      return src === undefined ? undefined : ts.createSourceFile(fileName, src, lang, true);
    }
    const hit = libCache.get(fileName) as import("typescript").SourceFile | undefined;
    if (hit) return hit;
    const sf = getSourceFile(fileName, lang, onError, create);
    if (sf) libCache.set(fileName, sf);
    return sf;
  };
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.fileExists = (f) => (f.startsWith(VIRTUAL) ? parseable.has(f.slice(VIRTUAL.length)) : fileExists(f));
  host.readFile = (f) => (f.startsWith(VIRTUAL) ? parseable.get(f.slice(VIRTUAL.length)) : readFile(f));
  const typeCheck = true;
  let program: import("typescript").Program | undefined;
  try {
    program = ts.createProgram([...parseable.keys()].map((n) => VIRTUAL + n), options, host);
  } catch (e) {
    for (const name of parseable.keys()) files.set(name, { name, errors: [`${name}: the compiler failed on this submission: ${(e as Error).message.split("\n")[0]}`] });
    return { files, typeChecked: false };
  }
  for (const [name, src] of parseable) {
    const sf = program.getSourceFile(VIRTUAL + name)!;
    let diags: readonly import("typescript").Diagnostic[];
    try {
      diags = program.getSyntacticDiagnostics(sf);
      if (diags.length === 0 && typeCheck && !name.endsWith(".js")) diags = program.getSemanticDiagnostics(sf);
    } catch (e) {
      files.set(name, { name, errors: [`${name}: could not be checked: ${(e as Error).message.split("\n")[0]}`] });
      continue;
    }
    const errors = diags.filter((d) => d.category === ts.DiagnosticCategory.Error).map((d) => where(d, name));
    if (errors.length) {
      files.set(name, { name, errors: errors.length > 10 ? [...errors.slice(0, 10), `… and ${errors.length - 10} more`] : errors });
      continue;
    }
    try {
      files.set(name, { name, js: stripTypes(src, name), errors: [] });
    } catch (e) {
      files.set(name, { name, errors: [`${name}: ${(e as Error).message.split("\n")[0]}`] });
    }
  }
  return { files, typeChecked: typeCheck };
}
