#!/usr/bin/env python3
"""Would a mirror-symmetry prior help `--orient auto`? (MODEL_CARD.md,
Orientation; session 19, not implemented.)

usage: scripts/orient_symmetry_study.py SCORES

  SCORES  `cargo run --release --example orient_scores -- DIR... > SCORES`:
          every aligned shape's 24 candidate frames with their class
          probability and part confidence (DIR e.g. the project's own
          measurement data ../shared/data/shapenetpart-reference and
          ../shared/data/shapenetpart-samples beside the repository, or
          your own ShapeNetPart folders)

Replays the search's choice (class probability, ties within 1e-4 broken by
the part confidence) on all 24 frames and on the 8 whose side axis (model z)
is the shape's most mirror-symmetric axis (the smallest Chamfer distance
between the cloud and its mirror image across its bounding-box centre), and
prints, with the category given and chosen, how many shapes get their exact
frame and their up axis. Needs numpy.
"""
import json
import sys

import numpy as np


def mirror_chamfer(p, axis):
    c = (p.min(0) + p.max(0)) / 2
    q = p.copy()
    q[:, axis] = 2 * c[axis] - q[:, axis]
    d = ((p[:, None, :] - q[None, :, :]) ** 2).sum(-1)
    return (np.sqrt(d.min(1)).mean() + np.sqrt(d.min(0)).mean()) / 2


def pick(cands, allowed=None, tied=1e-4):
    cs = [c for c in cands if allowed is None or allowed(c)]
    top = max(c[3] for c in cs)

    def key(c):
        t = c[3] >= top - tied
        conf = c[4] if c[4] is not None else -1
        return (1 if t else 0, conf if t else c[3], c[3])

    return max(cs, key=key)


def side(c):
    return ({"x", "y", "z"} - {c[0][-1], c[1][-1]}).pop()


def main(path):
    rows = [json.loads(line) for line in open(path)]
    syms = []
    for r in rows:
        a = np.loadtxt(r["file"])[:, :3]
        if len(a) > 800:
            a = a[np.random.RandomState(1).choice(len(a), 800, replace=False)]
        a = a - a.mean(0)
        a /= np.sqrt((a**2).sum(1)).max()
        syms.append("xyz"[int(np.argmin([mirror_chamfer(a, k) for k in range(3)]))])
    print(f"{len(rows)} shapes; most symmetric axis z: {syms.count('z')}")
    for key in ["given", "auto"]:
        counts = {"all 24": [0, 0], "8 by symmetry": [0, 0]}
        for r, sym in zip(rows, syms):
            for name, allowed in [("all 24", None), ("8 by symmetry", lambda c, s=sym: side(c) == s)]:
                best = pick(r[key], allowed)
                counts[name][0] += best[0] == "y" and best[1] == "x"
                counts[name][1] += best[0] == "y"
        for name, (exact, up) in counts.items():
            print(f"category {key}, {name}: exact frame {exact}, up axis {up}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
