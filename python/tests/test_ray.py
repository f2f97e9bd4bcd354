"""pcseg.ray: the map_batches callable, alone and on a 2-worker local Ray."""

import os
import time

import numpy as np
import pytest

import pcseg
from conftest import cli_labels, small_clouds
from pcseg.ray import RESULT_COLUMNS, Segmenter, segment_files


def write_inputs(folder, count, seed):
    folder.mkdir()
    paths = []
    for i, xyz in enumerate(small_clouds(count, seed=seed, lo=300, hi=700)):
        p = folder / f"s{i:04d}.ply"
        pcseg.write(p, xyz)
        paths.append(str(p))
    return paths


def test_the_segmenter_labels_a_batch_as_pcseg_run(cli, tmp_path):
    paths = write_inputs(tmp_path / "in", 6, seed=11)
    bad = tmp_path / "in" / "bad.xyz"
    bad.write_text("1 2 3\n4 5\n")
    labelled = tmp_path / "in" / "labelled.ply"
    xyz = pcseg.read(paths[0])["xyz"]
    pcseg.write(labelled, xyz, labels=np.full(len(xyz), 7, dtype=np.uint8))
    batch = {"path": np.array(paths + [str(bad), str(labelled)], dtype=object)}
    out = Segmenter(output_dir=str(tmp_path / "out"), seed=3)(batch)
    assert list(out) == RESULT_COLUMNS
    cli("run", *paths, labelled, "-o", tmp_path / "cli", "-q", "--seed", "3")
    for p, o, err in zip(paths + [str(labelled)], out["output"][[0, 1, 2, 3, 4, 5, 7]],
                         out["error"][[0, 1, 2, 3, 4, 5, 7]]):
        assert err == ""
        name = os.path.basename(p)
        np.testing.assert_array_equal(cli_labels(o), cli_labels(tmp_path / "cli" / name))
    assert out["error"][6].startswith(f"{bad}: line 2: ") and out["output"][6] == ""
    kept = pcseg.read(out["output"][7])["extra"]["source_label"]
    np.testing.assert_array_equal(kept, 7)


def test_bytes_batches_need_no_shared_filesystem(tmp_path):
    paths = write_inputs(tmp_path / "in", 3, seed=12)
    batch = {"path": np.array(paths, dtype=object),
             "bytes": np.array([open(p, "rb").read() for p in paths], dtype=object)}
    by_bytes = Segmenter(output_dir=str(tmp_path / "a"))(batch)
    by_path = Segmenter(output_dir=str(tmp_path / "b"))({"path": batch["path"]})
    for a, b in zip(by_bytes["output"], by_path["output"]):
        np.testing.assert_array_equal(cli_labels(a), cli_labels(b))


def test_a_ray_pipeline_on_two_local_workers_matches_pcseg_run(cli, tmp_path):
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'ray[data]')")
    paths = write_inputs(tmp_path / "in", 300, seed=13)
    cli("run", tmp_path / "in", "-o", tmp_path / "cli", "-q")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False
        start = time.perf_counter()
        table = segment_files(paths, str(tmp_path / "out"), concurrency=2, batch_size=25)
        seconds = time.perf_counter() - start
        print(f"\nRay, 2 local workers: {len(paths)} files in {seconds:.1f} s "
              f"({len(paths) / seconds:.0f} files/s, including worker start-up)")
        # One worker: the read tasks need a CPU of the two as well.
        ds = ray.data.read_binary_files(paths[:20], include_paths=True)
        from_bytes = segment_files(ds, str(tmp_path / "out_bytes"), concurrency=1)
    finally:
        ray.shutdown()
    assert len(table) == len(paths) and (table["error"] == "").all()
    assert list(table["input"]) == sorted(paths)
    for row in table.itertuples():
        name = os.path.basename(row.input)
        np.testing.assert_array_equal(cli_labels(row.output), cli_labels(tmp_path / "cli" / name))
    assert len(from_bytes) == 20 and (from_bytes["error"] == "").all()
    for row in from_bytes.itertuples():
        name = os.path.basename(row.input)
        np.testing.assert_array_equal(cli_labels(row.output), cli_labels(tmp_path / "cli" / name))


def test_two_inputs_with_one_output_name_are_refused_before_any_work(tmp_path):
    a, b = tmp_path / "a" / "x.ply", tmp_path / "b" / "x.ply"
    with pytest.raises(ValueError, match=r"a/x\.ply and .*b/x\.ply would both be written to .*out/x\.ply$"):
        segment_files([str(a), str(b)], str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
