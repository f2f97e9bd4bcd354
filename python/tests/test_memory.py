"""Arrays reach the library with at most one copy of their values.

Peak memory is measured in a fresh subprocess from /proc/self/status
(VmHWM after a reset through /proc/self/clear_refs; tracemalloc does not see
Rust allocations). Figures on the development machine, 5 M points:

  input conversion alone (_input_cloud_len):
    float32 (60 MB)            +60 MB   (1.0 x: the cloud's own f32 copy)
    float64 (120 MB)           +180 MB  (1.5 x: f32 copy + exact f64 copy)
    float64 column slice       +180 MB  (read through its strides, no extra copy)
  Model.segment, category given, 1 vote:
    float32                    +318 MB  (conversion + ~52 bytes/point pipeline)
    float64                    +438 MB
  Model.segment, category given, 2 votes (the default; each vote's
  interpolated logits are summed into one buffer):
    float64                    +518 MB  (conversion + ~68 bytes/point)

The pipeline's own working set (the normalised f32 copy, per-part logit sums,
neighbour indices, labels) is the same for both dtypes; the tests bound the
conversion by 1.5 x the array (+ 16 MB) and segment by the conversion
bound + 80 bytes/point.
"""

import os
import subprocess
import sys
import textwrap

import pytest

N = 5_000_000
MB = 1 << 20

PROBE = textwrap.dedent(
    """
    import sys, numpy as np, pcseg
    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    dtype, what, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = pcseg.Model()
    model.segment(np.random.default_rng(1).random((5000, 3)), category="Chair")  # warm up
    cols = 6 if what.endswith("slice") else 3
    x = np.random.default_rng(0).random((n, cols)).astype(dtype)[:, :3]
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current RSS
    base = status("VmRSS")
    if what.startswith("convert"):
        assert pcseg._pcseg._input_cloud_len(x) == n
    else:
        assert model.segment(x, category="Chair").labels.shape == (n,)
    print(x.nbytes, status("VmHWM") - base)
    """
)


def peak(dtype, what):
    out = subprocess.run([sys.executable, "-c", PROBE, dtype, what, str(N)],
                         check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1])


needs_proc = pytest.mark.skipif(
    not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc/self/clear_refs")


@needs_proc
@pytest.mark.parametrize("dtype, what", [("float32", "convert"), ("float64", "convert"),
                                         ("float64", "convert-slice")])
def test_the_input_is_copied_at_most_once(dtype, what):
    size, increase = peak(dtype, what)
    print(f"{dtype} {what}: array {size / MB:.0f} MB, peak increase {increase / MB:.0f} MB")
    assert increase < 1.5 * size + 16 * MB


@needs_proc
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_segment_adds_only_the_pipeline_working_set(dtype):
    size, increase = peak(dtype, "segment")
    print(f"{dtype} segment: array {size / MB:.0f} MB, peak increase {increase / MB:.0f} MB")
    assert increase < 1.5 * size + 80 * N + 16 * MB
