"""How long a default-tier net sits on the chance plateau in PyTorch, under recipe variants (run.ts beside it).

    plateau_torch.py <specs.json> <job.json>

specs.json (written by plateau_torch.ts): each net's layer list (as lib/models/network.ts builds it), its crop and
jitter, and the data's mean, scale, PCA basis and decoded training split. job.json: the net, learning rate, batch
order ("uniform": a shuffle; "exact": each class spread evenly, image k of a class of n at (k + 1/2) / n;
"balanced": at (k + u) / n, u uniform, as the trainer did before it placed them exactly), head
("he": He's init on every fc layer; "zero": the classifier at zero; "stdX": the classifier at std X; "logitX": He's,
rescaled so the logits start at std X on 256 centre-cropped training images), batch, steps,
validation every `every` steps on 1000 images held out of the training split, seeds. Prints one JSON line a seed:
the first validated step at least 5 points below chance ("left", null if none) and the errors at each point.
PyTorch is 2.5x faster than our engine on this CPU, so variants are explored here and adopted there.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from torch_model import build  # noqa: E402
from torch_twin import initialize, load_split, optimizer  # noqa: E402

torch.set_num_threads(int(os.environ.get("PLATEAU_THREADS", "2")))
CHANCE_MINUS_5 = 0.85


def held_out(labels, per_class):
    """Indices of the training split and of the last `per_class` images of each class (our validation split)."""
    total = {c: int((labels == c).sum()) for c in labels.unique().tolist()}
    train, val, seen = [], [], {}
    for i, label in enumerate(labels.tolist()):
        seen[label] = seen.get(label, 0) + 1
        (val if seen[label] > total[label] - per_class else train).append(i)
    return train, val


def with_classifier(spec, head):
    """The spec with the job's classifier init: "he" (forward form, also the start of "logitX"), "zero", or "stdX"
    (a Gaussian of std X)."""
    scheme = {"kind": "he-forward"} if head == "he" or head.startswith("logit") else {
        "kind": "gaussian", "std": 0.0 if head == "zero" else float(head[3:])}
    return {**spec, "fcInit": [*spec["fcInit"][:-1], scheme]}


def scale_classifier(model, images, target):
    """"logitX": rescales the classifier so the logits' standard deviation over classes, averaged over `images`,
    is `target` at the start (the trunk's output scale varies several-fold from seed to seed in a deep plain net)."""
    with torch.no_grad():
        std = model(images).std(1).mean().item()
        last = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]
        last.weight.mul_(target / std)


def run(specs, data, job, seed):
    net = specs["nets"][job["key"]]
    spec, crop = net["spec"], net["crop"]
    lo, hi = net["jitter"]
    xtr, ytr, xv, yv = data
    mean = torch.tensor(specs["mean"]).view(1, -1, 1, 1)
    scale = specs["scale"]
    pca_values = torch.tensor(specs["pca"]["values"]) / 255
    pca_vectors = torch.tensor(specs["pca"]["vectors"])
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = build(spec)
    initialize(model, with_classifier(spec, job["head"]), seed)
    if job["head"].startswith("logit"):
        picked = torch.randperm(xtr.shape[0], generator=torch.Generator().manual_seed(seed))[:256]
        m = (xtr.shape[2] - crop) // 2
        scale_classifier(model, (xtr[picked][:, :, m:m + crop, m:m + crop].float() - mean) * scale, float(job["head"][5:]))
    opt = optimizer(model, job["lr"], 0.9, 5e-4)

    def augment(images):
        n = images.shape[0]
        x = images.float()
        sizes = torch.randint(lo, hi + 1, (n,), generator=gen)
        out = torch.empty(n, x.shape[1], crop, crop)
        for s in sizes.unique().tolist():
            idx = (sizes == s).nonzero().flatten()
            resized = x[idx] if s == x.shape[2] else F.interpolate(x[idx], size=(s, s), mode="bilinear", align_corners=False)
            for k, i in enumerate(idx.tolist()):
                oy = int(torch.randint(0, s - crop + 1, (1,), generator=gen))
                ox = int(torch.randint(0, s - crop + 1, (1,), generator=gen))
                out[i] = resized[k, :, oy:oy + crop, ox:ox + crop]
        flips = torch.rand(n, generator=gen) < 0.5
        out[flips] = out[flips].flip(3)
        out += ((torch.randn(n, 3, generator=gen) * 0.1 * pca_values) @ pca_vectors.T).view(n, -1, 1, 1)
        return (out - mean) * scale

    def validate():
        model.eval()
        m = (xv.shape[2] - crop) // 2
        with torch.no_grad():
            x = (xv[:, :, m:m + crop, m:m + crop].float() - mean) * scale
            err = (model(x).argmax(1) != yv).float().mean().item()
        model.train()
        return err

    if job["order"] == "uniform":
        order = torch.randperm(xtr.shape[0], generator=gen)
    else:
        keys = torch.empty(xtr.shape[0])
        for c in range(int(ytr.max()) + 1):
            members = (ytr == c).nonzero().flatten()
            members = members[torch.randperm(members.numel(), generator=gen)]
            offsets = torch.rand(members.numel(), generator=gen) if job["order"] == "balanced" else 0.5
            keys[members] = (torch.arange(members.numel()) + offsets) / members.numel()
        order = torch.argsort(keys)
    errs = [validate()]
    left = None
    batch = job["batch"]
    for s in range(job["steps"]):
        idx = order[s * batch:(s + 1) * batch]
        loss = F.cross_entropy(model(augment(xtr[idx])), ytr[idx])
        if not torch.isfinite(loss):
            return {"nan": s, "errs": errs}
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (s + 1) % job["every"] == 0:
            errs.append(validate())
            if left is None and errs[-1] <= CHANCE_MINUS_5:
                left = s + 1
    return {"left": left, "errs": [round(e * 100, 1) for e in errs], "loss": round(loss.item(), 3)}


def main():
    specs = json.load(open(sys.argv[1]))
    job = json.loads(open(sys.argv[2]).read())
    x, y = load_split(specs["train"])
    train, val = held_out(y, specs["valPerClass"])
    pick = torch.tensor(val)[torch.randperm(len(val), generator=torch.Generator().manual_seed(0))[:1000]]
    data = (x[train], y[train], x[pick], y[pick])
    for seed in job["seeds"]:
        row = run(specs, data, job, seed)
        print(json.dumps({**{k: v for k, v in job.items() if k != "seeds"}, "seed": seed, **row,
                          "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
