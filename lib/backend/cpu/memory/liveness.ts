// Learning synchronously which tensors are dead, for training loops that never await.
//
// The heap frees a tensor's block when its Float32Array is garbage collected, which a
// FinalizationRegistry only reports when the event loop turns. A loop that never awaits never lets
// it turn. A WeakRef would tell at once (`deref()` is undefined once the array is collected) but
// for one catch: JavaScript keeps the target of every WeakRef created or dereferenced during the
// current job alive until the job ends, and a synchronous loop is one long job. That "kept
// objects" list is emptied at every microtask checkpoint, and Node performs one, synchronously,
// after each script run in a `vm` context created with `microtaskMode: "afterEvaluate"` (its own
// microtask queue, empty here). So: run an empty script in such a context, collect garbage, and
// read the WeakRefs. This costs one full garbage collection (tens of milliseconds); the heap does
// it only when full, rate-limited.
//
// Side effect: WeakRef targets of other code that are otherwise unreachable may be collected
// before the current job ends (the language allows a checkpoint to do that anyway).
import { setFlagsFromString } from "node:v8";
import { Script, createContext, runInNewContext } from "node:vm";

let checkpoint: (() => void) | null | undefined;
let gc: (() => void) | null | undefined;

/** Empty the engine's list of WeakRef targets kept alive for the current job; false if impossible here. */
export function clearKeptObjects(): boolean {
  if (checkpoint === undefined) {
    try {
      const context = createContext({}, { microtaskMode: "afterEvaluate" });
      const script = new Script("0");
      checkpoint = () => script.runInContext(context);
    } catch {
      checkpoint = null;
    }
  }
  if (!checkpoint) return false;
  checkpoint();
  return true;
}

/**
 * Ask V8 for a full garbage collection. The engine does not know that a tensor's small Float32Array
 * holds megabytes of the heap, so without a nudge it may not collect dead tensors for a long time.
 * Returns false when this engine does not allow it.
 *
 * @example
 * requestCollection(); // dead arrays' WeakRefs now deref() to undefined (after clearKeptObjects)
 */
export function requestCollection(): boolean {
  if (gc === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
  return gc !== null;
}
