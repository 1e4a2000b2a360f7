/**
 * Thrown by exercise stubs that the student has not written yet.
 *
 * @example
 * throw new gw.NotImplementedError("Task 4.2");
 */
export class NotImplementedError extends Error {
  constructor(task: string) {
    super(`${task} is not implemented yet: open the exercise file, find "TODO: ${task}" and write it`);
    this.name = "NotImplementedError";
  }
}
