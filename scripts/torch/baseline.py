#!/usr/bin/env python3
"""An independent PyTorch baseline for recforge's end-to-end training figures.

It trains DeepFM or DCN (cross network v1) on a Criteo-format TSV file — the
rows of a synthetic:ctr spec written by ctr_tsv.go — with the settings of
BENCHMARKS.md's comparison, on one thread, and prints one JSON line with the
training rows per second. Encoding the file (reading it, fitting the
vocabularies, building the id tensors) is done before the clock starts: only
the training loop is timed, the most favourable reading for PyTorch.

    go run scripts/torch/ctr_tsv.go -rows 810000 -seed 1 -out /tmp/ctr.tsv
    python3 scripts/torch/baseline.py --model deepfm --data /tmp/ctr.tsv

Needs PyTorch (Debian: apt-get install python3-torch, version 1.13) and NumPy.
The encoding follows recforge's built-in Criteo schema: the 13 counts bucketed
as floor(ln(v)^2) for v > 2, else v; every field's values seen fewer than
twice in the training part map to one out-of-vocabulary id, and a missing
value has an id of its own.
"""

import argparse
import json
import math
import time
from collections import Counter

import numpy as np
import torch
from torch import nn

FIELDS = 39  # I1..I13, C1..C26


def bucket(v):
    """The criteo_log2 token of a count: floor(ln(v)^2) above 2, else v."""
    x = int(v)
    if x > 2:
        return "b%d" % int(math.floor(math.log(x) ** 2))
    return "v%d" % x


def read_tsv(path):
    """Returns the labels and, per row, the 39 raw tokens ('' for missing)."""
    labels, rows = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) != FIELDS + 1:
                raise SystemExit("%s: a line with %d fields, expected %d" % (path, len(cols), FIELDS + 1))
            labels.append(float(cols[0]))
            toks = [bucket(c) if c else "" for c in cols[1:14]] + cols[14:]
            rows.append(toks)
    return np.array(labels, dtype=np.float32), rows


def encode(rows, train_idx):
    """Ids in one table: per field 0 is out of vocabulary, 1 missing, then
    the values seen at least twice in the training rows."""
    counts = [Counter() for _ in range(FIELDS)]
    for i in train_idx:
        for f, t in enumerate(rows[i]):
            if t:
                counts[f][t] += 1
    vocabs, offsets, total = [], [], 0
    for c in counts:
        v = {t: 2 + k for k, t in enumerate(sorted(t for t, n in c.items() if n >= 2))}
        vocabs.append(v)
        offsets.append(total)
        total += len(v) + 2
    ids = np.empty((len(rows), FIELDS), dtype=np.int64)
    for i, toks in enumerate(rows):
        for f, t in enumerate(toks):
            ids[i, f] = offsets[f] + (1 if not t else vocabs[f].get(t, 0))
    return ids, total


class DeepFM(nn.Module):
    def __init__(self, vocab, dim, hidden, sparse):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, sparse=sparse)
        self.first = nn.Embedding(vocab, 1, sparse=sparse)
        nn.init.normal_(self.emb.weight, std=0.01)
        nn.init.zeros_(self.first.weight)
        self.bias = nn.Parameter(torch.zeros(1))
        layers, width = [], FIELDS * dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, 1))
        self.mlp = nn.Sequential(*layers)

    def forward(self, x):
        e = self.emb(x)  # B × F × k
        s = e.sum(dim=1)
        fm = 0.5 * (s * s - (e * e).sum(dim=1)).sum(dim=1)
        first = self.first(x).sum(dim=(1, 2))
        return self.bias + first + fm + self.mlp(e.flatten(1)).squeeze(1)


class DCN(nn.Module):
    def __init__(self, vocab, dim, hidden, cross_layers, sparse):
        super().__init__()
        d = FIELDS * dim
        self.emb = nn.Embedding(vocab, dim, sparse=sparse)
        nn.init.normal_(self.emb.weight, std=0.01)
        self.w = nn.Parameter(torch.randn(cross_layers, d) * 0.01)
        self.b = nn.Parameter(torch.zeros(cross_layers, d))
        layers, width = [], d
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.deep = nn.Sequential(*layers)
        self.out = nn.Linear(d + width, 1)

    def forward(self, x):
        x0 = self.emb(x).flatten(1)
        xl = x0
        for l in range(self.w.shape[0]):
            xl = x0 * (xl @ self.w[l]).unsqueeze(1) + self.b[l] + xl
        return self.out(torch.cat([xl, self.deep(x0)], dim=1)).squeeze(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=["deepfm", "dcn"], required=True)
    ap.add_argument("--data", required=True, help="Criteo-format TSV file")
    ap.add_argument("--dim", type=int, default=16)
    ap.add_argument("--hidden", default="256,128")
    ap.add_argument("--cross-layers", type=int, default=3)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--dense-adam", action="store_true",
                    help="Adam on dense embedding gradients instead of SparseAdam on sparse ones")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    labels, rows = read_tsv(a.data)
    perm = np.random.default_rng(a.seed).permutation(len(rows))
    n_train = len(rows) * 8 // 10
    train_idx, valid_idx = perm[:n_train], perm[n_train:n_train + len(rows) // 10]
    ids, vocab = encode(rows, train_idx)
    del rows
    x, y = torch.from_numpy(ids[train_idx]), torch.from_numpy(labels[train_idx])
    xv, yv = torch.from_numpy(ids[valid_idx]), torch.from_numpy(labels[valid_idx])

    hidden = [int(h) for h in a.hidden.split(",") if h]
    sparse = not a.dense_adam
    if a.model == "deepfm":
        m = DeepFM(vocab, a.dim, hidden, sparse)
    else:
        m = DCN(vocab, a.dim, hidden, a.cross_layers, sparse)
    tables = [p for n, p in m.named_parameters() if n.startswith(("emb.", "first."))]
    dense = [p for n, p in m.named_parameters() if not n.startswith(("emb.", "first."))]
    if sparse:
        opts = [torch.optim.SparseAdam(tables, lr=a.lr), torch.optim.Adam(dense, lr=a.lr)]
    else:
        opts = [torch.optim.Adam(tables + dense, lr=a.lr)]
    loss_fn = nn.BCEWithLogitsLoss()

    m.train()
    start = time.perf_counter()
    epoch_secs = []
    for _ in range(a.epochs):
        t0 = time.perf_counter()
        order = torch.randperm(len(y))
        for s in range(0, len(y), a.batch):
            idx = order[s:s + a.batch]
            for o in opts:
                o.zero_grad(set_to_none=True)
            loss = loss_fn(m(x[idx]), y[idx])
            loss.backward()
            for o in opts:
                o.step()
        epoch_secs.append(time.perf_counter() - t0)
    secs = time.perf_counter() - start

    m.eval()
    with torch.no_grad():
        logits = torch.cat([m(xv[s:s + 65536]) for s in range(0, len(yv), 65536)])
        valid_loss = loss_fn(logits, yv).item()
    print(json.dumps({
        "framework": "pytorch " + torch.__version__, "model": a.model, "threads": a.threads,
        "optimizer": "adam" if a.dense_adam else "sparse_adam+adam", "train_rows": len(y),
        "epochs": a.epochs, "train_rows_per_sec": len(y) * a.epochs / secs,
        "epoch_seconds": epoch_secs, "valid_logloss": valid_loss, "vocab": vocab,
    }))


if __name__ == "__main__":
    main()
