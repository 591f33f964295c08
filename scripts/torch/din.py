#!/usr/bin/env python3
"""An independent PyTorch DIN for checking recforge's (raw attention weights,
the paper's form, or a softmax over the real behaviours).

It reads the TSV files written by din_data.py (clk, user, hist_items,
hist_cats, item, cat; histories joined by "|"), builds the vocabularies from
the training file (unseen values share one out-of-vocabulary id per field),
and trains DIN as recforge builds it by default:

- one embedding table, N(0, init_std²); a behaviour is item ⊕ category (2k
  wide), the candidate likewise; histories keep their last 50 items;
- the activation unit: [e, q, e − q, e ⊙ q] → Dice hidden layers → one
  linear output, run on the real (unpadded) behaviours only, so Dice's batch
  statistics see real behaviours;
- v_U = Σ_j w_j e_j with w_j the unit's raw output (or a softmax of it);
- the MLP on [user, item, category, v_U] with Dice hidden layers;
- Dense layers Glorot-uniform, biases 0, Dice's α 0 and ε 1e-8;
- Adam on the dense weights, lazy (sparse) Adam on the table; log loss.

It prints one JSON line: the mean training loss and the validation AUC of
each epoch, and the test AUC of the last epoch.

    python3 scripts/torch/din.py --data /tmp/din --epochs 2
"""

import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn

MAXLEN = 50


def read(path):
    rows = []
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        assert header == ["clk", "user", "hist_items", "hist_cats", "item", "cat"], header
        for line in f:
            rows.append(line.rstrip("\n").split("\t"))
    return rows


class Vocab:
    """Ids over one table: 0 is padding, each field has its own OOV id."""

    def __init__(self):
        self.ids = {}
        self.size = 1

    def add(self, key):
        if key not in self.ids:
            self.ids[key] = self.size
            self.size += 1

    def get(self, key, oov):
        return self.ids.get(key, self.ids[oov])


def encode(rows, v):
    n = len(rows)
    y = np.zeros(n, np.float32)
    slots = np.zeros((n, 3), np.int64)  # user, item, cat
    hist = np.zeros((n, MAXLEN, 2), np.int64)  # item, cat; 0 = padding
    lens = np.zeros(n, np.int64)
    for r, (clk, user, hi, hc, item, cat) in enumerate(rows):
        y[r] = float(clk)
        slots[r] = [v.get(("user", user), ("user", None)), v.get(("item", item), ("item", None)),
                    v.get(("cat", cat), ("cat", None))]
        items = hi.split("|")[-MAXLEN:] if hi else []
        cats = hc.split("|")[-MAXLEN:] if hc else []
        lens[r] = len(items)
        for j, (a, b) in enumerate(zip(items, cats)):
            hist[r, j] = [v.get(("item", a), ("item", None)), v.get(("cat", b), ("cat", None))]
    return torch.from_numpy(y), torch.from_numpy(slots), torch.from_numpy(hist), torch.from_numpy(lens)


class Dice(nn.Module):
    """Dice over the rows it is given: batch statistics in training, running
    averages (momentum 0.99) at inference."""

    momentum = 0.99
    debias = False

    def __init__(self, width, eps=1e-8):
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(width))
        self.eps = eps
        self.register_buffer("mean", torch.zeros(width))
        self.register_buffer("var", torch.zeros(width) if self.debias else torch.ones(width))
        self.t = 0

    def forward(self, s):
        if self.training:
            m = s.mean(0)
            v = s.var(0, unbiased=False)
            with torch.no_grad():
                self.mean.mul_(self.momentum).add_((1 - self.momentum) * m)
                self.var.mul_(self.momentum).add_((1 - self.momentum) * v)
                self.t += 1
        elif self.debias:
            c = 1 - self.momentum ** self.t
            m, v = self.mean / c, self.var / c
        else:
            m, v = self.mean, self.var
        p = torch.sigmoid((s - m) / torch.sqrt(v + self.eps))
        return p * s + (1 - p) * self.alpha * s


def dense(i, o):
    d = nn.Linear(i, o)
    nn.init.xavier_uniform_(d.weight)
    nn.init.zeros_(d.bias)
    return d


class Tower(nn.Module):
    def __init__(self, sizes, act="dice"):
        super().__init__()
        layers = []
        for i, o in zip(sizes[:-2], sizes[1:-1]):
            layers += [dense(i, o), Dice(o) if act == "dice" else nn.PReLU(o, init=0.25)]
        layers.append(dense(sizes[-2], sizes[-1]))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class DIN(nn.Module):
    def __init__(self, rows, k, hidden, att_hidden, init_std, weighting, att_act):
        super().__init__()
        self.emb = nn.Embedding(rows, k, sparse=True)
        nn.init.normal_(self.emb.weight, 0, init_std)
        self.unit = Tower([8 * k] + att_hidden + [1], att_act)
        self.mlp = Tower([5 * k] + hidden + [1])
        self.weighting = weighting
        self.k = k

    def forward(self, slots, hist, lens):
        n = slots.shape[0]
        e_slots = self.emb(slots).reshape(n, -1)  # user, item, cat
        q = self.emb(slots[:, 1:]).reshape(n, 2 * self.k)
        keys = self.emb(hist).reshape(n, MAXLEN, 2 * self.k)
        mask = torch.arange(MAXLEN)[None, :] < lens[:, None]
        real = mask.nonzero(as_tuple=True)
        e = keys[real]
        qr = q[real[0]]
        score = self.unit(torch.cat([e, qr, e - qr, e * qr], 1)).squeeze(1)
        w = torch.zeros(n, MAXLEN)
        if self.weighting == "raw":
            w = w.index_put(real, score)
        else:
            full = torch.full((n, MAXLEN), float("-inf")).index_put(real, score)
            w = torch.nan_to_num(torch.softmax(full, 1), nan=0.0)
        pooled = (w.unsqueeze(2) * keys).sum(1)
        return self.mlp(torch.cat([e_slots, pooled], 1)).squeeze(1)


def auc(y, s):
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    # average ranks of ties
    ss = s[order]
    i = 0
    while i < len(ss):
        j = i
        while j + 1 < len(ss) and ss[j + 1] == ss[i]:
            j += 1
        if j > i:
            ranks[order[i:j + 1]] = (i + j + 2) / 2.0
        i = j + 1
    pos = y.sum()
    neg = len(y) - pos
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def score(model, data, batch):
    model.eval()
    y, slots, hist, lens = data
    out = []
    with torch.no_grad():
        for i in range(0, len(y), batch):
            out.append(model(slots[i:i + batch], hist[i:i + batch], lens[i:i + batch]))
    model.train()
    return auc(y.numpy(), torch.cat(out).numpy())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--dim", type=int, default=16)
    ap.add_argument("--init-std", type=float, default=0.01)
    ap.add_argument("--weighting", choices=["raw", "softmax"], default="raw")
    ap.add_argument("--attention-activation", choices=["dice", "prelu"], default="dice")
    ap.add_argument("--dice-momentum", type=float, default=0.99)
    ap.add_argument("--dice-debias", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    Dice.momentum = a.dice_momentum
    Dice.debias = a.dice_debias
    torch.set_num_threads(1)
    train_rows = read(os.path.join(a.data, "train.tsv"))
    v = Vocab()
    for f in ("user", "item", "cat"):
        v.add((f, None))
    for clk, user, hi, hc, item, cat in train_rows:
        v.add(("user", user))
        v.add(("item", item))
        v.add(("cat", cat))
        for x in hi.split("|") if hi else []:
            v.add(("item", x))
        for x in hc.split("|") if hc else []:
            v.add(("cat", x))
    tr = encode(train_rows, v)
    va = encode(read(os.path.join(a.data, "valid.tsv")), v)
    te = encode(read(os.path.join(a.data, "test.tsv")), v)
    model = DIN(v.size, a.dim, [256, 128], [64, 16], a.init_std, a.weighting, a.attention_activation)
    dense_params = [p for n, p in model.named_parameters() if not n.startswith("emb.")]
    opt_dense = torch.optim.Adam(dense_params, lr=a.lr)
    opt_emb = torch.optim.SparseAdam([model.emb.weight], lr=a.lr)
    loss_fn = nn.BCEWithLogitsLoss()
    g = torch.Generator().manual_seed(a.seed)
    n = len(tr[0])
    valid_aucs, train_losses = [], []
    t0 = time.time()
    for ep in range(a.epochs):
        perm = torch.randperm(n, generator=g)
        total = 0.0
        for i in range(0, n, a.batch):
            idx = perm[i:i + a.batch]
            logit = model(tr[1][idx], tr[2][idx], tr[3][idx])
            loss = loss_fn(logit, tr[0][idx])
            total += loss.item() * len(idx)
            opt_dense.zero_grad()
            opt_emb.zero_grad()
            loss.backward()
            opt_dense.step()
            opt_emb.step()
        train_losses.append(round(total / n, 4))
        valid_aucs.append(round(score(model, va, a.batch), 4))
    print(json.dumps({"framework": "pytorch " + torch.__version__, "model": "din", "weighting": a.weighting,
                      "init_std": a.init_std, "attention_activation": a.attention_activation, "dice_momentum": a.dice_momentum, "dice_debias": a.dice_debias, "epochs": a.epochs, "train_loss": train_losses, "valid_auc": valid_aucs,
                      "test_auc": round(score(model, te, a.batch), 4), "seconds": round(time.time() - t0, 1)}))


if __name__ == "__main__":
    main()
