"""Shared fixtures: the repository, the pcseg CLI binary, small test clouds."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import pcseg

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "assets" / "samples"


def cli_path():
    """The pcseg binary: $PCSEG_BIN, else target/release/pcseg (built by
    `cargo build --release`; .ci/run builds it), else $CARGO_TARGET_DIR's."""
    candidates = [os.environ.get("PCSEG_BIN")]
    if os.environ.get("CARGO_TARGET_DIR"):
        candidates.append(str(Path(os.environ["CARGO_TARGET_DIR"]) / "release" / "pcseg"))
    candidates.append(str(ROOT / "target" / "release" / "pcseg"))
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    return None


@pytest.fixture(scope="session")
def cli():
    """Run the pcseg CLI; skips when it is not built."""
    path = cli_path()
    if path is None:
        pytest.skip("the pcseg CLI is not built: run `cargo build --release` "
                    "(or set PCSEG_BIN) to compare with `pcseg run`")

    def run(*args):
        return subprocess.run([path, *map(str, args)], check=True, capture_output=True, text=True)

    return run


@pytest.fixture(scope="session")
def model():
    return pcseg.Model()


def sample(name):
    """A shipped sample cloud: (xyz float64, normals float64)."""
    a = np.loadtxt(SAMPLES / f"{name}.txt")
    return a[:, :3].copy(), a[:, 3:6].copy()


def small_clouds(count, seed=0, lo=400, hi=900):
    """`count` small float32 clouds: random subsets of the samples, jittered
    and rotated about the vertical axis (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    names = ["airplane", "chair", "guitar", "lamp", "mug", "table"]
    bases = [sample(n)[0] for n in names]
    out = []
    for i in range(count):
        base = bases[i % len(bases)]
        idx = rng.choice(len(base), size=int(rng.integers(lo, hi)), replace=False)
        t = rng.uniform(0, 2 * np.pi)
        rot = np.array([[np.cos(t), 0, np.sin(t)], [0, 1, 0], [-np.sin(t), 0, np.cos(t)]])
        xyz = base[idx] @ rot.T + rng.normal(0, 0.005, size=(len(idx), 3))
        out.append(xyz.astype(np.float32))
    return out


def cli_labels(path):
    """The labels of a `pcseg run` output."""
    return pcseg.read(path)["labels"].astype(np.int32)


def cli_categories_json(cli):
    return json.loads(cli("categories", "--json").stdout)
