import { afterEach, describe, expect, it, vi } from "vitest";
import { formatDuration, ProgressBar } from "../../lib/io/progress";

describe("ProgressBar", () => {
  afterEach(() => vi.restoreAllMocks());

  it("draws one rewritten terminal line, throttled, and ends it on finish", () => {
    const out: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    const now = vi.spyOn(Date, "now").mockReturnValue(1_000_000);
    const bar = new ProgressBar({ label: "epoch 1/2", total: 10, mode: "terminal", interval: 60_000 });
    now.mockReturnValue(1_002_000); // 2 s later: 1 step done, 9 to go at 0.5 steps/s
    bar.update(1, "loss 2.3000");
    bar.update(2, "loss 2.2000"); // within the interval: not drawn
    bar.finish(10, "loss 1.0000");
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^\repoch 1\/2 \[##\.{22}\]  10% 1\/10 ETA 0:18 loss 2\.3000\x1b\[K$/);
    expect(out[1]).toMatch(/^\repoch 1\/2 \[#{24}\] 100% 10\/10 0:02 loss 1\.0000\x1b\[K$/);
    expect(out[2]).toBe("\n");
  });

  it("shows bytes for downloads and stays silent in mode none or outside a notebook kernel", () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const now = vi.spyOn(Date, "now").mockReturnValue(5_000);
    const bar = new ProgressBar({ label: "CIFAR-10 download", unit: "bytes", total: 4 * 1024 * 1024, mode: "none" });
    now.mockReturnValue(7_000);
    expect(bar.line(2 * 1024 * 1024)).toBe("CIFAR-10 download [############............]  50% 2.0 MB/4.0 MB 1.0 MB/s ETA 0:02");
    bar.update(1);
    bar.finish();
    const nb = new ProgressBar({ label: "x", total: 2, mode: "notebook" }); // no tslab kernel here
    nb.update(1);
    nb.finish();
    expect(write).not.toHaveBeenCalled();
  });

  it("formats durations", () => {
    expect(formatDuration(5)).toBe("0:05");
    expect(formatDuration(125.4)).toBe("2:05");
    expect(formatDuration(3 * 3600 + 61)).toBe("3:01:01");
    expect(formatDuration(Infinity)).toBe("--:--");
  });
});
