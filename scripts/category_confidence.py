#!/usr/bin/env python3
"""Is the part confidence a category signal? (MODEL_CARD, session 15.)

usage: scripts/category_confidence.py PCSEG DATASET WORK

Segments every shape of DATASET (ShapeNetPart layout, <synset>/<id>.txt)
under each of the 16 categories (`PCSEG run DATASET -r -o WORK/<cat>
--category <cat> --probabilities --json ...`) and with `--category auto`,
then prints, per shape, the rank of its true category by mean per-point
confidence, and how many shapes the most confident decoding and the
classifier each get right. Standard library only.
"""
import json
import os
import subprocess
import sys


def mean_confidence(path):
    with open(path) as f:
        head = f.readline().split()
        col = head.index("confidence")
        vals = [float(line.split()[col]) for line in f if line.strip()]
    return sum(vals) / len(vals)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    pcseg, data, work = sys.argv[1:]
    cats = json.loads(subprocess.check_output([pcseg, "categories", "--json"]))
    cats = cats if isinstance(cats, list) else cats["categories"]
    by_synset = {c["synset"]: c["name"].lower() for c in cats}
    conf = {}
    for c in by_synset.values():
        nd = os.path.join(work, f"{c}.ndjson")
        subprocess.run([pcseg, "run", data, "-r", "-o", os.path.join(work, c), "-q",
                        "--category", c, "--probabilities", "--json", nd], check=True)
        for line in open(nd):
            d = json.loads(line)
            conf.setdefault(d["input"], {})[c] = mean_confidence(d["output"])
    nd = os.path.join(work, "auto.ndjson")
    subprocess.run([pcseg, "run", data, "-r", "-o", os.path.join(work, "auto"), "-q",
                    "--category", "auto", "--json", nd], check=True, stderr=subprocess.DEVNULL)
    chosen = {json.loads(l)["input"]: json.loads(l)["category"].lower() for l in open(nd)}
    by_conf = by_cls = 0
    for inp in sorted(conf):
        truth = by_synset[os.path.basename(os.path.dirname(inp))]
        ranked = sorted(conf[inp], key=conf[inp].get, reverse=True)
        by_conf += ranked[0] == truth
        by_cls += chosen[inp] == truth
        print(f"{os.path.basename(inp)[:8]} {truth:<10} rank {ranked.index(truth) + 1:>2}"
              f"  most confident {ranked[0]:<10} classifier {chosen[inp]}")
    print(f"most confident decoding right on {by_conf} of {len(conf)}; classifier {by_cls}")


if __name__ == "__main__":
    main()
