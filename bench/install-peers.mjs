// `npm run bench` runs this first: installs the benchmark's peers (bench/package.json) into
// bench/node_modules when they are missing. Failing to install them (offline) is not an error:
// the bench then skips those peers and says so.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const bench = dirname(fileURLToPath(import.meta.url));
const wanted = ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu", "convnetjs"];
const missing = wanted.filter((n) => !existsSync(join(bench, "node_modules", n, "package.json")));
if (missing.length > 0) {
  console.log(`bench: installing the peers ${missing.join(", ")} into bench/node_modules (once)`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const lock = existsSync(join(bench, "package-lock.json"));
  const r = spawnSync(npm, [lock ? "ci" : "install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: bench, stdio: "inherit" });
  if (r.status !== 0) console.warn("bench: could not install the peers; TF.js / ConvNetJS will be skipped");
}
