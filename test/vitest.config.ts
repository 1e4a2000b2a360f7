export { default } from "./vitest.config.mts";
