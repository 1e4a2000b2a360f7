// Notebook helpers: assertions for check cells.
export * as check from "./check";
