import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { loadMetadata, load } from "../../lib/io/safetensors";
import { chapterConvNet } from "../../lib/train/models";
import { main, parseArgs, usage } from "../../lib/tools/train";
import { removeTempDirs, tempDir, writeBatches } from "../data/cifar-fixture";

afterAll(removeTempDirs);

describe("train CLI", () => {
  it("parses flags in both spellings, with defaults", () => {
    const a = parseArgs(["--model", "vgg-bn", "--epochs=3", "--batch-size", "32", "--lr", "0.1", "--augment", "--limit", "100", "--schedule", "onecycle"]);
    expect(a).toMatchObject({ model: "vgg-bn", epochs: 3, batchSize: 32, lr: 0.1, augment: true, limit: 100, schedule: "onecycle", momentum: 0.9, seed: 0 });
    expect(a.out).toBe(join("checkpoints", "vgg-bn.safetensors"));
    expect(parseArgs([])).toMatchObject({ model: "convnet", epochs: 2, batchSize: 64, lr: 0.01, augment: false, schedule: "none" });
  });

  it("rejects bad flags with a message naming the flag", () => {
    expect(() => parseArgs(["--model", "resnet"])).toThrow(/--model must be one of convnet, vgg, vgg-bn, got "resnet"/);
    expect(() => parseArgs(["--epochs", "1.5"])).toThrow(/--epochs must be an integer >= 1, got "1.5"/);
    expect(() => parseArgs(["--lr"])).toThrow(/--lr needs a value/);
    expect(() => parseArgs(["--lr", "--epochs", "2"])).toThrow(/--lr needs a value/);
    expect(() => parseArgs(["--speed", "9"])).toThrow(/unknown flag --speed/);
    expect(() => parseArgs(["convnet"])).toThrow(/unexpected argument "convnet"/);
    expect(() => parseArgs(["--augment=yes"])).toThrow(/--augment takes no value/);
  });

  it("documents every flag in --help", () => {
    const text = usage();
    for (const flag of ["model", "epochs", "batch-size", "lr", "momentum", "schedule", "data", "md5", "limit", "augment", "threads", "backend", "seed", "out", "help"]) {
      expect(text).toContain(`--${flag}`);
    }
  });

  it("prints an error and the usage for a bad flag, returning exit code 2", async () => {
    const lines: string[] = [];
    const err = vi.spyOn(console, "error").mockImplementation((s) => void lines.push(String(s)));
    try {
      expect(await main(["--batch-size", "0"])).toBe(2);
      expect(lines[0]).toMatch(/--batch-size must be an integer >= 1[\s\S]*Usage: npm run train/);
    } finally {
      err.mockRestore();
    }
  });

  it("trains on a small dataset folder and writes a loadable checkpoint", async () => {
    const root = tempDir();
    writeBatches(root, 4, 6);
    const out = join(tempDir(), "sub", "model.safetensors");
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((s) => void lines.push(String(s)));
    try {
      expect(await main(["--data", root, "--epochs", "1", "--batch-size", "5", "--augment", "--out", out, "--seed", "3"])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const printed = lines.join("\n");
    expect(printed).toMatch(/loaded 20 training and 6 test images/);
    expect(printed).toMatch(/test accuracy \d+\.\d+% /);
    expect(existsSync(out)).toBe(true);
    expect(loadMetadata(out)).toMatchObject({ model: "convnet", epochs: "1", seed: "3" });
    load(chapterConvNet(), out);
  });
});
