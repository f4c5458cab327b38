"""PyTorch twin of rectifiers' training, for `deno task bench --twin` (bench/twin.ts).

engine <dir>   The same net, initial weights and batches as ours (exported by twin.ts into <dir>): SGD with
               momentum 0.9 in Caffe's form, weight decay 5e-4 except on PReLU slopes, the same learning rate.
               Prints the loss of every step, to compare step by step, with PyTorch's float64 losses and its
               float32 losses from weights nudged by one rounding step (float32's own spread).
recipe <json>  The same architecture and recipe trained by PyTorch with its own data order and augmentation,
               on the decoded CIFAR-10 split files rectifiers caches: test error on the whole test set at the
               given steps and the training wall time (evaluation excluded) to reach each point.
long <json>    The long tier's recipe in PyTorch: whole epochs, the rate divided at validation plateaus, stopped
               once converged; training and validation error per epoch, test errors at the end.
evaluate <json>  Our published weights (a safetensors file named as this model's state_dict) loaded into
               PyTorch's model: centre-crop test errors, a check of our whole forward pass.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from torch_model import build

# RECTIFIERS_TORCH_THREADS lets a run share the machine with other work (one thread per lane).
torch.set_num_threads(int(os.environ.get("RECTIFIERS_TORCH_THREADS") or 0) or os.cpu_count() or 1)


def optimizer(model, lr, momentum, decay):
    slopes = [p for m in model.modules() if isinstance(m, torch.nn.PReLU) for p in m.parameters()]
    ids = {id(p) for p in slopes}
    rest = [p for p in model.parameters() if id(p) not in ids]
    groups = [{"params": rest, "weight_decay": decay}]
    if slopes:
        groups.append({"params": slopes, "weight_decay": 0.0})
    return torch.optim.SGD(groups, lr=lr, momentum=momentum)


def engine(directory):
    """Losses step by step from the exported weights and batches: in float32 (the twin), in float64 (what exact
    arithmetic would give), and in float32 from weights nudged by one part in 2^23 (how far float32 rounding
    alone carries two runs apart), so our distance from PyTorch can be read against float32's own."""
    cfg = json.load(open(f"{directory}/twin.json"))
    flat = np.fromfile(f"{directory}/params.f32", dtype=np.float32)
    c, h, w = cfg["spec"]["input"]
    xs = np.fromfile(f"{directory}/x.f32", dtype=np.float32).reshape(cfg["steps"], cfg["batch"], c, h, w)
    ys = np.fromfile(f"{directory}/y.i32", dtype=np.int32).reshape(cfg["steps"], cfg["batch"])

    def run(dtype, nudge):
        model = build(cfg["spec"]).to(dtype)
        offset = 0
        with torch.no_grad():
            for p in model.parameters():
                n = p.numel()
                p.copy_(torch.from_numpy(flat[offset:offset + n].astype(np.float64)).view_as(p))
                p.mul_(1 + nudge)
                offset += n
        assert offset == flat.size, f"parameter count: {offset} vs {flat.size}"
        opt = optimizer(model, cfg["lr"], cfg["momentum"], cfg["weightDecay"])
        model.train()
        losses = []
        for s in range(cfg["steps"]):
            opt.zero_grad()
            x = torch.from_numpy(xs[s]).to(dtype)
            loss = F.cross_entropy(model(x), torch.from_numpy(ys[s]).long())
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    print(json.dumps({
        "losses": run(torch.float32, 0.0),
        "losses64": run(torch.float64, 0.0),
        "lossesNudged": run(torch.float32, 2.0 ** -23),
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
    }))


def initialize(model, spec, seed):
    """Our initializers (lib/init.ts) on PyTorch's layers: Gaussian weights with the scheme's std, zero biases,
    PReLU slopes 0.25 (PyTorch's own defaults would start a 14-layer plain net near zero signal)."""
    gen = torch.Generator().manual_seed(seed)
    fc_index = 0
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            scheme = spec["convInit"] if isinstance(m, torch.nn.Conv2d) else spec["fcInit"][min(fc_index, len(spec["fcInit"]) - 1)]
            if isinstance(m, torch.nn.Linear):
                fc_index += 1
            w = m.weight
            fan_in = w[0].numel()
            fan_out = w.shape[0] * (w.shape[2] * w.shape[3] if w.dim() == 4 else 1)
            kind = scheme["kind"]
            std = {"gaussian": scheme.get("std"), "xavier": (1 / fan_in) ** 0.5, "he-forward": (2 / fan_in) ** 0.5,
                   "he-backward": (2 / fan_out) ** 0.5}[kind]
            with torch.no_grad():
                w.copy_(torch.randn(w.shape, generator=gen) * std)
                m.bias.zero_()
        elif isinstance(m, torch.nn.PReLU):
            with torch.no_grad():
                m.weight.fill_(0.25)


def grads(directory):
    """Float64 gradients of the first batch at the exported weights, against the ones we exported."""
    cfg = json.load(open(f"{directory}/twin.json"))
    model = build(cfg["spec"]).double()
    flat = np.fromfile(f"{directory}/params.f32", dtype=np.float32)
    offset = 0
    with torch.no_grad():
        for p in model.parameters():
            n = p.numel()
            p.copy_(torch.from_numpy(flat[offset:offset + n].astype(np.float64)).view_as(p))
            offset += n
    c, h, w = cfg["spec"]["input"]
    x = np.fromfile(f"{directory}/x.f32", dtype=np.float32)[: cfg["batch"] * c * h * w].reshape(cfg["batch"], c, h, w)
    y = np.fromfile(f"{directory}/y.i32", dtype=np.int32)[: cfg["batch"]]
    F.cross_entropy(model(torch.from_numpy(x.astype(np.float64))), torch.from_numpy(y).long()).backward()
    out = {}
    for name in ("gpu", "reference"):
        g = np.fromfile(f"{directory}/grads.{name}.f32", dtype=np.float32)
        offset = 0
        worst = 0.0
        for p in model.parameters():
            n = p.numel()
            t = p.grad.numpy().ravel()
            worst = max(worst, float(np.abs(g[offset:offset + n] - t).max() / max(np.abs(t).max(), 1e-30)))
            offset += n
        out[name] = worst
    print(json.dumps(out))


def load_split(path):
    raw = open(path, "rb").read()
    first = raw.index(b"\n")
    second = raw.index(b"\n", first + 1)
    head = json.loads(raw[first + 1:second])
    n = head["count"]
    payload = raw[second + 1:]
    labels = np.frombuffer(payload[:2 * n], dtype=np.uint16).astype(np.int64)
    pixels = np.frombuffer(payload[2 * n:], dtype=np.uint8).reshape(n, head["channels"], head["height"], head["width"])
    return torch.from_numpy(pixels.copy()), torch.from_numpy(labels.copy())


class Setup:
    """The data, net, optimizer, augmentation and evaluation of a recipe file (as twin.ts writes it)."""

    def __init__(self, cfg):
        torch.manual_seed(cfg["seed"])
        self.cfg = cfg
        self.gen = torch.Generator().manual_seed(cfg["seed"])
        xtr, ytr = load_split(cfg["train"])
        self.xte, self.yte = load_split(cfg["test"])
        keep = torch.tensor(cfg["trainIndices"])
        held = torch.ones(xtr.shape[0], dtype=torch.bool)
        held[keep] = False
        self.xval, self.yval = xtr[held], ytr[held]
        self.xtr, self.ytr = xtr[keep], ytr[keep]
        self.mean = torch.tensor(cfg["mean"]).view(1, -1, 1, 1)
        self.scale = cfg["scale"]
        self.pca_values = torch.tensor(cfg["pca"]["values"]) / 255  # as lib/data/augment.ts: lambda in 0..255 units
        self.pca_vectors = torch.tensor(cfg["pca"]["vectors"])
        self.crop, self.lo, self.hi = cfg["crop"], cfg["jitter"][0], cfg["jitter"][1]
        self.model = build(cfg["spec"])
        initialize(self.model, cfg["spec"], cfg["seed"])
        self.opt = optimizer(self.model, cfg["lr"], cfg["momentum"], cfg["weightDecay"])
        self.batch = cfg["batch"]

    def augment(self, images):
        # Scale jitter, crops, flips and PCA lighting as lib/data/augment.ts does, batched by drawn size.
        gen, crop = self.gen, self.crop
        n = images.shape[0]
        x = images.float()
        sizes = torch.randint(self.lo, self.hi + 1, (n,), generator=gen)
        oy = [int(torch.randint(0, int(s) - crop + 1, (1,), generator=gen)) for s in sizes]
        ox = [int(torch.randint(0, int(s) - crop + 1, (1,), generator=gen)) for s in sizes]
        flips = torch.rand(n, generator=gen) < 0.5
        alpha = torch.randn(n, 3, generator=gen) * self.cfg["pcaStd"]
        out = torch.empty(n, x.shape[1], crop, crop)
        for s in sizes.unique().tolist():
            idx = (sizes == s).nonzero().flatten()
            resized = x[idx] if s == x.shape[2] else F.interpolate(x[idx], size=(s, s), mode="bilinear", align_corners=False)
            for k, i in enumerate(idx.tolist()):
                out[i] = resized[k, :, oy[i]:oy[i] + crop, ox[i]:ox[i] + crop]
        out[flips] = out[flips].flip(3)
        shift = (alpha * self.pca_values) @ self.pca_vectors.T
        out += shift.view(n, -1, 1, 1)
        return (out - self.mean) * self.scale

    def errors(self, xs, ys):
        """Centre-crop top-1 and top-5 error on a split."""
        self.model.eval()
        wrong1 = wrong5 = 0
        m = (xs.shape[2] - self.crop) // 2
        with torch.no_grad():
            for i in range(0, xs.shape[0], 500):
                x = (xs[i:i + 500, :, m:m + self.crop, m:m + self.crop].float() - self.mean) * self.scale
                top = self.model(x).topk(5, 1).indices
                y = ys[i:i + 500].view(-1, 1)
                wrong1 += (top[:, :1] != y).all(1).sum().item()
                wrong5 += (top != y).all(1).sum().item()
        self.model.train()
        return wrong1 / xs.shape[0], wrong5 / xs.shape[0]

    def ten_view_error(self, xs, ys):
        """Top-1 error of AlexNet's 10 views (4 corners and the centre, each mirrored), softmax averaged, as
        lib/data/augment.ts viewOffsets places them."""
        self.model.eval()
        c, h, w = self.crop, xs.shape[2], xs.shape[3]
        spots = [(0, 0), (0, w - c), (h - c, 0), (h - c, w - c), ((h - c) // 2, (w - c) // 2)]
        wrong = 0
        with torch.no_grad():
            for i in range(0, xs.shape[0], 500):
                batch = xs[i:i + 500].float()
                total = 0
                for t, l in spots:
                    v = (batch[:, :, t:t + c, l:l + c] - self.mean) * self.scale
                    total = total + F.softmax(self.model(v), 1) + F.softmax(self.model(v.flip(3)), 1)
                wrong += (total.argmax(1) != ys[i:i + 500]).sum().item()
        self.model.train()
        return wrong / xs.shape[0]

    def epoch_order(self):
        gen, ytr = self.gen, self.ytr
        if not self.cfg.get("balanced"):
            return torch.randperm(self.xtr.shape[0], generator=gen)
        # As lib/train/batches.ts balancedEpochOrder: each class shuffled and spread evenly over the epoch, the
        # classes at one place in an order drawn once per epoch.
        keys = np.empty(self.xtr.shape[0])
        ties = np.empty(self.xtr.shape[0])
        for c in ytr.unique().tolist():
            members = (ytr == c).nonzero().flatten()
            members = members[torch.randperm(members.numel(), generator=gen)].numpy()
            keys[members] = (np.arange(members.size) + 0.5) / members.size
            ties[members] = float(torch.rand(1, generator=gen))
        return torch.from_numpy(np.lexsort((ties, keys)))

    def step(self, idx):
        """One SGD step on the training images idx; returns (loss sum, correct)."""
        y = self.ytr[idx]
        out = self.model(self.augment(self.xtr[idx]))
        loss = F.cross_entropy(out, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item() * idx.numel(), (out.argmax(1) == y).sum().item()


def recipe(cfg):
    s = Setup(cfg)
    points = [{"step": 0, "seconds": 0.0, "testTop1Err": s.errors(s.xte, s.yte)[0]}]
    steps_per_epoch = s.xtr.shape[0] // s.batch
    seconds = 0.0
    step = 0
    wanted = set(cfg["evalSteps"])
    while step < cfg["steps"]:
        order = s.epoch_order()
        for b in range(steps_per_epoch):
            if step >= cfg["steps"]:
                break
            t = time.time()
            s.step(order[b * s.batch:(b + 1) * s.batch])
            seconds += time.time() - t
            step += 1
            if step in wanted:
                points.append({"step": step, "seconds": seconds, "testTop1Err": s.errors(s.xte, s.yte)[0]})
    print(json.dumps({"points": points, "version": torch.__version__, "threads": torch.get_num_threads()}))


def slope_drift(model):
    """How far the learned rectifier slopes are from their 0.25 start: the mean |a - 0.25| over every coefficient
    and each PReLU layer's mean slope (none for nets without PReLU). Read per epoch, it says whether the slopes
    were still moving when training stopped."""
    layers = {name: m.weight.detach() for name, m in model.named_modules() if isinstance(m, torch.nn.PReLU)}
    if not layers:
        return {}
    every = torch.cat([w.flatten() for w in layers.values()])
    return {"slopeDrift": (every - 0.25).abs().mean().item(),
            "slopeMeans": {name: w.mean().item() for name, w in layers.items()}}


def long(cfg):
    """The long recipe: whole epochs, the rate divided by `factor` when the validation error has not improved by
    minDelta for `patience` epochs (at most maxDrops times), stopped once converged: after the last drop, the
    best validation error of the last `window` epochs is less than minGain better than the best before them.
    One JSON line per epoch, then the final test errors."""
    s = Setup(cfg)
    sched, conv = cfg["schedule"], cfg["converge"]
    lr, best, since, drops, drops_at = sched["base"], float("inf"), 0, 0, 0
    steps_per_epoch = s.xtr.shape[0] // s.batch
    epochs = []
    seconds = 0.0
    converged = False
    for epoch in range(cfg["epochs"]):
        for g in s.opt.param_groups:
            g["lr"] = lr
        order = s.epoch_order()
        t = time.time()
        loss_sum = correct = 0
        for b in range(steps_per_epoch):
            l, c = s.step(order[b * s.batch:(b + 1) * s.batch])
            loss_sum += l
            correct += c
        seconds += time.time() - t
        val1, val5 = s.errors(s.xval, s.yval)
        seen = steps_per_epoch * s.batch
        rec = {"epoch": epoch + 1, "lr": lr, "trainLoss": loss_sum / seen, "trainTop1Err": 1 - correct / seen,
               "valTop1Err": val1, "valTop5Err": val5, "seconds": seconds, **slope_drift(s.model)}
        epochs.append(rec)
        print(json.dumps(rec), flush=True)
        if val1 < best - sched["minDelta"]:
            best, since = val1, 0
        else:
            since += 1
            if since >= sched["patience"] and drops < sched["maxDrops"]:
                lr, drops, since = lr * sched["factor"], drops + 1, 0
                drops_at = epoch + 1
        if drops == sched["maxDrops"] and epoch + 1 - drops_at >= conv["window"]:
            recent = min(e["valTop1Err"] for e in epochs[-conv["window"]:])
            before = min(e["valTop1Err"] for e in epochs[:-conv["window"]])
            if before - recent < conv["minGain"]:
                converged = True
                break
    test1, test5 = s.errors(s.xte, s.yte)
    print(json.dumps({"epochs": epochs, "converged": converged, "testTop1Err": test1, "testTop5Err": test5,
                      "seconds": seconds, "version": torch.__version__, "threads": torch.get_num_threads()}))


def read_safetensors(path):
    """The tensors of a safetensors file (an 8-byte little-endian header length, a JSON header, raw data)."""
    raw = open(path, "rb").read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", f"{name}: dtype {t['dtype']}"
        a, b = t["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(raw[8 + n + a:8 + n + b], dtype="<f4").copy()).view(t["shape"])
    return out


def evaluate(cfg):
    """Our published weights loaded into PyTorch's model by state_dict name: centre-crop test errors, and the
    10-view top-1 error when asked (cfg["tenView"])."""
    s = Setup(cfg)
    s.model.load_state_dict(read_safetensors(cfg["weights"]), strict=True)
    test1, test5 = s.errors(s.xte, s.yte)
    ten = s.ten_view_error(s.xte, s.yte) if cfg.get("tenView") else None
    print(json.dumps({"testTop1Err": test1, "testTop5Err": test5, "tenTop1Err": ten, "count": int(s.xte.shape[0]),
                      "version": torch.__version__}))


if __name__ == "__main__":
    if sys.argv[1] == "engine":
        engine(sys.argv[2])
    elif sys.argv[1] == "grads":
        grads(sys.argv[2])
    elif sys.argv[1] == "long":
        long(json.load(open(sys.argv[2])))
    elif sys.argv[1] == "evaluate":
        evaluate(json.load(open(sys.argv[2])))
    else:
        recipe(json.load(open(sys.argv[2])))
