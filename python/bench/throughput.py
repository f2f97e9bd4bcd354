"""segment_many over N clouds vs `pcseg run FOLDER` on the same clouds.

    python python/bench/throughput.py [N] [PCSEG_BIN]

Writes N float32 PLY clouds of 2,000-2,660 points (jittered, rotated
subsets of assets/samples) to a temporary folder, then times, alternately
and twice each: `pcseg run FOLDER -o OUT -q` (read, segment, write) and
pcseg.read of every file + Model.segment_many (read + segment) and
segment_many alone. Prints clouds/s of each and checks the labels agree.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import pcseg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python" / "tests"))
from conftest import small_clouds  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    cli = sys.argv[2] if len(sys.argv) > 2 else str(ROOT / "target" / "release" / "pcseg")
    model = pcseg.Model()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        clouds = small_clouds(n, seed=42, lo=2000, hi=2660)
        for i, xyz in enumerate(clouds):
            pcseg.write(src / f"c{i:05d}.ply", xyz)
        files = sorted(str(p) for p in src.iterdir())
        rates = {"cli run (read+segment+write)": [], "read + segment_many": [],
                 "segment_many alone": []}
        for _ in range(2):
            out = Path(tmp) / "out"
            t = time.perf_counter()
            subprocess.run([cli, "run", str(src), "-o", str(out), "-q"], check=True,
                           stderr=subprocess.DEVNULL)  # low-confidence warnings
            rates["cli run (read+segment+write)"].append(n / (time.perf_counter() - t))
            t = time.perf_counter()
            xyzs = [pcseg.read(f)["xyz"] for f in files]
            t2 = time.perf_counter()
            segs = model.segment_many(xyzs)
            t3 = time.perf_counter()
            rates["read + segment_many"].append(n / (t3 - t))
            rates["segment_many alone"].append(n / (t3 - t2))
        same = all(np.array_equal(s.labels, pcseg.read(out / Path(f).name)["labels"])
                   for s, f in zip(segs, files))
        print(f"{n} clouds of 2,000-2,660 points, {os.cpu_count()} CPUs; labels equal: {same}")
        for k, v in rates.items():
            print(f"  {k:<30} " + "  ".join(f"{r:6.1f}" for r in v) + "  clouds/s")


if __name__ == "__main__":
    main()
