// The tslab bridge moved to lib/notebook/bridge.ts; these names stay importable from here.
export { InterruptedError, checkInterrupted, ensurePlotly, inKernel, kernelDisplay, newKernelDisplay, yieldToKernel, type KernelDisplay } from "../notebook/bridge";
