import { defineConfig } from "vitest/config";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

export default defineConfig({
  root,
  resolve: {
    // Tests, exercises and solutions all import the library as "gradwork": map it to the source
    // so that one copy of the library is loaded (and instanceof checks hold).
    alias: { gradwork: resolve(root, "lib/index.ts") },
  },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/tasks/**", "test/artifacts/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
