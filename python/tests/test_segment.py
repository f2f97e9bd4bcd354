"""Model.segment / segment_many: the CLI's results on the same clouds."""

import json
import subprocess

import numpy as np
import pytest
import trimesh

import pcseg
from conftest import SAMPLES, cli_labels, sample, small_clouds


def test_the_default_model_finds_the_sample_chair(model):
    xyz = np.loadtxt(SAMPLES / "chair.txt")[:, :3]  # a float64 column slice
    seg = model.segment(xyz)
    assert seg.category == "Chair"
    assert seg.labels.dtype == np.int32 and seg.labels.shape == (len(xyz),)
    assert 0 < seg.confidence <= 1 and 0 <= seg.margin <= seg.confidence
    assert seg.part_names == ["back", "seat", "leg", "arm"]
    assert set(np.unique(seg.labels)) <= set(range(seg.first_part, seg.first_part + 4))
    assert set(seg.scores) == {c["name"] for c in pcseg.categories()}


def test_a_cloud_read_with_trimesh_gets_the_labels_of_pcseg_run(model, cli, tmp_path):
    xyz, _ = sample("table")
    path = tmp_path / "table.ply"
    pcseg.write(path, xyz.astype(np.float32))
    cloud = trimesh.load(path)
    vertices = np.asarray(cloud.vertices)
    assert vertices.dtype == np.float64 and len(vertices) == len(xyz)
    for opts, flags in [
        ({}, []),
        (dict(category="Table", points=1024, votes=3, seed=7, whole_max=0),
         ["--category", "Table", "--points", "1024", "--votes", "3", "--seed", "7",
          "--whole-max", "0"]),
    ]:
        out = tmp_path / "out.ply"
        record = tmp_path / "run.json"
        cli("run", path, "-o", out, "-q", "--json", record, *flags)
        seg = model.segment(vertices, **opts)
        assert seg.category == json.loads(record.read_text())["category"]
        np.testing.assert_array_equal(seg.labels, cli_labels(out))


def test_float64_coordinates_float32_cannot_hold_match_a_double_ply(model, cli, tmp_path):
    xyz, normals = sample("lamp")
    xyz = xyz * 1000.0 + np.pi  # not representable in float32
    path = tmp_path / "lamp.ply"
    pcseg.write(path, xyz, normals=normals)
    assert pcseg.read(path)["xyz"].dtype == np.float64
    out = tmp_path / "out.ply"
    cli("run", path, "-o", out, "-q", "--votes", "2")
    seg = model.segment(xyz, normals, votes=2)
    np.testing.assert_array_equal(seg.labels, cli_labels(out))


def test_segment_many_equals_segment_and_a_folder_run(model, cli, tmp_path):
    clouds = small_clouds(24, seed=3)
    src = tmp_path / "in"
    src.mkdir()
    for i, xyz in enumerate(clouds):
        pcseg.write(src / f"c{i:03d}.ply", xyz)
    cli("run", src, "-o", tmp_path / "out", "-q", "--seed", "5")
    many = model.segment_many(clouds, seed=5)
    assert len(many) == len(clouds)
    for i, (xyz, seg) in enumerate(zip(clouds, many)):
        np.testing.assert_array_equal(seg.labels, cli_labels(tmp_path / "out" / f"c{i:03d}.ply"))
        one = model.segment(xyz, seed=5)
        np.testing.assert_array_equal(seg.labels, one.labels)
        assert (seg.category, seg.confidence) == (one.category, one.confidence)


def test_segment_many_takes_normals_per_cloud(model):
    (a, na), (b, _) = sample("mug"), sample("guitar")
    many = model.segment_many([a, b], normals=[na, None], category="auto")
    np.testing.assert_array_equal(many[0].labels, model.segment(a, na).labels)
    np.testing.assert_array_equal(many[1].labels, model.segment(b).labels)
    with pytest.raises(ValueError, match=r"^normals: 1 arrays for 2 clouds$"):
        model.segment_many([a, b], normals=[na])


def test_probabilities_are_the_softmax_whose_argmax_is_the_labels(model):
    xyz, normals = sample("airplane")
    seg = model.segment(xyz, normals, category="airplane", votes=2, probabilities=True)
    p = seg.probabilities
    assert p.dtype == np.float32 and p.shape == (len(xyz), len(seg.part_names))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(p.argmax(axis=1) + seg.first_part, seg.labels)
    assert seg.confidence is None and seg.margin is None and seg.scores is None
    assert model.segment(xyz).probabilities is None


def test_a_given_category_by_synset_or_any_case(model):
    xyz, _ = sample("mug")
    a = model.segment(xyz, category="03797390")
    b = model.segment(xyz, category="MUG")
    assert a.category == b.category == "Mug"
    np.testing.assert_array_equal(a.labels, b.labels)


def test_float32_and_strided_inputs_give_the_same_labels(model):
    xyz, _ = sample("chair")
    x32 = xyz.astype(np.float32)
    base = model.segment(x32).labels
    wide = np.empty((len(xyz), 5), dtype=np.float32)
    wide[:, 1:4] = x32
    np.testing.assert_array_equal(model.segment(wide[:, 1:4]).labels, base)
    np.testing.assert_array_equal(model.segment(np.asfortranarray(x32)).labels, base)
    np.testing.assert_array_equal(model.segment(x32.astype(np.float64)).labels, base)


def test_the_model_reports_where_it_comes_from(model, tmp_path):
    assert model.origin == "embedded" and model.trained
    with pytest.raises(FileNotFoundError, match=r"^nowhere\.safetensors: No such file"):
        pcseg.Model.load("nowhere.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a model")
    with pytest.raises(ValueError, match=r"bad\.safetensors"):
        pcseg.Model.load(bad)


def test_bf16_precision_gives_the_cli_labels_or_a_value_error(cli, tmp_path):
    with pytest.raises(ValueError, match="unknown precision"):
        pcseg.Model(precision="f16")
    assert pcseg.Model().precision == "f32"
    xyz, _ = sample("table")
    path = tmp_path / "table.ply"
    pcseg.write(path, xyz.astype(np.float32))
    out = tmp_path / "out.ply"
    try:
        model = pcseg.Model(precision="bf16")
    except ValueError as e:
        # No AMX here: the CLI refuses too, with the same reason.
        assert "AMX" in str(e)
        with pytest.raises(subprocess.CalledProcessError) as refused:
            cli("run", path, "-o", out, "-q", "--precision", "bf16")
        assert "AMX" in refused.value.stderr and not out.exists()
        return
    assert model.precision == "bf16"
    cli("run", path, "-o", out, "-q", "--precision", "bf16")
    np.testing.assert_array_equal(model.segment(xyz).labels, cli_labels(out))
