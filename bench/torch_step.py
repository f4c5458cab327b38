"""PyTorch CPU peer for `deno task bench`: times training steps of the model described by the JSON spec on stdin
(the same layer list lib/models/network.ts builds), and prints one JSON line with images per second."""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

from torch_model import build


def main():
    cfg = json.load(sys.stdin)
    torch.set_num_threads(os.cpu_count() or 1)  # all cores, as lavapipe uses them
    torch.manual_seed(0)
    model = build(cfg["spec"])
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    batch = cfg["batch"]
    x = torch.randn(batch, *cfg["spec"]["input"])
    y = torch.randint(0, cfg["spec"]["classes"], (batch,))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    step()
    samples = []
    end = time.time() + cfg["seconds"]
    while time.time() < end or len(samples) < 3:
        t = time.time()
        step()
        samples.append(time.time() - t)
    samples.sort()
    median = samples[len(samples) // 2]
    print(json.dumps({"imagesPerSecond": batch / median, "threads": torch.get_num_threads(), "version": torch.__version__}))


main()
