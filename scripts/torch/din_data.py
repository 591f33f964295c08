#!/usr/bin/env python3
"""Planted behaviour-sequence data for the DIN comparison, independent of
recforge's own generators.

Every item belongs to one category. A user prefers one to three categories;
their history (1 to 50 items, oldest first) draws 70% of its items from
those categories and the rest at random. The candidate is from a preferred
category half of the time. The click probability grows with how many of
the history's items share the candidate's category, so both relevance (which
behaviours match) and intensity (how many do) carry signal:

    P(click) = sigmoid(-2.2 + 1.3·ln(1 + matches) + 0.8·[candidate in history])

It writes train.tsv, valid.tsv and test.tsv (80/10/10 of the rows, a header
line, histories joined by "|") and oracle.txt, the test AUC of the true
probabilities.

    python3 scripts/torch/din_data.py --rows 200000 --seed 3 --out /tmp/din
"""

import argparse
import math
import os
import random


def auc(labels, scores):
    pairs = sorted(zip(scores, labels))
    pos = sum(labels)
    neg = len(labels) - pos
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        avg = (i + j + 1) / 2.0  # 1-based average rank of the tie block
        rank_sum += avg * sum(l for _, l in pairs[i:j])
        i = j
    return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--categories", type=int, default=50)
    ap.add_argument("--users", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    cat_of = [rnd.randrange(a.categories) for _ in range(a.items)]
    by_cat = [[] for _ in range(a.categories)]
    for i, c in enumerate(cat_of):
        by_cat[c].append(i)
    by_cat = [b if b else [rnd.randrange(a.items)] for b in by_cat]
    prefs = [rnd.sample(range(a.categories), rnd.randint(1, 3)) for _ in range(a.users)]

    def draw(u):
        if rnd.random() < 0.7:
            return rnd.choice(by_cat[rnd.choice(prefs[u])])
        return rnd.randrange(a.items)

    os.makedirs(a.out, exist_ok=True)
    n_train, n_valid = int(a.rows * 0.8), int(a.rows * 0.1)
    files = [open(os.path.join(a.out, n + ".tsv"), "w") for n in ("train", "valid", "test")]
    for f in files:
        f.write("clk\tuser\thist_items\thist_cats\titem\tcat\n")
    test_labels, test_probs = [], []
    for r in range(a.rows):
        u = rnd.randrange(a.users)
        hist = [draw(u) for _ in range(rnd.randint(1, 50))]
        cand = draw(u) if rnd.random() < 0.5 else rnd.randrange(a.items)
        matches = sum(1 for h in hist if cat_of[h] == cat_of[cand])
        z = -2.2 + 1.3 * math.log1p(matches) + 0.8 * (cand in hist)
        p = 1 / (1 + math.exp(-z))
        y = 1 if rnd.random() < p else 0
        part = 0 if r < n_train else (1 if r < n_train + n_valid else 2)
        if part == 2:
            test_labels.append(y)
            test_probs.append(p)
        files[part].write("%d\tu%d\t%s\t%s\ti%d\tc%d\n" % (
            y, u, "|".join("i%d" % h for h in hist), "|".join("c%d" % cat_of[h] for h in hist),
            cand, cat_of[cand]))
    for f in files:
        f.close()
    with open(os.path.join(a.out, "oracle.txt"), "w") as f:
        f.write("%.4f\n" % auc(test_labels, test_probs))
    print("oracle test AUC %.4f" % auc(test_labels, test_probs))


if __name__ == "__main__":
    main()
