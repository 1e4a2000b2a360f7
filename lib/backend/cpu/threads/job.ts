// Parallel jobs, each declared once with named fields that the calling thread writes and every
// thread reads. A job is a number of independent tasks; each thread claims task indices until none
// are left and runs `run(fields, task, ctx)` for each.
//
//   const scale = defineJob({
//     name: "scale",
//     fields: { x: "int", out: "int", n: "int", factor: "int" },
//     run(f, t, ctx) { ... elements [t*1024, (t+1)*1024) of f.x ... },
//   });
//   pool.run(scale, { x: xPtr, out: outPtr, n, factor: 3 }, { tasks: Math.ceil(n / 1024) });
//
// The fields are laid out one after another from slot ARGS of the control block (an Int32 slot per
// "int" or "bool", `ints` slots per array); a job is known to every thread by the hash of its name
// and field layout, so a worker running an older build of a job (other fields) cannot misread them.
import { ARGS, KIND, MAX_ARGS, NEXT, NTASKS } from "./control";
import { jobSerial, refreshViews, type ThreadCtx } from "./context";

/** A field: one integer (byte addresses included), a boolean, or up to `ints` integers. */
export type FieldKind = "int" | "bool" | { ints: number };
export type FieldSpecs = Record<string, FieldKind>;

/** The fields as a task reads them. */
export type JobFields<S extends FieldSpecs> = {
  readonly [K in keyof S]: S[K] extends "bool" ? boolean : S[K] extends { ints: number } ? Int32Array : number;
};

/** The fields as the calling thread writes them (an array may be shorter than its room). */
export type JobValues<S extends FieldSpecs> = {
  [K in keyof S]: S[K] extends "bool" ? boolean : S[K] extends { ints: number } ? ArrayLike<number> : number;
};

export interface JobSpec<S extends FieldSpecs> {
  /** Unique name (also the job's id, hashed, and its name in error messages). */
  name: string;
  fields: S;
  /** Run task `task` of the job (on any thread). */
  run(fields: JobFields<S>, task: number, ctx: ThreadCtx): void;
}

/** A declared job: what ThreadPool.run starts. */
export interface Job<S extends FieldSpecs = FieldSpecs> {
  readonly name: string;
  readonly id: number;
  /** Write `values` into the control block `ctl` (calling thread). */
  write(ctl: Int32Array, values: JobValues<S>): void;
  /** Run task `task` of the job whose fields are in ctx's control block. */
  runTask(ctx: ThreadCtx, task: number): void;
}

const JOBS = new Map<number, Job>();

/** FNV-1a hash of the name and field layout: the job's id, the same on every thread whatever the import order. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * Declare a parallel job: its name, its fields, and what one task does.
 *
 * @example
 * const fill = defineJob({
 *   name: "fill",
 *   fields: { out: "int", n: "int", value: "int" },
 *   run(f, t, ctx) { ctx.f32.fill(f.value, (f.out >> 2) + t * 1024, (f.out >> 2) + Math.min(f.n, (t + 1) * 1024)); },
 * });
 * pool.run(fill, { out: ptr, n: 5000, value: 7 }, { tasks: 5 });
 */
export function defineJob<const S extends FieldSpecs>(spec: JobSpec<S>): Job<S> {
  const names = Object.keys(spec.fields);
  const slots: number[] = [];
  let used = 0;
  for (const name of names) {
    slots.push(used);
    const kind = spec.fields[name];
    used += typeof kind === "object" ? kind.ints : 1;
  }
  if (used > MAX_ARGS) throw new Error(`cpu backend: job "${spec.name}" needs ${used} slots, the control block has ${MAX_ARGS}`);
  const id = hashName(`${spec.name}|${names.map((n) => `${n}:${JSON.stringify(spec.fields[n])}`).join(",")}`);
  const other = JOBS.get(id) ?? [...JOBS.values()].find((j) => j.name === spec.name);
  if (other) throw new Error(`cpu backend: job "${spec.name}" is declared twice (or its id collides with "${other.name}")`);

  const kinds = names.map((name) => spec.fields[name]);

  // Each thread decodes the fields once per job (keyed by the job's serial number) into one plain
  // object per control block, reused from job to job so that it keeps one shape: tasks read its
  // fields in their inner loops (e.g. the pooling geometry) as fast as those of any object.
  const decoded = new WeakMap<Int32Array, { serial: number; fields: Record<string, number | boolean | Int32Array> }>();
  function read(ctx: ThreadCtx): JobFields<S> {
    const a = ctx.ctl, serial = jobSerial(ctx);
    let entry = decoded.get(a);
    if (!entry) {
      const fields: Record<string, number | boolean | Int32Array> = {};
      for (let i = 0; i < names.length; i++) {
        const kind = kinds[i];
        fields[names[i]] = kind === "bool" ? false : kind === "int" ? 0 : new Int32Array(kind.ints);
      }
      entry = { serial: NaN, fields };
      decoded.set(a, entry);
    }
    if (entry.serial !== serial) {
      const fields = entry.fields;
      for (let i = 0; i < names.length; i++) {
        const kind = kinds[i], at = ARGS + slots[i];
        if (kind === "int") fields[names[i]] = a[at];
        else if (kind === "bool") fields[names[i]] = a[at] !== 0;
        else {
          const arr = fields[names[i]] as Int32Array;
          for (let j = 0; j < arr.length; j++) arr[j] = a[at + j];
        }
      }
      entry.serial = serial;
    }
    return entry.fields as JobFields<S>;
  }

  const job: Job<S> = {
    name: spec.name,
    id,
    write(ctl, values) {
      for (let i = 0; i < names.length; i++) {
        const name = names[i], kind = kinds[i], at = ARGS + slots[i];
        const v = values[name] as number | boolean | ArrayLike<number> | undefined;
        if (typeof kind === "object") {
          const arr = v as ArrayLike<number>;
          if (arr.length > kind.ints) throw new RangeError(`cpu backend: job "${spec.name}": field ${name} has ${arr.length} values, room for ${kind.ints}`);
          for (let j = 0; j < arr.length; j++) ctl[at + j] = arr[j];
        } else if (typeof v === (kind === "bool" ? "boolean" : "number")) {
          ctl[at] = +(v as number | boolean);
        } else {
          throw new TypeError(`cpu backend: job "${spec.name}": field ${name} must be a ${kind === "bool" ? "boolean" : "number"}, got ${String(v)}`);
        }
      }
    },
    runTask: (ctx, task) => spec.run(read(ctx), task, ctx),
  };
  JOBS.set(id, job as unknown as Job);
  return job;
}

/** Claim and run tasks of the current job (in the control block) until none are left. */
export function runTasks(ctx: ThreadCtx): void {
  refreshViews(ctx);
  const ctl = ctx.ctl;
  const job = JOBS.get(ctl[KIND]);
  if (!job) throw new Error(`cpu backend: unknown job id ${ctl[KIND]} (its module was not loaded on this thread, or the thread runs an older build: run \`npm run build\`)`);
  const n = ctl[NTASKS];
  for (let t = Atomics.add(ctl, NEXT, 1); t < n; t = Atomics.add(ctl, NEXT, 1)) job.runTask(ctx, t);
}

/**
 * Test hook: tasks throw on thread `thread` (-1: every thread); tasks on other threads spin for
 * `spinUs` microseconds so that the failing thread gets some tasks.
 */
export const failJob = defineJob({
  name: "fail (test hook)",
  fields: { thread: "int", spinUs: "int" },
  run(f, t, ctx) {
    if (f.thread < 0 || f.thread === ctx.id) throw new Error(`deliberate failure in task ${t} on thread ${ctx.id}`);
    const until = performance.now() + f.spinUs / 1000;
    while (performance.now() < until);
  },
});
