#!/usr/bin/env python3
"""Score models over several sampling seeds: one seed of a small sparse
set (the 52 reference shapes of ~240 points) moves instance mIoU by about
+-0.5, more than most differences between runs (MODEL_CARD.md, study 27).

usage: scripts/seed_sweep.py PCSEG DATASET SPLIT SEEDS MODEL [MODEL ...]

  PCSEG    the pcseg binary (target/release/pcseg)
  DATASET  a ShapeNetPart-layout folder, e.g. the project's own measurement
           data ../shared/data/shapenetpart-reference, or your own copy
  SPLIT    val, test, all, ...
  SEEDS    how many sampling seeds, from 0 (6 in the MODEL_CARD tables)
  MODEL    model files or checkpoints; `-` for the embedded model

Prints per model the instance and class mIoU of every seed and their means
(`pcseg eval DATASET --split SPLIT --seed S --model MODEL --json FILE`).
Stdlib only.
"""
import json
import os
import subprocess
import sys
import tempfile


def score(pcseg, dataset, split, seed, model):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        cmd = [pcseg, "eval", dataset, "--split", split, "--seed", str(seed),
               "--json", out, "-q"]
        if model != "-":
            cmd += ["--model", model]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            r = json.load(f)
    return r["instance_miou"], r["class_miou"]


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    pcseg, dataset, split, seeds = sys.argv[1:5]
    for model in sys.argv[5:]:
        runs = [score(pcseg, dataset, split, s, model) for s in range(int(seeds))]
        inst = [r[0] for r in runs]
        cls = [r[1] for r in runs]
        print(f"{model}: instance {sum(inst) / len(inst):.2f} "
              f"({' '.join(f'{x:.2f}' for x in inst)}), "
              f"class {sum(cls) / len(cls):.2f}")


if __name__ == "__main__":
    main()
