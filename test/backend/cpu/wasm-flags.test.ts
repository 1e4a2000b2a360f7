/** Which V8 flags the wasm loader sets per Node line (lib/backend/cpu/wasm-loader.ts). */
import { afterEach, describe, expect, it } from "vitest";
import { relaxedNeedsFlag, turboshaftNeedsFlag } from "../../../lib/backend/cpu/wasm-loader";

const NODE20 = "11.3.244.8-node.38";
const NODE22 = "12.4.254.21-node.57";
const NODE24 = "13.6.233.17-node.63";
const NODE26 = "14.6.202.34-node.40";

describe("wasm loader flags by V8 version", () => {
  afterEach(() => {
    delete process.env.GRADWORK_TURBOSHAFT_WASM;
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
});
