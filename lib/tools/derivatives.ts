/**
 * The derivative index (docs/derivatives.md): one row per differentiable op, with its derivative
 * as the course writes it and the file:line of its backward — the `record(...)` call in lib/ops
 * (and lib/nn) that attaches it. A record call whose op name is not a string literal names its
 * ops in a `// records: a, b` comment on the same line.
 *
 *   npm run docs:derivatives            # rewrite docs/derivatives.md
 *   npm run docs:derivatives -- --check # exit 1 when it is stale
 *
 * @example
 * import { derivativeIndex } from "./derivatives";
 * const markdown = derivativeIndex(packageRoot());
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../paths";

/** Where the backward passes are recorded. */
const SOURCES = ["lib/ops", "lib/nn"];

/** Every differentiable op: y = the forward, and ∂L/∂(input) in terms of ḡ = ∂L/∂y (the course's notation). */
const FORMULAS: Record<string, { forward: string; derivative: string }> = {
  neg: { forward: "y = −x", derivative: "∂L/∂x = −∂L/∂y" },
  exp: { forward: "y = eˣ", derivative: "∂L/∂x = ∂L/∂y · y" },
  log: { forward: "y = ln x", derivative: "∂L/∂x = ∂L/∂y / x" },
  sqrt: { forward: "y = √x", derivative: "∂L/∂x = ∂L/∂y / (2y)" },
  abs: { forward: "y = |x|", derivative: "∂L/∂x = ∂L/∂y · sign(x)" },
  tanh: { forward: "y = tanh x", derivative: "∂L/∂x = ∂L/∂y · (1 − y²)" },
  sin: { forward: "y = sin x", derivative: "∂L/∂x = ∂L/∂y · cos x" },
  cos: { forward: "y = cos x", derivative: "∂L/∂x = −∂L/∂y · sin x" },
  relu: { forward: "y = max(x, 0)", derivative: "∂L/∂x = ∂L/∂y · [x > 0]" },
  sigmoid: { forward: "y = σ(x) = 1 / (1 + e⁻ˣ)", derivative: "∂L/∂x = ∂L/∂y · y(1 − y)" },
  add: { forward: "y = a + b", derivative: "∂L/∂a = ∂L/∂y, ∂L/∂b = ∂L/∂y (summed over broadcast dims)" },
  sub: { forward: "y = a − b", derivative: "∂L/∂a = ∂L/∂y, ∂L/∂b = −∂L/∂y" },
  mul: { forward: "y = a · b", derivative: "∂L/∂a = ∂L/∂y · b, ∂L/∂b = ∂L/∂y · a" },
  div: { forward: "y = a / b", derivative: "∂L/∂a = ∂L/∂y / b, ∂L/∂b = −∂L/∂y · a / b²" },
  pow: { forward: "y = aᵇ", derivative: "∂L/∂a = ∂L/∂y · b·aᵇ⁻¹, ∂L/∂b = ∂L/∂y · y ln a (0 where a = 0, b ≥ 0)" },
  maximum: { forward: "y = max(a, b)", derivative: "∂L/∂a = ∂L/∂y · [a > b], ∂L/∂b = ∂L/∂y · [b > a] (ties: half each)" },
  minimum: { forward: "y = min(a, b)", derivative: "∂L/∂a = ∂L/∂y · [a < b], ∂L/∂b = ∂L/∂y · [b < a] (ties: half each)" },
  where: { forward: "y = c ? a : b", derivative: "∂L/∂a = c ? ∂L/∂y : 0, ∂L/∂b = c ? 0 : ∂L/∂y" },
  sum: { forward: "y = Σᵢ xᵢ (over dims)", derivative: "∂L/∂xᵢ = ∂L/∂y (broadcast back)" },
  max: { forward: "y = maxᵢ xᵢ (over dims)", derivative: "∂L/∂xᵢ = ∂L/∂y · [xᵢ = y] / #{j : xⱼ = y}" },
  min: { forward: "y = minᵢ xᵢ (over dims)", derivative: "∂L/∂xᵢ = ∂L/∂y · [xᵢ = y] / #{j : xⱼ = y}" },
  softmax: { forward: "yᵢ = eˣⁱ / Σⱼ eˣʲ", derivative: "∂L/∂xᵢ = yᵢ (∂L/∂yᵢ − Σⱼ ∂L/∂yⱼ · yⱼ)" },
  logSoftmax: { forward: "yᵢ = xᵢ − ln Σⱼ eˣʲ", derivative: "∂L/∂xᵢ = ∂L/∂yᵢ − softmax(x)ᵢ · Σⱼ ∂L/∂yⱼ" },
  matmul: { forward: "Y = A B", derivative: "∂L/∂A = ∂L/∂Y · Bᵀ, ∂L/∂B = Aᵀ · ∂L/∂Y" },
  conv2d: { forward: "y = x ⋆ w + b (cross-correlation)", derivative: "∂L/∂x = ∂L/∂y ⋆ rot180(w) (full), ∂L/∂w = x ⋆ ∂L/∂y, ∂L/∂b = Σ ∂L/∂y over n, h, w" },
  "conv2d+relu": { forward: "y = relu(x ⋆ w + b) (one pass)", derivative: "ḡ = ∂L/∂y · [y > 0], then conv2d's with ḡ for ∂L/∂y" },
  maxPool2d: { forward: "y = max over each window", derivative: "∂L/∂x = ∂L/∂y routed to the first maximum of each window" },
  avgPool2d: { forward: "y = mean over each window", derivative: "∂L/∂x = ∂L/∂y / (cells of the window), spread over the window" },
  batchNorm: { forward: "y = γ x̂ + β, x̂ = (x − μ) / √(σ² + ε)", derivative: "∂L/∂x = γ/√(σ²+ε) · (∂L/∂y − mean(∂L/∂y) − x̂ · mean(∂L/∂y · x̂)), ∂L/∂γ = Σ ∂L/∂y · x̂, ∂L/∂β = Σ ∂L/∂y" },
  "batchNorm+relu": { forward: "y = relu(γ x̂ + β) (one pass)", derivative: "ḡ = ∂L/∂y · [y > 0], then batchNorm's with ḡ for ∂L/∂y" },
  contiguous: { forward: "y = x (copied into row-major order)", derivative: "∂L/∂x = ∂L/∂y" },
  clone: { forward: "y = x (a copy)", derivative: "∂L/∂x = ∂L/∂y" },
  reshape: { forward: "y = x in a new shape", derivative: "∂L/∂x = ∂L/∂y reshaped to x's shape" },
  permute: { forward: "y = x with dimensions reordered by p", derivative: "∂L/∂x = ∂L/∂y permuted by p⁻¹" },
  squeeze: { forward: "y = x without a size-1 dim", derivative: "∂L/∂x = ∂L/∂y reshaped to x's shape" },
  unsqueeze: { forward: "y = x with a new size-1 dim", derivative: "∂L/∂x = ∂L/∂y reshaped to x's shape" },
  expand: { forward: "y = x broadcast to a larger shape", derivative: "∂L/∂x = ∂L/∂y summed over the broadcast dims" },
  select: { forward: "y = x[…, i, …]", derivative: "∂L/∂x = ∂L/∂y at index i, 0 elsewhere" },
  slice: { forward: "y = x[…, start:end:step, …]", derivative: "∂L/∂x = ∂L/∂y at the sliced positions, 0 elsewhere" },
  gather: { forward: "y = x[index] (along a dim)", derivative: "∂L/∂x = scatter-add of ∂L/∂y at index" },
  indexSelect: { forward: "y = x[index] (whole slices)", derivative: "∂L/∂x = scatter-add of ∂L/∂y at index" },
  cat: { forward: "y = [x₁, x₂, …] (along a dim)", derivative: "∂L/∂xₖ = the slice of ∂L/∂y that xₖ filled" },
  pad: { forward: "y = x surrounded by zeros", derivative: "∂L/∂x = ∂L/∂y without the padding" },
};

/** One recorded op: its name and where its backward is recorded. */
export interface RecordSite {
  op: string;
  file: string;
  line: number;
}

/** The text of the second argument of the `record(` call starting at `at` (null when it does not end on this line). */
function secondArgument(text: string, at: number): string | null {
  const args: string[] = [];
  let depth = 0, start = at;
  for (let i = at; i < text.length && args.length < 2; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      args.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) break;
  }
  return args.length === 2 ? args[1] : null;
}

/** Every `record(...)` call under lib/ops and lib/nn, in file and line order. */
export function recordSites(root: string): RecordSite[] {
  const sites: RecordSite[] = [];
  for (const dir of SOURCES) {
    for (const name of readdirSync(join(root, dir)).filter((f) => f.endsWith(".ts")).sort()) {
      const file = `${dir}/${name}`;
      readFileSync(join(root, file), "utf8").split("\n").forEach((text, i) => {
        const call = /\brecord\(/.exec(text);
        if (!call || /^\s*(\*|\/\/|import|export function record)/.test(text)) return;
        const name = secondArgument(text, call.index + call[0].length);
        if (name === null) throw new Error(`${file}:${i + 1}: cannot read the op name of this record(...) call (keep its first two arguments on one line)`);
        const annotated = /\/\/ records: ([\w+, ]+)/.exec(text);
        // a literal, or the results of a conditional (`mode === "max" ? "maxPool2d" : "avgPool2d"`)
        const results = name.includes("?") ? name.slice(name.indexOf("?")) : name;
        const literals = [...results.matchAll(/"([\w+]+)"/g)].map((x) => x[1]);
        const ops = annotated ? annotated[1].split(",").map((s) => s.trim()) : literals;
        if (ops.length === 0) throw new Error(`${file}:${i + 1}: record(...) names its op with an expression; add "// records: <op names>" to the line`);
        for (const op of ops) sites.push({ op, file, line: i + 1 });
      });
    }
  }
  return sites;
}

/**
 * The markdown page: a table of every recorded op with its forward, its derivative and a link to
 * its backward. Throws when an op has no formula in this file's table.
 */
export function derivativeIndex(root: string = packageRoot()): string {
  const sites = recordSites(root);
  const missing = sites.filter((s) => !FORMULAS[s.op]).map((s) => `${s.op} (${s.file}:${s.line})`);
  if (missing.length) throw new Error(`derivatives: no formula for ${missing.join(", ")}: add it to FORMULAS in lib/tools/derivatives.ts`);
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const rows = sites.map((s) => `| \`${s.op}\` | ${cell(FORMULAS[s.op].forward)} | ${cell(FORMULAS[s.op].derivative)} | [${s.file}:${s.line}](../${s.file}#L${s.line}) |`);
  return [
    "# Derivatives of the differentiable ops",
    "",
    "Every op that records a backward pass, with its derivative as the course writes it (∂L/∂y is the",
    "gradient arriving at the op's output y) and the line where the library records it — read the",
    "code beside the equation. Gradients of broadcast inputs are summed back to the input's shape once,",
    "by the engine (lib/autograd/sum-to-shape.ts).",
    "",
    "Generated by `npm run docs:derivatives` from the `record(...)` calls in lib/ops and lib/nn;",
    "test/tools/derivatives.test.ts fails when this page is stale.",
    "",
    "| op | forward | derivative | backward |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

if (require.main === module) {
  const root = packageRoot();
  const file = join(root, "docs", "derivatives.md");
  const page = derivativeIndex(root);
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(file, "utf8");
    } catch {
      // missing: stale
    }
    if (current !== page) {
      console.error("docs/derivatives.md is stale: run `npm run docs:derivatives`");
      process.exit(1);
    }
    console.log("docs/derivatives.md is up to date");
  } else {
    writeFileSync(file, page);
    console.log(`wrote ${file} (${page.split("\n").filter((l) => l.startsWith("| `")).length} rows)`);
  }
}
