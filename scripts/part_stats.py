#!/usr/bin/env python3
"""Part geometry of real or synthetic ShapeNetPart shapes: the figures behind the
session-13 car and motorbike generator fixes (src/synth/car.rs, motorbike.rs).

usage: scripts/part_stats.py DATASET [PREDICTIONS]

  DATASET      a ShapeNetPart-layout folder (`x y z nx ny nz label` .txt files
               under <synset>/), e.g. the project's own reference set
               ../shared/data/shapenetpart-reference or `pcseg synth` output
  PREDICTIONS  optional: `pcseg run DATASET/<synset> --format xyz -o P/<synset>`
               outputs (last column the predicted label); adds, per shape, the
               most frequent (true -> predicted) confusions

For cars (02958343) and motorbikes (03790512), per shape, after centring on the
bounding box and scaling to diagonal 1: the extents, the share of wheel points
inboard of the tyres (|z| below 0.55 of the largest |z|; running gear), and for
each half of the bike (x < 0 / x > 0) the 10th / 50th / 90th percentiles of the
wheel points' distance from their wheel's centre in units of its radius (hub and
spokes sit well inside 0.5).

The generator figures quoted in the car commit came from
`pcseg synth DIR --shapes 60 --categories car,motorbike --points 2000 --seed 9`
(mean car height 0.289 before the fix, 0.272 after; the reference cars 0.246).
"""
import collections
import glob
import math
import os
import sys

WHEEL = {"02958343": 10, "03790512": 32}


def load(path):
    pts, labels = [], []
    with open(path) as f:
        for line in f:
            v = line.split()
            if len(v) < 7:
                continue
            try:
                pts.append([float(x) for x in v[:3]])
                labels.append(int(float(v[6])))
            except ValueError:
                continue  # a header line
    lo = [min(p[k] for p in pts) for k in range(3)]
    hi = [max(p[k] for p in pts) for k in range(3)]
    d = math.dist(lo, hi)
    c = [(lo[k] + hi[k]) / 2 for k in range(3)]
    pts = [[(p[k] - c[k]) / d for k in range(3)] for p in pts]
    return pts, labels, [(hi[k] - lo[k]) / d for k in range(3)]


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    root, pred = sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else None
    for synset, wheel in WHEEL.items():
        exts = []
        for path in sorted(glob.glob(os.path.join(root, synset, "*.txt"))):
            pts, labels, ext = load(path)
            exts.append(ext)
            w = [p for p, l in zip(pts, labels) if l == wheel]
            zmax = max(abs(p[2]) for p in pts)
            inboard = sum(abs(p[2]) < 0.55 * zmax for p in w)
            row = f"{synset}/{os.path.basename(path)[:8]} extents {ext[0]:.3f} {ext[1]:.3f} {ext[2]:.3f}"
            row += f" | wheel {len(w) / len(pts):.3f} of points, inboard {inboard} of {len(w)}"
            for side in (-1, 1):
                ws = [p for p in w if (p[0] > 0) == (side > 0)]
                if len(ws) < 3:
                    continue
                cx = (max(p[0] for p in ws) + min(p[0] for p in ws)) / 2
                cy = (max(p[1] for p in ws) + min(p[1] for p in ws)) / 2
                r = max(max(p[0] for p in ws) - min(p[0] for p in ws),
                        max(p[1] for p in ws) - min(p[1] for p in ws)) / 2
                rho = [math.hypot(p[0] - cx, p[1] - cy) / r for p in ws]
                row += f" | x{'<' if side < 0 else '>'}0 r/R {pct(rho, 0.1):.2f} {pct(rho, 0.5):.2f} {pct(rho, 0.9):.2f}"
            print(row)
            if pred:
                ppath = os.path.join(pred, synset, os.path.basename(path))
                with open(ppath) as f:
                    rows = [l.split() for l in f if l.strip() and not l.startswith("x")]
                c = collections.Counter((int(float(r[6])), int(r[-1])) for r in rows)
                errs = sorted(((n, k) for k, n in c.items() if k[0] != k[1]), reverse=True)[:4]
                print("    confusions", " ".join(f"{a}->{b}:{n}" for n, (a, b) in errs))
        if exts:
            mean = [sum(e[k] for e in exts) / len(exts) for k in range(3)]
            print(f"{synset}: {len(exts)} shapes, mean extents {mean[0]:.3f} {mean[1]:.3f} {mean[2]:.3f}")


if __name__ == "__main__":
    main()
