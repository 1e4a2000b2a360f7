import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as gw from "gradwork";
import { chapterConvNet, vggNet } from "../../lib/train/models";

/** State-dict names and shapes PyTorch gives the same architectures (written by test/io/make_fixture.py). */
const torchModels: Record<string, [string, number[]][]> = JSON.parse(readFileSync(join(__dirname, "..", "io", "fixtures", "torch.json"), "utf8")).models;

const namesAndShapes = (m: gw.nn.Module) => Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape]);
const buffersOk = (ours: [string, number[]][], theirs: [string, number[]][]) => expect(ours).toEqual(theirs);

describe("course models", () => {
  it("chapterConvNet has PyTorch's state-dict names and shapes and maps [B,3,32,32] → [B,10]", () => {
    const model = chapterConvNet();
    buffersOk(namesAndShapes(model) as [string, number[]][], torchModels.chapterConvNet);
    const params = model.parameters().reduce((n, p) => n + p.numel, 0);
    expect(params).toBe(3 * 3 * 25 + 3 + 16 * 3 * 25 + 16 + 400 * 120 + 120 + 120 * 10 + 10);
    expect(model.forward(gw.randn([2, 3, 32, 32])).shape).toEqual([2, 10]);
  });

  it("vggNet with and without batch norm matches PyTorch's names and shapes", () => {
    buffersOk(namesAndShapes(vggNet()) as [string, number[]][], torchModels.vggNet);
    const bn = vggNet({ batchNorm: true });
    buffersOk(namesAndShapes(bn) as [string, number[]][], torchModels.vggNetBatchNorm);
    expect(bn.forward(gw.randn([2, 3, 32, 32])).shape).toEqual([2, 10]);
  });
});
