#!/usr/bin/env python3
"""Test-time ball radii: does grouping sparse clouds over wider (or narrower)
balls help? The figures of MODEL_CARD.md's session-20 study.

usage: scripts/radius_study.py PCSEG MODEL DATASET SPLIT [SCALE ...]

  PCSEG    the pcseg binary (target/release/pcseg)
  MODEL    a model file (e.g. assets/ssg-mbv2-wide.safetensors)
  DATASET  a ShapeNetPart-layout folder, e.g. the project's own measurement
           data ../shared/data/shapenetpart-reference, or your own copy
  SPLIT    val, test, all, ...
  SCALE    factors for both set-abstraction radii (default 0.85 1 1.25 1.5)

For each scale, writes a copy of MODEL whose `config` metadata has the SA1
and SA2 radii multiplied (the weights untouched; the position term divides
by the radius, so the relative positions keep their range) and prints
`pcseg eval DATASET --split SPLIT --model COPY`'s instance and class mIoU.
Stdlib only.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile


def scaled_copy(src, dst, scale):
    with open(src, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    config = json.loads(header["__metadata__"]["config"])
    for level in config["levels"]:
        level["radius"] *= scale
    header["__metadata__"]["config"] = json.dumps(config)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + data[8 + n:])


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    pcseg, model, dataset, split = sys.argv[1:5]
    scales = [float(s) for s in sys.argv[5:]] or [0.85, 1.0, 1.25, 1.5]
    with tempfile.TemporaryDirectory() as tmp:
        for scale in scales:
            copy = os.path.join(tmp, f"r{scale}.safetensors")
            scaled_copy(model, copy, scale)
            report = os.path.join(tmp, "report.json")
            subprocess.run([pcseg, "eval", dataset, "--split", split, "--model", copy,
                            "--json", report, "-q"], check=True, stdout=subprocess.DEVNULL)
            with open(report) as f:
                r = json.load(f)
            print(f"radius x {scale:g}: instance {r['instance_miou']:.2f}, class {r['class_miou']:.2f}")


if __name__ == "__main__":
    main()
