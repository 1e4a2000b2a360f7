/** Which V8 flags the wasm loader sets per Node line (lib/backend/cpu/wasm-loader.ts). */
import { afterEach, describe, expect, it } from "vitest";
import { cpuBackendInfo } from "../../../lib/backend/cpu";
import { relaxedNeedsFlag, REVECTORIZE_FLAG, revectorizeWanted, TURBOSHAFT_FLAG, turboshaftNeedsFlag } from "../../../lib/backend/cpu/wasm-loader";
import * as gw from "../../../lib/index";

const NODE20 = "11.3.244.8-node.38";
const NODE22 = "12.4.254.21-node.57";
const NODE24 = "13.6.233.17-node.63";
const NODE26 = "14.6.202.34-node.40";

describe("wasm loader flags by V8 version", () => {
  afterEach(() => {
    delete process.env.GRADWORK_TURBOSHAFT_WASM;
    delete process.env.GRADWORK_WASM_REVECTORIZE;
  });
  it("sets the relaxed-SIMD flag only before V8 11.4 (Node 20)", () => {
    expect([NODE20, NODE22, NODE24, NODE26].map((v) => relaxedNeedsFlag(v))).toEqual([true, false, false, false]);
  });
  it("turns on Turboshaft for wasm only on V8 12 (Node 22): V8 11 crashes with it, V8 13+ has it on", () => {
    expect([NODE20, NODE22, NODE24, NODE26].map((v) => turboshaftNeedsFlag(v))).toEqual([false, true, false, false]);
  });
  it("GRADWORK_TURBOSHAFT_WASM=0 leaves it off", () => {
    process.env.GRADWORK_TURBOSHAFT_WASM = "0";
    expect(turboshaftNeedsFlag(NODE22)).toBe(false);
  });
  it("revectorizes to 256 bits by default only on the V8 lines the suite checks it on (Node 24 and 26)", () => {
    expect([NODE20, NODE22, NODE24, NODE26, "15.0.1"].map((v) => revectorizeWanted(v))).toEqual([false, false, true, true, false]);
  });
  it("GRADWORK_WASM_REVECTORIZE=1 turns it on where V8 has the flag (12+), =0 turns it off", () => {
    process.env.GRADWORK_WASM_REVECTORIZE = "1";
    expect([NODE20, NODE22, "15.0.1"].map((v) => revectorizeWanted(v))).toEqual([false, true, true]);
    process.env.GRADWORK_WASM_REVECTORIZE = "0";
    expect(revectorizeWanted(NODE26)).toBe(false);
  });
  it("cpuBackendInfo() names the flags this Node's kernels were compiled with", () => {
    gw.setBackend("cpu");
    gw.tensor([1, 2]).add(1).toArray(); // starts the pool
    const info = cpuBackendInfo();
    expect(info.simd).toBe(true);
    const expected = [...(turboshaftNeedsFlag() ? [TURBOSHAFT_FLAG] : []), ...(revectorizeWanted() ? [REVECTORIZE_FLAG] : [])];
    expect(info.v8Flags).toEqual(expected);
  });
});
