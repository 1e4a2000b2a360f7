// The tslab bridge moved to lib/notebook/bridge.ts; these names stay importable from here.
export { InterruptedError, checkInterrupted, embeddedPlotlyBuilds, ensurePlotly, inKernel, plotlyForValue, kernelDisplay, newKernelDisplay, yieldToKernel, type KernelDisplay } from "../notebook/bridge";
