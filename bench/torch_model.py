"""The network of a rectifiers NetSpec (the layer list lib/models/network.ts builds) in PyTorch, layer for layer
and parameter for parameter in the same order, for the bench's PyTorch peers and the twin. Modules are named after
our layers (conv1, conv1_act, ..., fc3), so the state_dict's names are the ones our published safetensors files
use (lib/experiments/publish.ts)."""
import math
from collections import OrderedDict

import torch
import torch.nn as nn


def spans(a, level):
    """SPP-net bins, as lib/geometry.ts computes them."""
    if a >= level:
        win, stride = math.ceil(a / level), a // level
        return [(i * stride, min(i * stride + win, a)) for i in range(level)]
    return [(math.floor(i * a / level), math.ceil((i + 1) * a / level)) for i in range(level)]


class SPP(nn.Module):
    def __init__(self, levels):
        super().__init__()
        self.levels = levels

    def forward(self, x):
        h, w = x.shape[2], x.shape[3]
        out = []
        for level in self.levels:
            bins = [x[:, :, y0:y1, x0:x1].amax(dim=(2, 3)) for (y0, y1) in spans(h, level) for (x0, x1) in spans(w, level)]
            out.append(torch.stack(bins, dim=2).flatten(1))
        return torch.cat(out, dim=1)


def build(spec):
    layers = []
    channels, size = spec["input"][0], spec["input"][1:]
    fcs = [l for l in spec["layers"] if l["type"] == "fc"]
    features = None
    act = spec["activation"]

    def rectifier(n):
        if act == "relu":
            return nn.ReLU()
        if act == "lrelu":
            return nn.LeakyReLU(0.25)
        return nn.PReLU(n if act == "prelu-channel" else 1, init=0.25)

    x = torch.zeros(1, *spec["input"])
    for l in spec["layers"]:
        name = l["name"].replace(".", "_")
        if l["type"] == "conv":
            layers += [(name, nn.Conv2d(channels, l["filters"], l["kernel"], l.get("stride", 1), l.get("pad", 0))),
                       (f"{name}_act", rectifier(l["filters"]))]
            channels = l["filters"]
        elif l["type"] == "maxpool":
            layers.append((name, nn.MaxPool2d(l["kernel"], l.get("stride", l["kernel"]), l.get("pad", 0), ceil_mode=l.get("ceil", False))))
        elif l["type"] == "spp":
            layers.append((name, SPP(l["levels"])))
        elif l["type"] == "fc":
            if features is None:
                features = nn.Sequential(OrderedDict(layers))(x).flatten(1).shape[1]
            else:
                features = prev_units
            layers.append((name, nn.Linear(features, l["units"])))
            prev_units = l["units"]
            if l is not fcs[-1]:
                layers.append((f"{name}_act", rectifier(l["units"])))
        elif l["type"] == "dropout":
            layers.append((name, nn.Dropout(l["rate"])))
    return nn.Sequential(OrderedDict(layers))


