/**
 * The backends every conformance suite runs against: "reference", plus "cpu" with 1, 2 and 3
 * threads when the cpu backend is registered (and `setNumThreads` exists). Set
 * `GW_TEST_BACKENDS=reference` (a comma-separated list of backend names) to run fewer.
 *
 * @example
 * import { backendCases, useBackendCase } from "../helpers/backends";
 * describe.each(backendCases())("$label", (bc) => {
 *   useBackendCase(bc);
 *   it("adds", () => expect(gw.tensor([1]).add(1).item()).toBe(2));
 * });
 */
import { afterAll, beforeAll, describe } from "vitest";
import * as gw from "gradwork";

export interface BackendCase {
  /** Shown in the test name, e.g. "cpu (2 threads)". */
  label: string;
  /** Name for gw.setBackend. */
  name: string;
  /** Threads for gw.setNumThreads, or null to leave the count alone. */
  threads: number | null;
}

type ThreadControl = { setNumThreads?: (n: number) => void; getNumThreads?: () => number };
const threadControl = gw as unknown as ThreadControl;

/** The backend cases available in this build (filtered by GW_TEST_BACKENDS when set). */
export function backendCases(): BackendCase[] {
  const wanted = process.env.GW_TEST_BACKENDS?.split(",").map((s) => s.trim()).filter(Boolean);
  const names = gw.listBackends().filter((n) => !wanted || wanted.includes(n));
  const cases: BackendCase[] = [];
  for (const name of names) {
    if (name === "cpu" && typeof threadControl.setNumThreads === "function") {
      for (const threads of [1, 2, 3]) cases.push({ label: `cpu (${threads} thread${threads > 1 ? "s" : ""})`, name, threads });
    } else {
      cases.push({ label: name, name, threads: null });
    }
  }
  return cases;
}

/** Select the case's backend (and thread count) for the enclosing describe block; restore afterwards. */
export function useBackendCase(bc: BackendCase): void {
  let previous = "reference";
  let previousThreads: number | null = null;
  beforeAll(() => {
    previous = gw.getBackend();
    gw.setBackend(bc.name);
    if (bc.threads !== null && threadControl.setNumThreads) {
      previousThreads = threadControl.getNumThreads?.() ?? null;
      threadControl.setNumThreads(bc.threads);
    }
  });
  afterAll(() => {
    if (bc.threads !== null && previousThreads !== null) threadControl.setNumThreads?.(previousThreads);
    gw.setBackend(previous);
  });
}

/** `describe.each` over every backend case, selecting it for the block. */
export function forEachBackend(title: string, body: (bc: BackendCase) => void): void {
  describe.each(backendCases())(`${title} [$label]`, (bc) => {
    useBackendCase(bc);
    body(bc);
  });
}
