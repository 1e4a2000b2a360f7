/**
 * The backends every golden suite runs against. "cpu" is skipped (not failed) while it is not
 * registered yet.
 *
 * @example
 * describe.each(BACKENDS)("%s backend", (name) => { useBackend(name); ... });
 */
import { beforeAll, afterAll } from "vitest";
import * as gw from "gradwork";

export const BACKENDS = ["reference", "cpu"] as const;

/** Whether a backend can be selected in this build. */
export function hasBackend(name: string): boolean {
  const list = (gw as { listBackends?: () => string[] }).listBackends?.();
  return list ? list.includes(name) : name === "reference";
}

/** Select `name` for the tests of the enclosing describe block, restoring the previous one after. */
export function useBackend(name: string): void {
  let previous = "reference";
  beforeAll(() => {
    previous = gw.getBackend();
    gw.setBackend(name);
  });
  afterAll(() => gw.setBackend(previous));
}
