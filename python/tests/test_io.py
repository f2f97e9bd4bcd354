"""pcseg.read / pcseg.write / pcseg.categories: the library's readers and writers."""

import numpy as np
import pytest

import pcseg
from conftest import SAMPLES, cli_categories_json, sample


def test_float32_coordinates_read_back_as_float32(tmp_path):
    xyz = sample("mug")[0].astype(np.float32)
    for name in ["a.ply", "a.xyz", "a.csv", "a.txt"]:
        pcseg.write(tmp_path / name, xyz)
        got = pcseg.read(tmp_path / name)
        assert got["xyz"].dtype == np.float32, name
        np.testing.assert_array_equal(got["xyz"], xyz)
        assert got["normals"] is None and got["labels"] is None and got["extra"] == {}


def test_float64_coordinates_float32_cannot_hold_come_back_exactly(tmp_path):
    xyz = sample("mug")[0] * 1000.0 + 1e-7
    normals = np.tile([0.0, 0.6, 0.8], (len(xyz), 1)) + 1e-12
    for name in ["b.ply", "b.xyz", "b_ascii.ply"]:
        pcseg.write(tmp_path / name, xyz, normals=normals, ascii=name.endswith("ascii.ply"))
        got = pcseg.read(tmp_path / name)
        assert got["xyz"].dtype == np.float64 and got["normals"].dtype == np.float64, name
        np.testing.assert_array_equal(got["xyz"], xyz)
        np.testing.assert_array_equal(got["normals"], normals)


def test_labels_and_extra_properties_keep_their_types(tmp_path):
    xyz = sample("chair")[0].astype(np.float32)
    n = len(xyz)
    extra = {
        "intensity": np.arange(n, dtype=np.uint16),
        "red": (np.arange(n) % 256).astype(np.uint8),
        "t": np.linspace(0, 1, n),
        "w": np.linspace(-1, 1, n).astype(np.float32),
        "i8": (np.arange(n) % 100 - 50).astype(np.int8),
    }
    labels = np.arange(n) % 4 + 12  # int64, numpy's default
    pcseg.write(tmp_path / "c.ply", xyz, labels=labels, extra=extra)
    got = pcseg.read(tmp_path / "c.ply")
    np.testing.assert_array_equal(got["labels"], labels)
    assert got["labels"].dtype == np.uint32
    assert list(got["extra"]) == list(extra)
    for k, v in extra.items():
        assert got["extra"][k].dtype == v.dtype, k
        np.testing.assert_array_equal(got["extra"][k], v)
    assert got["format"] == "ply"


def test_every_format_pcseg_run_reads(tmp_path):
    got = pcseg.read(SAMPLES / "chair.txt")  # x y z nx ny nz label
    assert got["xyz"].shape == (2660, 3) and got["normals"].shape == (2660, 3)
    assert got["format"] == "xyz" and set(np.unique(got["labels"])) <= {12, 13, 14, 15}
    # ShapeNetPart v0: <synset>/points/<token>.pts with ../points_label/<token>.seg
    pts = tmp_path / "03001627" / "points"
    seg = tmp_path / "03001627" / "points_label"
    pts.mkdir(parents=True)
    seg.mkdir()
    np.savetxt(pts / "s.pts", got["xyz"][:50], fmt="%.6f")
    np.savetxt(seg / "s.seg", got["labels"][:50] - 11, fmt="%d")
    v0 = pcseg.read(pts / "s.pts")
    np.testing.assert_array_equal(v0["labels"], got["labels"][:50])
    # Text with named columns.
    (tmp_path / "named.txt").write_text("x,y,z,intensity\n1,2,3,7\n4,5,6,8\n")
    named = pcseg.read(tmp_path / "named.txt")
    np.testing.assert_array_equal(named["extra"]["intensity"], [7, 8])
    cols = pcseg.read(tmp_path / "named.txt", columns=["x", "y", "z", "label"])
    np.testing.assert_array_equal(cols["labels"], [7, 8])
    # A PLY under another extension, by format.
    pcseg.write(tmp_path / "cloud.bin", got["xyz"], format="ply")
    assert pcseg.read(tmp_path / "cloud.bin", format="ply")["xyz"].shape == (2660, 3)


def test_file_errors_are_os_errors_and_bad_content_value_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^missing\.ply: No such file or directory"):
        pcseg.read("missing.ply")
    bad = tmp_path / "bad.xyz"
    bad.write_text("1 2 3\n4 5\n")
    with pytest.raises(ValueError, match=r"bad\.xyz: line 2: "):
        pcseg.read(bad)
    with pytest.raises(ValueError, match=r"unknown format 'obj'"):
        pcseg.read(bad, format="obj")
    with pytest.raises(OSError, match=r"nowhere/x\.ply"):
        pcseg.write(tmp_path / "nowhere" / "x.ply", np.zeros((2, 3)))


def test_a_refused_write_leaves_the_existing_file_alone(tmp_path):
    path = tmp_path / "keep.ply"
    xyz = sample("lamp")[0]
    pcseg.write(path, xyz)
    before = path.read_bytes()
    bad = xyz.copy()
    bad[4, 1] = np.nan
    for kwargs, message in [
        (dict(xyz=bad), r"point 4: non-finite coordinate or normal$"),
        (dict(xyz=xyz, labels=np.full(len(xyz), -1)), r"point 0: label -1 is not in"),
        (dict(xyz=xyz, labels=np.zeros(3, dtype=np.int32)), r"labels has 3 entries for 2660"),
        (dict(xyz=xyz, extra={"k": np.zeros(len(xyz), dtype=np.int64)}),
         r"extra 'k' has dtype int64, which PLY cannot store"),
        (dict(xyz=xyz, labels=np.zeros(len(xyz))), r"labels has dtype float64; expected integers"),
    ]:
        with pytest.raises(ValueError, match=message):
            pcseg.write(path, **kwargs)
        assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.ply"]


def test_categories_are_those_of_the_cli(cli):
    assert [dict(c, parts=[dict(p, colour=list(p["colour"])) for p in c["parts"]])
            for c in pcseg.categories()] == cli_categories_json(cli)


def test_categories_without_the_cli():
    cats = pcseg.categories()
    assert len(cats) == 16 and sum(len(c["parts"]) for c in cats) == 50
    chair = next(c for c in cats if c["name"] == "Chair")
    assert chair["synset"] == "03001627" and chair["parts"][0]["id"] == 12


def test_a_mesh_is_sampled_by_area_with_face_normals(tmp_path):
    # A unit square in z = 0 as two triangles: every sample lies on it with
    # the face normal, and the draw repeats for a seed.
    path = tmp_path / "square.off"
    path.write_text("OFF\n4 2 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n3 0 1 2\n3 0 2 3\n")
    got = pcseg.read(path, mesh_points=400, seed=3)
    assert got["format"] == "mesh"
    assert got["xyz"].shape == (400, 3)
    np.testing.assert_allclose(got["xyz"][:, 2], 0.0)
    np.testing.assert_allclose(np.abs(got["normals"][:, 2]), 1.0, rtol=1e-6)
    again = pcseg.read(path, mesh_points=400, seed=3)
    np.testing.assert_array_equal(got["xyz"], again["xyz"])
    other = pcseg.read(path, mesh_points=400, seed=4)
    assert not np.array_equal(got["xyz"], other["xyz"])
