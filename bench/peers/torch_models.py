"""The bench's nets in PyTorch, mirrors of lib/train/models.ts (chapterConvNet, vggNet).

Shared by torch_bench.py (the training workloads) and torch_recipe.py (the vgg-bn CIFAR-10 recipe).
"""


def conv_net(nn):
    return nn.Sequential(
        nn.Conv2d(3, 3, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(3, 16, 5), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 10),
    )


def vgg_net(nn, batch_norm=False):
    """gw.train.vggNet({ batchNorm }) : BatchNorm2d after each conv when batch_norm."""
    layers, channels = [], 3
    for spec in (32, 32, "pool", 64, 64, "pool"):
        if spec == "pool":
            layers.append(nn.MaxPool2d(2))
            continue
        layers.append(nn.Conv2d(channels, spec, 3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(spec))
        layers.append(nn.ReLU())
        channels = spec
    layers += [nn.Flatten(), nn.Linear(4096, 256), nn.ReLU(), nn.Linear(256, 10)]
    return nn.Sequential(*layers)
