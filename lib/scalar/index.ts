/** The scalar autodiff engine (`Value`) and its computation-graph drawings. */
export { Value, topoSort, valueTable } from "./value";
export type { ValueLike, ValueRow } from "./value";
export { drawGraph, drawGraphAsync, toDot } from "./draw";
export type { DrawOptions, RankDir } from "./draw";
