#!/usr/bin/env python3
"""Would smoothing the part probabilities over each point's nearest points
help? (MODEL_CARD.md, the session-19 test-time studies; not adopted.)

usage: scripts/smoothing_study.py PROBS_DIR...

  PROBS_DIR  `pcseg run DATA/<synset> --format xyz --probabilities all
             --category <synset> -o PROBS_DIR/<synset> -q` for each synset of a
             labelled ShapeNetPart `_normal` folder (e.g. the project's own
             measurement data ../shared/data/shapenetpart-reference beside the
             repository, or your own copy); the true labels come back as the
             `source_label` column

For k = 1 (no smoothing), 3, 5, 8 and 12 prints the instance mIoU when each
point's part probabilities are averaged over its k nearest points (itself
included) before the argmax. Needs numpy.
"""
import glob
import sys

import numpy as np


def miou(true, pred, parts):
    ious = []
    for p in parts:
        t, q = true == p, pred == p
        union = (t | q).sum()
        ious.append(1.0 if union == 0 else (t & q).sum() / union)
    return np.mean(ious)


def study(root):
    files = sorted(glob.glob(root + "/*/*.txt"))
    for k in [1, 3, 5, 8, 12]:
        scores = []
        for f in files:
            header = open(f).readline().split()
            a = np.loadtxt(f, skiprows=1)
            cols = [i for i, h in enumerate(header) if h.startswith("prob_")]
            probs = a[:, cols]
            true = a[:, header.index("source_label")].astype(int)
            label = a[:, header.index("label")].astype(int)
            first = int(label[0]) - int(np.argmax(probs[0]))
            p = a[:, :3]
            if k > 1:
                d = ((p[:, None, :] - p[None, :, :]) ** 2).sum(-1)
                probs = probs[np.argsort(d, 1)[:, :k]].mean(1)
            pred = first + np.argmax(probs, 1)
            scores.append(miou(true, pred, range(first, first + len(cols))))
        print(f"{root} k {k}: instance mIoU {np.mean(scores) * 100:.2f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for root in sys.argv[1:]:
        study(root)
