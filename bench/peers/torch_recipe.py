"""PyTorch side of the CIFAR-10 recipe students run (issue 20):

    npm run train -- --model vgg-bn --epochs 3 --batch-size 64 --lr 0.05 --schedule onecycle

The same network (gw.train.vggNet({ batchNorm: true })), data (the binary CIFAR-10 archive, the
same normalisation, no augmentation), optimiser (SGD, momentum 0.9), schedule (lib/train/schedules.ts's
oneCycleLR, stepped before every batch, as gw.train.fit does) and batch size. Prints one line per epoch
(test accuracy, seconds, images/s), then the wall time until the test accuracy first reached 75 % and
80 % (checked after each epoch). Debian's python3-torch only; nothing else is needed.

    /usr/bin/python3 bench/peers/torch_recipe.py [--archive PATH] [--epochs 3] [--batch-size 64] [--lr 0.05]
                                        [--threads N] [--json PATH]

The archive defaults to ../shared/cifar10/cifar-10-binary.tar.gz beside the checkout, else the
user cache gradwork downloads to (~/.cache/gradwork/cifar10).
"""
import argparse
import json
import math
import os
import sys
import tarfile
import time

from torch_models import vgg_net

MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.247, 0.2435, 0.2616)
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def default_archive():
    for p in (
        os.path.join(ROOT, "..", "shared", "cifar10", "cifar-10-binary.tar.gz"),
        os.path.join(os.path.expanduser("~"), ".cache", "gradwork", "cifar10", "cifar-10-binary.tar.gz"),
    ):
        if os.path.exists(p):
            return os.path.normpath(p)
    return None


def load(torch, archive):
    """(train_x, train_y, test_x, test_y) as float tensors in 0–1 (N, 3, 32, 32) and int64 labels."""
    parts = {}
    with tarfile.open(archive, "r:gz") as tar:
        for m in tar.getmembers():
            name = os.path.basename(m.name)
            if name.endswith(".bin"):
                parts[name] = tar.extractfile(m).read()
    missing = [n for n in ["data_batch_%d.bin" % i for i in range(1, 6)] + ["test_batch.bin"] if n not in parts]
    if missing:
        sys.exit("%s: not the CIFAR-10 binary archive (missing %s)" % (archive, ", ".join(missing)))

    def decode(blobs):
        raw = torch.frombuffer(bytearray(b"".join(blobs)), dtype=torch.uint8).view(-1, 3073)
        return raw[:, 1:].reshape(-1, 3, 32, 32).float().div_(255), raw[:, 0].long()

    tx, ty = decode([parts["data_batch_%d.bin" % i] for i in range(1, 6)])
    vx, vy = decode([parts["test_batch.bin"]])
    return tx, ty, vx, vy


def one_cycle(max_lr, total, pct=0.3, div=25.0, final_div=1e4):
    """lib/train/schedules.ts oneCycleLR, step by step (cosine up for 30 %, cosine down to start/1e4)."""
    start = max_lr / div
    end = start / final_div
    up = max(1, round(pct * total) - 1)

    def cos(a, b, t):
        return b + (a - b) * (1 + math.cos(math.pi * t)) / 2

    def lr(step):
        if step <= up:
            return cos(start, max_lr, step / up)
        return cos(max_lr, end, min(1.0, (step - up) / max(1, total - 1 - up)))
    return lr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--archive", default=default_archive())
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N training and test images (a quick check; as npm run train --limit)")
    a = ap.parse_args()
    if not a.archive or not os.path.exists(a.archive):
        sys.exit("no CIFAR-10 archive: pass --archive PATH (cifar-10-binary.tar.gz)")
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed (apt-get install python3-torch): skipped")
        return
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    tx, ty, vx, vy = load(torch, a.archive)
    if a.limit > 0:
        tx, ty, vx, vy = tx[:a.limit], ty[:a.limit], vx[:a.limit], vy[:a.limit]
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    tx = (tx - mean) / std
    vx = (vx - mean) / std
    net = vgg_net(torch.nn, batch_norm=True)
    opt = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=a.momentum)
    steps = math.ceil(len(ty) / a.batch_size)
    schedule = one_cycle(a.lr, a.epochs * steps)
    print("torch %s, %d threads, vgg-bn, %d epochs x %d steps of %d, lr %g (onecycle), momentum %g; %s"
          % (torch.__version__, torch.get_num_threads(), a.epochs, steps, a.batch_size, a.lr, a.momentum, a.archive), flush=True)
    step, elapsed, rows, reached = 0, 0.0, [], {}
    for epoch in range(1, a.epochs + 1):
        net.train()
        t0 = time.perf_counter()
        order = torch.randperm(len(ty))
        for s in range(0, len(ty), a.batch_size):
            idx = order[s:s + a.batch_size]
            for g in opt.param_groups:
                g["lr"] = schedule(step)
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(tx[idx]), ty[idx]).backward()
            opt.step()
            step += 1
        seconds = time.perf_counter() - t0
        net.eval()
        with torch.no_grad():
            correct = sum(int((net(vx[s:s + 256]).argmax(1) == vy[s:s + 256]).sum()) for s in range(0, len(vy), 256))
        elapsed += time.perf_counter() - t0
        acc = correct / len(vy)
        rows.append(dict(epoch=epoch, testAccuracy=acc, trainSeconds=seconds, imagesPerSecond=len(ty) / seconds, elapsedSeconds=elapsed))
        print("epoch %d: test acc %.2f %% | %.0f img/s, %.1f s (%.1f min so far)" % (epoch, 100 * acc, len(ty) / seconds, seconds, elapsed / 60), flush=True)
        for mark in (0.75, 0.80):
            if acc >= mark and mark not in reached:
                reached[mark] = elapsed
    for mark in (0.75, 0.80):
        when = reached.get(mark)
        print("time to >= %d %%: %s" % (round(mark * 100), "%.1f min" % (when / 60) if when is not None else "not reached in %d epochs" % a.epochs))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(torch=torch.__version__, threads=torch.get_num_threads(), epochs=rows,
                           timeTo75=reached.get(0.75), timeTo80=reached.get(0.80)), f, indent=2)


if __name__ == "__main__":
    main()
