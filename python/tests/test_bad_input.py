"""Bad arrays and options raise with the CLI's one-line messages."""

import numpy as np
import pytest

from conftest import sample

XYZ = sample("chair")[0]


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros((10, 2)), r"^<array>: xyz has shape \(10, 2\); expected \(N, 3\)$"),
        (np.zeros(30), r"^<array>: xyz has shape \(30,\); expected \(N, 3\)$"),
        (np.zeros((2, 5, 3)), r"^<array>: xyz has shape \(2, 5, 3\); expected \(N, 3\)$"),
        (XYZ.astype(np.float16), r"^<array>: xyz has dtype float16; expected float32 or float64$"),
        (XYZ.astype(np.int64), r"^<array>: xyz has dtype int64; expected float32 or float64$"),
        (XYZ.astype(">f8"), r"^<array>: xyz has dtype >f8; expected float32 or float64$"),
        (np.zeros((0, 3)), r"^<array>: no points$"),
        (np.zeros((0, 3), dtype=np.float32), r"^<array>: no points$"),
    ],
)
def test_bad_arrays_are_refused(model, array, message):
    with pytest.raises(ValueError, match=message):
        model.segment(array)


@pytest.mark.parametrize(
    "dtype, bad",
    [(d, b) for d in (np.float32, np.float64) for b in (np.nan, np.inf, -np.inf)]
    + [(np.float64, 1e300)],  # finite in float64, beyond float32
)
def test_non_finite_values_are_refused_naming_the_point(model, dtype, bad):
    xyz = XYZ.astype(dtype)
    xyz[7, 2] = bad
    with pytest.raises(ValueError, match=r"^<array>: point 7: non-finite coordinate or normal$"):
        model.segment(xyz)
    normals = np.zeros_like(xyz)
    normals[3, 0] = np.nan
    with pytest.raises(ValueError, match=r"^<array>: point 3: non-finite coordinate or normal$"):
        model.segment(XYZ, normals)


def test_normals_of_another_length_or_shape(model):
    with pytest.raises(ValueError, match=r"^<array>: normals has 5 entries for 2660 points$"):
        model.segment(XYZ, np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"^<array>: normals has shape \(2660, 2\); expected"):
        model.segment(XYZ, np.zeros((2660, 2)))


def test_segment_many_names_the_bad_cloud(model):
    with pytest.raises(ValueError, match=r"^<array 1>: no points$"):
        model.segment_many([XYZ, np.zeros((0, 3)), XYZ])


def test_not_an_array_is_a_type_error(model):
    with pytest.raises(TypeError, match=r"^<array>: xyz must be a numpy array, not list"):
        model.segment([[0.0, 0.0, 0.0]])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(category="sofa"), r"^unknown category 'sofa'; valid: auto, airplane, bag"),
        (dict(points=0), r"^points 0: must be at least 1$"),
        (dict(points=70000), r"^points 70000: at most 65536 points per forward pass$"),
        (dict(votes=0), r"^votes 0: must be at least 1$"),
        (dict(votes=65), r"^votes 65: at most 64 votes$"),
        (dict(whole_max=70000), r"^whole_max 70000: at most 65536 points per forward pass$"),
    ],
)
def test_bad_options_are_refused(model, kwargs, message):
    with pytest.raises(ValueError, match=message):
        model.segment(XYZ, **kwargs)
