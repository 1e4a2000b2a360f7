/**
 * Backend registry: which kernels run the numeric work.
 *
 * @example
 * import * as gw from "gradwork";
 * gw.setBackend("reference");   // plain single-threaded TypeScript
 * gw.getBackend();               // "reference"
 */
import type { Backend } from "./backend";
import { referenceBackend } from "./reference";
import { checkInterrupt } from "../notebook/interrupt";

export type { Backend, Kernels, KernelName, View, GemmArgs, Conv2dParams, Pool2dParams, UnaryOp, BinaryOp, ReduceOp, PoolMode } from "./backend";

type Factory = () => Backend;
const factories = new Map<string, Factory>();
const instances = new Map<string, Backend>();
let current: Backend = referenceBackend;

/** Make a backend available to `setBackend` under `name` (created lazily on first use). */
export function registerBackend(name: string, factory: Factory): void {
  factories.set(name, factory);
  instances.delete(name);
}

/** Names of the registered backends. */
export function listBackends(): string[] {
  return [...factories.keys()];
}

function instance(name: string): Backend {
  let b = instances.get(name);
  if (!b) {
    const f = factories.get(name);
    if (!f) throw new Error(`Unknown backend "${name}": available backends are ${listBackends().map((n) => `"${n}"`).join(", ")}`);
    b = f();
    instances.set(name, b);
  }
  return b;
}

/**
 * Choose the backend for all following operations: `"cpu"` (multithreaded, the default) or `"reference"`.
 *
 * @example
 * gw.setBackend("reference");
 */
export function setBackend(name: string): void {
  current = instance(name);
}

/**
 * The name of the backend in use. "cpu" stays "cpu" when that backend had to fall back to the
 * slow reference kernels (an engine without WebAssembly SIMD or threads): `gw.cpuBackendInfo()`
 * says whether that happened and why.
 *
 * @example
 * console.log(gw.getBackend()); // "cpu"
 */
export function getBackend(): string {
  return current.name;
}

/**
 * The backend object in use (internal: ops call its kernels). Every op goes through here, so this
 * is where Jupyter's stop button is noticed: it throws `InterruptedError` once Stop was pressed.
 */
export function backend(): Backend {
  checkInterrupt();
  return current;
}

/**
 * Tell the backend in use that a training step begins or ends (internal: `zeroGrad()` calls it).
 * Unlike `backend()`, never throws for a pressed Stop button.
 */
export function stepBoundary(): void {
  current.stepBoundary?.();
}

/** Run `fn` with `name` as the backend, then restore the previous one. */
export function withBackend<T>(name: string, fn: () => T): T {
  const prev = current;
  current = instance(name);
  try {
    return fn();
  } finally {
    current = prev;
  }
}

registerBackend("reference", () => referenceBackend);

/** Internal: make `name` the default (used by the cpu backend when it loads). */
export function setDefaultBackend(name: string): void {
  current = instance(name);
}
