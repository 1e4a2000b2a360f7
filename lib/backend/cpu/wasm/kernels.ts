// @ts-nocheck -- AssemblyScript entry point (compiled to WebAssembly by ./build.mjs).
// The kernels compute on raw byte addresses in one shared WebAssembly.Memory.
export * from "./gemm";
export * from "./conv";
export * from "./elementwise";
export * from "./channel";
export * from "./conv-direct";
export * from "./pooling";
export * from "./pack";
export * from "./winograd";
export * from "./optim";
