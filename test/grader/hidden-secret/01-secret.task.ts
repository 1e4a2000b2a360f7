/**
 * A hidden test for the hostile suite (test/grader/hostile/heap-snapshot): its expected value appears
 * only in its check, which must never reach the sandbox.
 */
import { suite, expectClose } from "../../../lib/grader/harness";

const { task } = suite<any>("01-chain-rule");

task("1.1", "hidden: a value only the grader knows", 1, {
  run: (m) => m.addBackward(1, 2, 3)[0],
  check: (got) => expectClose(got, 271828.1828),
});
