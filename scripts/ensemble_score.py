#!/usr/bin/env python3
"""Score a probability ensemble of several models on a ShapeNetPart-layout
folder: each model labels every shape with `pcseg run --probabilities all`
(category from the synset folder), the per-point part probabilities are
summed over models, and the argmax is scored with the ShapeNetPart metric
(per shape the mean part IoU over its category's parts, a part absent from
both prediction and truth counting 1; instance = mean over shapes, class =
mean over categories). One model scores as `pcseg run` labels.

usage: scripts/ensemble_score.py PCSEG DATASET SEED OUT SPEC [SPEC ...]

  PCSEG    the pcseg binary (target/release/pcseg)
  DATASET  e.g. the project's own measurement data
           ../shared/data/shapenetpart-reference, or your own copy
  SEED     `pcseg run --seed`
  OUT      folder for the runs' outputs (reused when present)
  SPEC     MODEL[:VOTES]; MODEL `-` is the embedded model

MODEL_CARD run 29: `- /tmp/avg24-31.safetensors` at seed 0 gave 73.16 /
73.80, `-` alone 72.96 / 73.81, `-:4` 73.11 / 73.95. Stdlib only.
"""
import collections
import os
import subprocess
import sys


def run_all(pcseg, dataset, seed, out, spec):
    """`pcseg run` of every synset folder of `dataset` into `out`."""
    model, _, votes = spec.partition(":")
    for syn in sorted(os.listdir(dataset)):
        src = os.path.join(dataset, syn)
        if not (os.path.isdir(src) and syn.isdigit()):
            continue
        cmd = [pcseg, "run", src, "-o", os.path.join(out, syn),
               "--probabilities", "all", "--out-format", "xyz", "-q", "--seed", seed]
        if model != "-":
            cmd += ["--model", model]
        if votes:
            cmd += ["--votes", votes]
        subprocess.run(cmd, check=True)


def read_output(path):
    """(probabilities per point, true labels, first part id) of one output."""
    lines = open(path).read().split("\n")
    head = lines[0].split()
    cols = [i for i, h in enumerate(head) if h.startswith("prob_")]
    truth, label = head.index("source_label"), head.index("label")
    rows = [line.split() for line in lines[1:] if line.strip()]
    probs = [[float(r[i]) for i in cols] for r in rows]
    # The written label is the first part id plus the argmax column.
    best = max(range(len(cols)), key=lambda j: probs[0][j])
    return probs, [int(r[truth]) for r in rows], int(rows[0][label]) - best


def main():
    pcseg, dataset, seed, out = sys.argv[1:5]
    specs = sys.argv[5:]
    runs = []
    for i, spec in enumerate(specs):
        d = os.path.join(out, f"s{seed}_{i}")
        if not os.path.isdir(d):
            run_all(pcseg, dataset, seed, d, spec)
        runs.append(d)
    per_cat = collections.defaultdict(list)
    for syn in sorted(os.listdir(runs[0])):
        for f in sorted(os.listdir(os.path.join(runs[0], syn))):
            summed = None
            for d in runs:
                probs, truth, first = read_output(os.path.join(d, syn, f))
                summed = probs if summed is None else [
                    [a + b for a, b in zip(x, y)] for x, y in zip(summed, probs)]
            parts = range(len(summed[0]))
            pred = [first + max(parts, key=lambda j: row[j]) for row in summed]
            ious = []
            for part in range(first, first + len(parts)):
                inter = sum(1 for a, b in zip(pred, truth) if a == part and b == part)
                union = sum(1 for a, b in zip(pred, truth) if a == part or b == part)
                ious.append(1.0 if union == 0 else inter / union)
            per_cat[syn].append(sum(ious) / len(ious))
    shapes = [v for vs in per_cat.values() for v in vs]
    inst = 100 * sum(shapes) / len(shapes)
    cls = 100 * sum(sum(vs) / len(vs) for vs in per_cat.values()) / len(per_cat)
    print(f"seed {seed} {' + '.join(specs)}: instance {inst:.2f} class {cls:.2f}")


if __name__ == "__main__":
    main()
