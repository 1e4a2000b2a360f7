// Build the cpu backend's WebAssembly kernels from the AssemblyScript sources in this folder.
// Run by `npm run build:wasm` (part of `npm run build`, hence of `npm install`). npm-only toolchain.
//
// Outputs (generated, not committed):
//   dist/backend/cpu/kernels-simd.wasm     WebAssembly SIMD + threads
//   dist/backend/cpu/kernels-relaxed.wasm  the same with relaxed SIMD (fused multiply-add)
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { mkdirSync } from "node:fs";
import asc from "assemblyscript/asc";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../../..");
const outDir = join(root, "dist/backend/cpu");
mkdirSync(outDir, { recursive: true });

const variants = [
  { file: "kernels-simd.wasm", features: "simd,threads" },
  { file: "kernels-relaxed.wasm", features: "simd,threads,relaxed-simd" },
];

for (const v of variants) {
  const args = [
    join(here, "kernels.ts"),
    "-o", join(outDir, v.file),
    "-O3", "--noAssert",
    "--runtime", "stub",
    // one shared memory imported by every thread's instance
    "--importMemory", "--sharedMemory", "--initialMemory", "1", "--maximumMemory", "32768",
    "--enable", v.features,
  ];
  const { error, stderr } = await asc.main(args);
  if (error) {
    console.error(stderr.toString());
    console.error(`build:wasm: compiling ${v.file} failed: ${error.message}`);
    process.exit(1);
  }
}
console.log(`build:wasm: wrote ${variants.map((v) => v.file).join(", ")} to ${outDir}`);
