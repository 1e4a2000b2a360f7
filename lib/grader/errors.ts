/**
 * Errors of the grader. `NotImplementedError` (thrown by exercise stubs) is the library's own, re-exported.
 *
 * @example
 * import { NotImplementedError } from "gradwork";
 * export function sigmoid(x: number): number {
 *   // TODO: Task 2.1
 *   throw new NotImplementedError("Task 2.1");
 * }
 */

export { NotImplementedError } from "../errors";

/** Thrown by a task test's `check` when the student's result is wrong; its message is shown to the student. */
export class CheckFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckFailure";
  }
}
