// Optimizer state on disk: tensors in a .safetensors file, scalars (hyperparameters, step counts)
// in its metadata — the same format as model checkpoints, readable from PyTorch's safetensors.
import { loadMetadata, loadTensors, saveTensors } from "../io/safetensors";
import type { Optimizer, OptimizerStateDict } from "./optimizer";

const FORMAT = "gradwork-optimizer";

/**
 * Saves `opt.stateDict()` to a `.safetensors` file: tensors as tensors, every scalar as a JSON
 * string in the metadata (plus `format: "gradwork-optimizer"`).
 *
 * @example
 * gw.optim.saveState(opt, "checkpoints/convnet.optim.safetensors");
 */
export function saveState(opt: Optimizer, path: string): void {
  const { tensors, scalars } = opt.stateDict();
  const metadata: Record<string, string> = { format: FORMAT };
  for (const [k, v] of Object.entries(scalars)) metadata[k] = JSON.stringify(v);
  saveTensors(tensors, path, metadata);
}

/**
 * Reads a file written by `saveState` into an optimizer of the same kind over the same parameters.
 *
 * @example
 * const opt = new gw.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * gw.optim.loadState(opt, "checkpoints/convnet.optim.safetensors");
 */
export function loadState(opt: Optimizer, path: string): void {
  const meta = loadMetadata(path);
  if (meta.format !== FORMAT) throw new Error(`loadState(${path}): not an optimizer state file (metadata format is ${JSON.stringify(meta.format)}, expected "${FORMAT}")`);
  const scalars: OptimizerStateDict["scalars"] = {};
  for (const [k, v] of Object.entries(meta)) {
    if (k === "format") continue;
    try {
      scalars[k] = JSON.parse(v);
    } catch {
      throw new Error(`loadState(${path}): metadata "${k}" is not JSON: ${JSON.stringify(v)}`);
    }
  }
  try {
    opt.loadStateDict({ tensors: loadTensors(path), scalars });
  } catch (e) {
    throw new Error(`loadState(${path}): ${(e as Error).message}`);
  }
}
