// Working memory of one kernel call: its inputs, outputs and scratch inside the shared memory.
import type { WasmMemory } from "../wasm-loader";
import type { Heap } from "./heap";

/**
 * Working memory of one kernel call: inputs that are not already in the shared memory are copied
 * into blocks of the heap, outputs that are not get a staging block copied back by `finish`, and
 * scratch space comes from the heap too. Every block is given back at the start of the next call.
 */
export class Arena {
  private blocks: number[] = [];
  /** Staged outputs: [heap address, destination array, count]. */
  private staged: [number, Float32Array | Int32Array, number][] = [];
  /** Byte ranges [start, end) of the inputs read in place during this call. */
  private inputs: number[] = [];
  constructor(
    private readonly memory: WasmMemory,
    readonly heap: Heap,
  ) {}

  /** Free the previous call's blocks. Callers make sure no worker still uses them (Pool.begin). */
  reset(): void {
    for (const b of this.blocks) this.heap.free(b);
    this.blocks.length = 0;
    this.staged.length = 0;
    this.inputs.length = 0;
  }

  /** Reserve `bytes` of scratch and return the byte address (64-byte aligned). */
  alloc(bytes: number): number {
    const addr = this.heap.block(bytes, false)!.addr;
    this.blocks.push(addr);
    return addr;
  }

  /** Reserve floats and return the byte address. */
  floats(count: number): number {
    return this.alloc(count * 4);
  }

  /** Byte address of elements [start, start+count) of `arr`: in place when it lives in the shared memory, else a copy. */
  input(arr: Float32Array | Int32Array, start: number, count: number): number {
    const at = this.heap.addressOf(arr);
    if (at >= 0) {
      const addr = at + 4 * start;
      this.inputs.push(addr, addr + 4 * count);
      return addr;
    }
    const addr = this.alloc(count * 4);
    if (arr instanceof Int32Array) new Int32Array(this.memory.buffer, addr, count).set(arr.subarray(start, start + count));
    else new Float32Array(this.memory.buffer, addr, count).set(arr.subarray(start, start + count));
    return addr;
  }

  /**
   * Byte address where a kernel writes elements [0, count) of `arr`: in place when it lives in the
   * shared memory and overlaps no input of this call, else a staging block that `finish` copies back.
   */
  output(arr: Float32Array | Int32Array, count: number): number {
    const at = this.heap.addressOf(arr);
    if (at >= 0 && !this.overlapsInput(at, at + 4 * count)) return at;
    const addr = this.alloc(count * 4);
    this.staged.push([addr, arr, count]);
    return addr;
  }

  /** Copy staged outputs back to their arrays. */
  finish(): void {
    for (const [addr, arr, count] of this.staged) {
      if (arr instanceof Int32Array) arr.set(new Int32Array(this.memory.buffer, addr, count));
      else arr.set(new Float32Array(this.memory.buffer, addr, count));
    }
    this.staged.length = 0;
  }

  private overlapsInput(lo: number, hi: number): boolean {
    for (let i = 0; i < this.inputs.length; i += 2) if (lo < this.inputs[i + 1] && this.inputs[i] < hi) return true;
    return false;
  }
}
