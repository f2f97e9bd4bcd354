#!/usr/bin/env python3
"""Per-shape confusions of a model on a labelled ShapeNetPart folder: the
figures behind the session-14 generator fixes (MODEL_CARD.md, run 22: the
sheet chair's leg points called seat, the kitchen knife's handle called
blade, ...).

usage: scripts/confusions.py DATASET PREDICTIONS

  DATASET      a ShapeNetPart-layout folder (`x y z nx ny nz label` .txt files
               under <synset>/), e.g. the project's own reference set
               ../shared/data/shapenetpart-reference, or your own copy
  PREDICTIONS  `pcseg run DATASET/<synset> --format xyz -o P/<synset> -q` for
               each synset (the last column of each row is the predicted label)

Prints, per shape, its accuracy and its four largest (true -> predicted)
point counts, then the 25 largest over the whole folder, keyed by synset.
"""
import collections
import glob
import os
import sys


def labels(path, column):
    out = []
    with open(path) as f:
        for line in f:
            v = line.split()
            if len(v) > 3 and v[column].lstrip("-").replace(".", "", 1).isdigit():
                out.append(int(float(v[column])))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, pred = sys.argv[1], sys.argv[2]
    total = collections.Counter()
    for path in sorted(glob.glob(os.path.join(root, "*", "*.txt"))):
        synset = os.path.basename(os.path.dirname(path))
        token = os.path.basename(path)[:-4]
        found = sorted(glob.glob(os.path.join(pred, synset, token + "*")))
        if not found:
            continue
        true, guess = labels(path, 6), labels(found[0], -1)
        if len(true) != len(guess):
            print(f"{synset}/{token}: {len(guess)} predictions for {len(true)} points, skipped")
            continue
        errs = collections.Counter((a, b) for a, b in zip(true, guess) if a != b)
        acc = 1 - sum(errs.values()) / len(true)
        top = " ".join(f"{a}->{b}:{n}" for (a, b), n in errs.most_common(4))
        print(f"{synset}/{token[:8]} n={len(true)} acc={acc:.2f} {top}")
        for (a, b), n in errs.items():
            total[(synset, a, b)] += n
    print("largest over the folder (synset, true, predicted: points):")
    for (synset, a, b), n in total.most_common(25):
        print(f"  {synset} {a} -> {b}: {n}")


if __name__ == "__main__":
    main()
