// The task table shared by the main thread and the workers: a job's kind picks the function that
// runs one task; every participating thread claims task indices until none are left.
import { ARGS, K_BINARY, K_CONV_BWD_INPUT, K_CONV_BWD_WEIGHT, K_CONV_FWD, K_FAIL, K_GEMM_PACK, K_GEMM_TILES, K_POOL_BWD, K_POOL_FWD, K_REDUCE, K_UNARY, K_WHERE, KIND, NEXT, NTASKS } from "./control";
import { refreshViews, type ThreadCtx } from "./runtime";
import { gemmPackTask, gemmTileTask } from "./matmul";
import { convBwdInputTask, convBwdWeightTask, convFwdTask } from "./conv";
import { binaryTask, unaryTask, whereTask } from "./elementwise";
import { poolBwdTask, poolFwdTask } from "./pooling";
import { reduceTask } from "./reduce";

type Task = (ctx: ThreadCtx, t: number) => void;

/**
 * Test hook: tasks throw on thread ARGS[0] (-1: every thread); tasks on other threads spin for
 * ARGS[1] microseconds so that the failing thread gets some tasks.
 */
function failTask(ctx: ThreadCtx, t: number): void {
  const who = ctx.ctl[ARGS], spinUs = ctx.ctl[ARGS + 1];
  if (who < 0 || who === ctx.id) throw new Error(`deliberate failure in task ${t} on thread ${ctx.id}`);
  const until = performance.now() + spinUs / 1000;
  while (performance.now() < until);
}

const TASKS: Task[] = [];
TASKS[K_FAIL] = failTask;
TASKS[K_GEMM_PACK] = gemmPackTask;
TASKS[K_GEMM_TILES] = gemmTileTask;
TASKS[K_CONV_FWD] = convFwdTask;
TASKS[K_CONV_BWD_INPUT] = convBwdInputTask;
TASKS[K_CONV_BWD_WEIGHT] = convBwdWeightTask;
TASKS[K_UNARY] = unaryTask;
TASKS[K_BINARY] = binaryTask;
TASKS[K_WHERE] = whereTask;
TASKS[K_POOL_FWD] = poolFwdTask;
TASKS[K_POOL_BWD] = poolBwdTask;
TASKS[K_REDUCE] = reduceTask;

/** Claim and run tasks of the current job until none are left. */
export function runTasks(ctx: ThreadCtx): void {
  refreshViews(ctx);
  const ctl = ctx.ctl;
  const task = TASKS[ctl[KIND]];
  if (!task) throw new Error(`cpu backend: unknown job kind ${ctl[KIND]}`);
  const n = ctl[NTASKS];
  for (let t = Atomics.add(ctl, NEXT, 1); t < n; t = Atomics.add(ctl, NEXT, 1)) task(ctx, t);
}
