// Checkpoints in the safetensors format (readable by PyTorch's `safetensors` package).
// Files are written atomically: a crash mid-write never leaves a half-written checkpoint
// under the real name.
import { readFileSync } from "node:fs";
import { Tensor } from "../tensor/tensor";
import { writeFileAtomic } from "./atomic";
import { decode, encode, setOwnKey } from "./safetensors-format";
import type { RawTensor } from "./safetensors-format";

export { SafetensorsError } from "./safetensors-format";

/** What `save`/`load` need from a module (gw.nn.Module has both). */
export interface StateDictModule {
  stateDict(): Record<string, Tensor>;
  loadStateDict(dict: Record<string, Tensor>, opts?: { strict?: boolean }): unknown;
}

/**
 * Write named tensors to a `.safetensors` file (float32, "F32"), atomically.
 *
 * @example
 * gw.saveTensors({ w: gw.randn([2, 3]), b: gw.zeros([3]) }, "weights.safetensors", { note: "demo" });
 */
export function saveTensors(tensors: Record<string, Tensor>, path: string, metadata?: Record<string, string>): void {
  const raw: Record<string, RawTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new TypeError(`saveTensors: "${name}" is not a Tensor`);
    setOwnKey(raw, name, { data: t.toFloat32Array(), shape: [...t.shape] });
  }
  writeFileAtomic(path, ...encode(raw, metadata));
}

/**
 * Read every tensor of a `.safetensors` file (F32, and F64/F16/BF16/integer dtypes converted
 * to float32). A corrupt file is an error naming the file and the bad field.
 *
 * @example
 * const tensors = gw.loadTensors("weights.safetensors"); // { w: Tensor [2, 3], b: Tensor [3] }
 */
export function loadTensors(path: string): Record<string, Tensor> {
  const { tensors } = decode(readFile(path), path);
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) setOwnKey(out, name, new Tensor(t.data, t.shape));
  return out;
}

/**
 * The `__metadata__` strings of a `.safetensors` file ({} when it has none).
 *
 * @example
 * gw.loadMetadata("model.safetensors"); // { epochs: "10", ... }
 */
export function loadMetadata(path: string): Record<string, string> {
  return decode(readFile(path), path).metadata;
}

function readFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read checkpoint ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Save a module's parameters and buffers (its `stateDict()`, PyTorch-style names such as
 * "0.weight") to a `.safetensors` file, atomically.
 *
 * @example
 * gw.save(model, "checkpoints/convnet.safetensors");
 */
export function save(module: StateDictModule, path: string, metadata?: Record<string, string>): void {
  saveTensors(module.stateDict(), path, metadata);
}

/**
 * Load a `.safetensors` checkpoint into `module`. Every mismatch is listed in one error:
 * missing tensors, unexpected tensors (ignored when `strict: false`) and wrong shapes.
 *
 * @example
 * const model = gw.train.models.chapterConvNet();
 * gw.load(model, "checkpoints/convnet.safetensors");
 */
export function load(module: StateDictModule, path: string, opts: { strict?: boolean } = {}): void {
  const strict = opts.strict ?? true;
  const file = loadTensors(path);
  const own = module.stateDict();
  const problems: string[] = [];
  const missing = Object.keys(own).filter((k) => !Object.hasOwn(file, k));
  const unexpected = Object.keys(file).filter((k) => !Object.hasOwn(own, k));
  if (strict && missing.length) problems.push(`missing (in the model, not in the file): ${missing.join(", ")}`);
  if (strict && unexpected.length) problems.push(`unexpected (in the file, not in the model): ${unexpected.join(", ")}`);
  const wrong = Object.keys(own)
    .filter((k) => Object.hasOwn(file, k) && own[k].shape.join() !== file[k].shape.join())
    .map((k) => `${k}: model [${own[k].shape.join(", ")}] vs file [${file[k].shape.join(", ")}]`);
  if (wrong.length) problems.push(`wrong shape: ${wrong.join("; ")}`);
  if (problems.length) throw new Error(`load(${path}): the checkpoint does not fit the model —\n  ${problems.join("\n  ")}`);
  const matching: Record<string, Tensor> = {};
  for (const k of Object.keys(own)) if (Object.hasOwn(file, k)) setOwnKey(matching, k, file[k]);
  module.loadStateDict(matching, { strict });
}
