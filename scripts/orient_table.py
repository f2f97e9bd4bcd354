#!/usr/bin/env python3
"""Measure `pcseg run --orient auto` on a dataset turned into all 24 axis-aligned
frames (MODEL_CARD.md, Orientation).

usage: scripts/orient_table.py PCSEG ALIGNED ROTATED SPLIT OUT [--auto] [-- EXTRA...]

  PCSEG    the pcseg binary
  ALIGNED  the dataset in the model's frame (e.g. ../shared/data/shapenetpart-reference)
  ROTATED  its 24 turned copies, written by scripts/rotate_dataset.py (ROTATED/<up>_<front>/)
  SPLIT    the split to score (val for the reference set, all for the samples)
  OUT      a scratch folder for the outputs
  --auto   let the network choose the category too (`--category auto`)
  EXTRA    more `pcseg run` / `pcseg eval` options (e.g. --model M --votes 1)

For each frame F, `pcseg run ROTATED/F --orient auto --json` labels every
shape and `pcseg eval ROTATED/F --predictions` scores it. Prints one Markdown
table row: the share of (shape, frame) pairs whose orientation record names F
("frame exact") or at least F's up axis ("up right"), the share labelled as
the aligned run labels it (at least 99 % of points the same label: symmetric
shapes are recovered in more than one frame), the category right (with
--auto), and the instance / class mIoU of the aligned run, of --orient auto
(mean over the 24 frames) and of running without --orient (mean over the 24
frames).
"""
import json
import os
import subprocess
import sys


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def labels_of(path):
    """The last column of a labelled text file written by `pcseg run`."""
    with open(path) as f:
        next(f)  # header line
        return [line.split()[-1] for line in f if line.strip()]


def outputs(folder):
    """token -> output path, for every labelled file under folder."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".txt"):
                found[os.path.splitext(name)[0]] = os.path.join(root, name)
    return found


def scored(pcseg, dataset, split, predictions, extra):
    report = os.path.join(predictions, "eval.json")
    run([pcseg, "eval", dataset, "--split", split, "--predictions", predictions,
         "-q", "--json", report] + extra)
    with open(report) as f:
        r = json.load(f)
    return r["instance_miou"], r["class_miou"]


def segment(pcseg, dataset, out, split, extra, orient, auto):
    cmd = [pcseg, "run", dataset, "-o", out, "-q", "--json", out + ".ndjson"] + extra
    if orient:
        cmd += ["--orient", "auto"]
    if auto:
        cmd += ["--category", "auto"]
    run(cmd)
    with open(out + ".ndjson") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return records, scored(pcseg, dataset, split, out, [])


def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        i = args.index("--")
        args, extra = args[:i], args[i + 1:]
    auto = "--auto" in args
    args = [a for a in args if a != "--auto"]
    pcseg, aligned, rotated, split, out = args
    run_extra = extra  # run's options; eval --predictions needs none
    os.makedirs(out, exist_ok=True)

    base_out = os.path.join(out, "aligned")
    base_records, base_miou = segment(pcseg, aligned, base_out, split, run_extra, False, auto)
    base_labels = {t: labels_of(p) for t, p in outputs(base_out).items()}
    truth = {os.path.splitext(os.path.basename(r["input"]))[0]: os.path.basename(os.path.dirname(r["input"]))
             for r in base_records}

    pairs = exact = up_right = same = cat_right = 0
    auto_miou, plain_miou = [0.0, 0.0], [0.0, 0.0]
    frames = sorted(os.listdir(rotated))
    for frame in frames:
        up, front = (a.lstrip("+") for a in frame.split("_"))
        d = os.path.join(rotated, frame)
        o = os.path.join(out, frame)
        records, miou = segment(pcseg, d, o, split, run_extra, True, auto)
        _, plain = segment(pcseg, d, o + "-plain", split, run_extra, False, auto)
        for k in range(2):
            auto_miou[k] += miou[k] / len(frames)
            plain_miou[k] += plain[k] / len(frames)
        labelled = outputs(o)
        for r in records:
            token = os.path.splitext(os.path.basename(r["input"]))[0]
            pairs += 1
            got = r["orientation"]
            exact += got["up"] == up and got["front"] == front
            up_right += got["up"] == up
            a, b = base_labels[token], labels_of(labelled[token])
            same += sum(x == y for x, y in zip(a, b)) >= 0.99 * len(a)
            if auto:
                from_synset = truth[token]
                cat_right += r["category"] == category_name(from_synset)
    row = [f"{100 * exact / pairs:.1f}%", f"{100 * up_right / pairs:.1f}%", f"{100 * same / pairs:.1f}%"]
    if auto:
        row[-1] += f" (category right {100 * cat_right / pairs:.1f}%)"
    row += [f"{base_miou[0]:.2f} / {base_miou[1]:.2f}", f"{auto_miou[0]:.2f} / {auto_miou[1]:.2f}",
            f"{plain_miou[0]:.2f} / {plain_miou[1]:.2f}"]
    print(f"{pairs} pairs, {len(frames)} frames")
    print("| " + " | ".join(row) + " |")


SYNSETS = {
    "02691156": "Airplane", "02773838": "Bag", "02954340": "Cap", "02958343": "Car",
    "03001627": "Chair", "03261776": "Earphone", "03467517": "Guitar", "03624134": "Knife",
    "03636649": "Lamp", "03642806": "Laptop", "03790512": "Motorbike", "03797390": "Mug",
    "03948459": "Pistol", "04099429": "Rocket", "04225987": "Skateboard", "04379243": "Table",
}


def category_name(synset):
    return SYNSETS.get(synset, synset)


if __name__ == "__main__":
    main()
