/**
 * The task-test harness: how graded tests are written.
 *
 * A task test has three parts. `inputs()` builds the test's inputs deterministically (use `rng(seed)`,
 * never the library's global RNG, which student code may consume). `run(m, inputs)` runs in the
 * sandboxed child process with the student's module `m` loaded and returns plain data (numbers,
 * arrays, tensors, objects of those). `check(observed, inputs)` runs in the trusted grader process,
 * where no student code is ever loaded, recomputes `inputs()`, and throws (`expectClose`, `fail`) when
 * the observed data is wrong. A test scores its points when `check` passes, zero otherwise; tasks get
 * partial credit test by test.
 *
 * Inputs the sandbox cannot build itself (it may read only the library and the submission), such as a
 * dataset on disk, come from `prepare()` instead: it runs once, in the grader process only, may be
 * async, and its result is sent to the sandbox over IPC (typed arrays travel as binary, so send pixels
 * as a Uint8Array). Top-level fields named in `withhold` (e.g. test labels) stay in the grader: `run`
 * sees them as undefined, `check` gets the whole prepared input. See `gradingImages` for an example.
 *
 * @example
 * import { suite, expectClose } from "../../lib/grader/harness";
 * import type * as M from "../../exercises/02-sigmoid";
 * const { task } = suite<typeof M>("02-sigmoid");
 * task("2.1", "sigmoid(0) is one half", 1, {
 *   run: (m) => m.sigmoid(0),
 *   check: (got) => expectClose(got, 0.5),
 * });
 */
export { expectClose, expectEqual, expectTrue, fail, finiteDifference, rng, asNumbers, asTensorData } from "./checks";
export type { Rng, NumericData } from "./checks";
export { CheckFailure, NotImplementedError } from "./errors";
export { gradingImages, syntheticImages, IMAGE_SHAPE } from "./datasets";
export type { GradingImages, GradingImagesOptions } from "./datasets";

/** Gradescope visibility of one test's result. */
export type Visibility = "visible" | "hidden" | "after_due_date" | "after_published";

/** What a test file gives to `task(...)`. */
export interface TaskSpec<M, I> {
  /** Deterministic inputs; called once in the sandbox (for `run`) and once in the grader (for `check`). */
  inputs?: () => I;
  /**
   * Instead of `inputs`: built once in the grader process only (may be async and read files the sandbox
   * cannot), then sent to the sandbox over IPC for `run` and passed as is to `check`.
   */
  prepare?: () => I | Promise<I>;
  /** With `prepare`: top-level fields kept in the grader (never sent to the sandbox), e.g. the test labels. */
  withhold?: readonly (keyof I & string)[];
  /** Untrusted side: calls the student's code, returns plain data. */
  run: (m: M, input: I) => unknown;
  /** Trusted side: throws when `observed` is wrong; may return a short note shown on success. */
  check: (observed: any, input: I) => void | string;
  /** Gradescope visibility; default "visible" (tests from `--tests` default to "after_due_date"). */
  visibility?: Visibility;
}

/** One registered test. */
export interface TaskTest {
  /** Task number, e.g. "4.2". */
  id: string;
  name: string;
  points: number;
  /** Exercise module the test loads, e.g. "04-convolution". */
  module: string;
  /** Test file it came from (relative, for messages). */
  file: string;
  visibility?: Visibility;
  inputs: () => unknown;
  /** Grader-side inputs shipped to the sandbox (see `TaskSpec.prepare`); when set, `inputs` is unused. */
  prepare?: () => unknown;
  /** Fields of the prepared input that are not shipped. */
  withhold?: readonly string[];
  run: (m: any, input: unknown) => unknown;
  check: (observed: any, input: unknown) => void | string;
}

let collected: TaskTest[] | null = null;
let currentFile = "";

/** Grader internal: start collecting the tests a file registers. */
export function beginCollect(file: string): void {
  collected = [];
  currentFile = file;
}

/** Grader internal: stop collecting and return the tests registered since `beginCollect`. */
export function endCollect(): TaskTest[] {
  const out = collected ?? [];
  collected = null;
  return out;
}

/**
 * Declare the exercise module that a test file grades; returns its `task` function.
 *
 * @example
 * const { task } = suite<typeof import("../../exercises/01-chain-rule")>("01-chain-rule");
 */
export function suite<M>(module: string) {
  if (!/^[A-Za-z0-9_-]+$/.test(module)) throw new Error(`suite("${module}"): a module name is a file name without extension, like "04-convolution"`);
  return {
    /**
     * Register a test for task `id` ("N.M") worth `points`.
     *
     * @example
     * task("1.1", "add node", 1, { run: (m) => m.addBackward(1, 2, 3), check: (g) => expectClose(g, [3, 3]) });
     */
    task<I = undefined>(id: string, name: string, points: number, spec: TaskSpec<M, I>): void {
      if (!/^\d+\.\d+$/.test(id)) throw new Error(`${currentFile}: task id "${id}" must look like "4.2"`);
      if (!(points > 0)) throw new Error(`${currentFile}: task ${id} "${name}" needs positive points, got ${points}`);
      if (spec.prepare && spec.inputs) throw new Error(`${currentFile}: task ${id} "${name}" gives both inputs and prepare; use one`);
      if (spec.withhold && !spec.prepare) throw new Error(`${currentFile}: task ${id} "${name}": withhold needs prepare (inputs are built in the sandbox itself)`);
      if (collected === null) return; // loaded outside the grader (e.g. type-checking): nothing to do
      collected.push({
        id,
        name,
        points,
        module,
        file: currentFile,
        visibility: spec.visibility,
        inputs: (spec.inputs ?? (() => undefined)) as () => unknown,
        prepare: spec.prepare as (() => unknown) | undefined,
        withhold: spec.withhold,
        run: spec.run as (m: any, input: unknown) => unknown,
        check: spec.check as (observed: any, input: unknown) => void | string,
      });
    },
  };
}
