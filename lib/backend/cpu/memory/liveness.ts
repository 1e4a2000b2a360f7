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
let gc: Gc | null | undefined;

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

/** V8's `gc` function, with the `--expose-gc` options object (`type: "minor"` collects the young generation only). */
type Gc = (options?: { type?: "major" | "minor"; execution?: "sync" | "async" }) => void;

/**
 * Ask V8 for a garbage collection: a full one by default, or only of the young generation
 * (`"minor"`, a few milliseconds: the objects made since the last collections, where a training
 * step's temporaries live). The engine does not know that a tensor's small Float32Array holds
 * megabytes of the heap, so without a nudge it may not collect dead tensors for a long time.
 * Returns false when this engine does not allow it.
 *
 * @example
 * requestCollection(); // dead arrays' WeakRefs now deref() to undefined (after clearKeptObjects)
 */
export function requestCollection(kind: "full" | "minor" = "full"): boolean {
  if (gc === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as Gc;
    } catch {
      gc = null;
    }
  }
  // (no argument for a full collection: V8 takes gc(undefined) for a minor one)
  if (gc) {
    if (kind === "minor") gc({ type: "minor", execution: "sync" });
    else gc();
  }
  return gc !== null;
}

let minorClears: boolean | undefined;

/**
 * Whether a minor collection clears the WeakRefs of dead young objects on this engine, found out
 * once by trying: V8 14 (Node 26) does, V8 11 (Node 20) keeps them until a full collection.
 *
 * @example
 * if (minorCollectionClearsWeakRefs()) requestCollection("minor");
 */
export function minorCollectionClearsWeakRefs(): boolean {
  if (minorClears === undefined) {
    minorClears = false;
    try {
      // (one clear is proof enough; the first minor collection of a busy process may not clear: V8
      // may be in the middle of an incremental full marking, which keeps young objects alive)
      for (let i = 0; i < 4 && !minorClears; i++) {
        const ref = probe();
        if (!clearKeptObjects() || !requestCollection("minor")) break;
        minorClears = ref.deref() === undefined;
      }
    } catch {
      minorClears = false;
    }
  }
  return minorClears;
}

/** A WeakRef to a young array nothing else references (a function of its own, so no local keeps it). */
function probe(): WeakRef<Float32Array> {
  return new WeakRef(new Float32Array(4));
}
