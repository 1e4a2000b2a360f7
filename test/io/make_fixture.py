#!/usr/bin/python3
"""Write test/io/fixtures/torch.safetensors (and torch.json, the expected values) with PyTorch.

Debian has no python3-safetensors package, so this writes the safetensors layout the same way
the reference writer does: an 8-byte little-endian header length, a JSON header padded with
spaces to a multiple of 8, tensors sorted by (dtype size descending, name), data little-endian.
It also records the state-dict names and shapes PyTorch gives the course models, so the tests
can check gradwork's names match.

Run once (the outputs are committed; PyTorch is not needed at test time):
    apt-get install -y python3-torch && /usr/bin/python3 test/io/make_fixture.py

With an argument, it instead reads a .safetensors file written by gradwork the way the
reference reader does and prints each tensor (a manual interoperability check).
"""
import json
import os
import struct
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.int64: "I64"}
FROM_CODE = {v: k for k, v in DTYPES.items()}


def write(tensors, path, metadata=None):
    order = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in order:
        data = t.contiguous().numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    ends = []
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        ends.append((b, end))
        dt = FROM_CODE[e["dtype"]]
        t = torch.frombuffer(bytearray(data[b:end]), dtype=dt) if end > b else torch.zeros(0, dtype=dt)
        out[name] = t.reshape(e["shape"])
    # the reference reader insists the data part is covered exactly, without holes
    ends.sort()
    pos = 0
    for b, end in ends:
        assert b == pos, f"hole or overlap at byte {pos}"
        pos = end
    assert pos == len(data), "trailing bytes after the last tensor"
    return header.get("__metadata__"), out


def course_models():
    convnet = nn.Sequential(
        nn.Conv2d(3, 3, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(3, 16, 5), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 10))

    def vgg(bn):
        layers, c = [], 3
        for out in [32, 32, "M", 64, 64, "M"]:
            if out == "M":
                layers.append(nn.MaxPool2d(2))
                continue
            layers.append(nn.Conv2d(c, out, 3, padding=1))
            if bn:
                layers.append(nn.BatchNorm2d(out))
            layers.append(nn.ReLU())
            c = out
        layers += [nn.Flatten(), nn.Linear(64 * 8 * 8, 256), nn.ReLU(), nn.Linear(256, 10)]
        return nn.Sequential(*layers)

    def names(m):
        return [[k, list(v.shape)] for k, v in m.state_dict().items()]

    return {"chapterConvNet": names(convnet), "vggNet": names(vgg(False)), "vggNetBatchNorm": names(vgg(True))}


def main():
    if len(sys.argv) > 1:
        meta, tensors = read(sys.argv[1])
        print("metadata:", meta)
        for k, v in tensors.items():
            print(k, v.dtype, list(v.shape), v.flatten()[:6].tolist())
        return
    torch.manual_seed(0)
    tensors = {
        "conv.weight": torch.randn(2, 3, 2, 2),
        "conv.bias": torch.tensor([0.5, -1.25]),
        "fc.weight": torch.arange(12, dtype=torch.float32).reshape(3, 4) / 7,
        "scale": torch.tensor(3.5),
        "bn.num_batches_tracked": torch.tensor(42, dtype=torch.int64),
        "double": torch.tensor([1.0 / 3, -2.5], dtype=torch.float64),
        "half": torch.tensor([0.5, -2.0, 65504.0, 6.1035e-05], dtype=torch.float16),
    }
    os.makedirs(os.path.join(HERE, "fixtures"), exist_ok=True)
    path = os.path.join(HERE, "fixtures", "torch.safetensors")
    write(tensors, path, {"format": "pt", "source": "test/io/make_fixture.py"})
    _, back = read(path)
    assert all(torch.equal(back[k], v) for k, v in tensors.items())
    expected = {
        "torch": torch.__version__,
        "tensors": {k: {"shape": list(v.shape), "values": v.double().flatten().tolist()} for k, v in tensors.items()},
        "metadata": {"format": "pt", "source": "test/io/make_fixture.py"},
        "models": course_models(),
    }
    with open(os.path.join(HERE, "fixtures", "torch.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print("wrote", path)


if __name__ == "__main__":
    main()
