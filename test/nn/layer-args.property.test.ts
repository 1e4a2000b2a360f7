// Property-based tests (fast-check, seeded) of layer constructors: random valid arguments build a
// layer whose parameters and output have the right shapes; the same arguments with one of them
// replaced by a bad value throw an error naming the layer, the argument and the value.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as gw from "gradwork";
import { show } from "../../lib/nn/check";

const SEED = Number(process.env.GW_PROPERTY_SEED ?? 18);
const RUNS = Number(process.env.GW_PROPERTY_RUNS ?? 100);
const nn = gw.nn;

/** Values that are never a valid size, count or kernel. */
const badCount = fc.constantFrom<unknown>(0, -1, -3, 2.5, NaN, Infinity, -Infinity, "3", null, true, [3]);
const badPair = fc.constantFrom<unknown>(0, -2, 1.5, NaN, [3, -1], [0, 2], [2, 2.5], [1, 2, 3], "2", false);
const badProbability = fc.constantFrom<unknown>(-0.1, 1.5, NaN, Infinity, "0.5", null);
const badEps = fc.constantFrom<unknown>(0, -1e-5, NaN, Infinity, "1e-5", null);
const badBool = fc.constantFrom<unknown>(0, 1, "yes", null);

/** `f` throws an error whose message starts with "<layer>: <arg>" and shows `value`. */
function expectArgError(f: () => unknown, layer: string, arg: string, value: unknown): void {
  let message = "";
  try {
    f();
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message.startsWith(`${layer}: ${arg} must be`), `expected "${layer}: ${arg} must be …", got "${message}"`).toBe(true);
  expect(message.endsWith(`got ${show(value)}`), message).toBe(true);
}

const convOut = (n: number, k: number, s: number, p: number, d: number) => Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;

describe("layer constructors (property-based, seeded)", () => {
  it("Conv2d: valid arguments give the right weight and output shapes; one bad argument is a clear error", () => {
    const args = fc.record({
      groups: fc.integer({ min: 1, max: 3 }),
      inPer: fc.integer({ min: 1, max: 2 }),
      outPer: fc.integer({ min: 1, max: 2 }),
      k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      stride: fc.integer({ min: 1, max: 3 }),
      padding: fc.integer({ min: 0, max: 2 }),
      dilation: fc.integer({ min: 1, max: 2 }),
      bias: fc.boolean(),
    });
    const which = fc.constantFrom("inChannels", "outChannels", "kernelSize", "stride", "padding", "dilation", "groups", "bias");
    fc.assert(
      fc.property(args, fc.option(fc.tuple(which, badPair, badCount, badBool), { nil: undefined }), (a, bad) => {
        const inC = a.groups * a.inPer, outC = a.groups * a.outPer;
        const opts: Record<string, unknown> = { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups, bias: a.bias };
        let pos: unknown[] = [inC, outC, a.k];
        if (bad) {
          const [arg, pairValue, countValue, boolValue] = bad;
          const value = arg === "bias" ? boolValue : arg === "inChannels" || arg === "outChannels" || arg === "groups" ? countValue : pairValue;
          if (arg === "padding" && (value === 0 || (Array.isArray(value) && value.every((v) => Number.isInteger(v) && v >= 0) && value.length === 2))) return; // valid padding
          if (arg === "inChannels") pos = [value, outC, a.k];
          else if (arg === "outChannels") pos = [inC, value, a.k];
          else if (arg === "kernelSize") pos = [inC, outC, value];
          else opts[arg] = value;
          const rule = arg === "padding" ? "padding" : arg;
          expectArgError(() => new nn.Conv2d(...(pos as [number, number, number]), opts), "Conv2d", rule, value);
          return;
        }
        const conv = new nn.Conv2d(inC, outC, a.k, opts);
        expect(conv.weight.shape).toEqual([outC, a.inPer, a.k[0], a.k[1]]);
        expect(conv.bias === null).toBe(!a.bias);
        const h = 7, w = 6;
        const oh = convOut(h, a.k[0], a.stride, a.padding, a.dilation), ow = convOut(w, a.k[1], a.stride, a.padding, a.dilation);
        if (oh < 1 || ow < 1) {
          expect(() => conv.forward(gw.randn([1, inC, h, w]))).toThrow(/^conv2d: /);
          return;
        }
        expect(conv.forward(gw.randn([1, inC, h, w])).shape).toEqual([1, outC, oh, ow]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("Linear, MaxPool2d, BatchNorm2d and Dropout: valid arguments work, one bad argument is a clear error", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), badCount, (inF, outF, bad) => {
        const fc1 = new nn.Linear(inF, outF);
        expect(fc1.weight.shape).toEqual([outF, inF]);
        expect(fc1.forward(gw.randn([2, inF])).shape).toEqual([2, outF]);
        expectArgError(() => new nn.Linear(bad as number, outF), "Linear", "inFeatures", bad);
        expectArgError(() => new nn.Linear(inF, bad as number), "Linear", "outFeatures", bad);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.nat(2), badPair, (k, s, p, bad) => {
        const padding = Math.min(p, Math.floor(k / 2));
        const pool = new nn.MaxPool2d(k, { stride: s, padding });
        expect(pool.forward(gw.randn([1, 2, 8, 8])).shape).toEqual([1, 2, convOut(8, k, s, padding, 1), convOut(8, k, s, padding, 1)]);
        expectArgError(() => new nn.MaxPool2d(bad as number), "MaxPool2d", "kernelSize", bad);
        // (a null stride means "the kernel size", as PyTorch's None)
        expectArgError(() => new nn.MaxPool2d(k, { stride: bad as number }), "MaxPool2d", "stride", bad);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 1e-8, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        badCount,
        badEps,
        badProbability,
        (n, eps, momentum, badN, badE, badM) => {
          const bn = new nn.BatchNorm2d(n, { eps, momentum });
          expect([bn.weight!.shape, bn.eps, bn.momentum]).toEqual([[n], eps, momentum]);
          expect(bn.forward(gw.randn([2, n, 3, 3])).shape).toEqual([2, n, 3, 3]);
          expectArgError(() => new nn.BatchNorm2d(badN as number), "BatchNorm2d", "numFeatures", badN);
          expectArgError(() => new nn.BatchNorm2d(n, { eps: badE as number }), "BatchNorm2d", "eps", badE);
          expectArgError(() => new nn.BatchNorm2d(n, { momentum: badM as number }), "BatchNorm2d", "momentum", badM);
          const drop = new nn.Dropout(momentum);
          expect(drop.p).toBe(momentum);
          expectArgError(() => new nn.Dropout(badM as number), "Dropout", "p", badM);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
