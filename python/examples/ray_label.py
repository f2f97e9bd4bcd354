"""Label every cloud file under a folder (or an s3:// prefix) on a Ray cluster.

    python ray_label.py INPUT OUTPUT_DIR [--workers N] [--cpus-per-worker C]

INPUT is read with ray.data.read_binary_files, so the workers need not see
it; OUTPUT_DIR must be a filesystem every worker can write (a shared volume).
The per-file results table goes to OUTPUT_DIR/results.csv.
"""

import argparse

import ray

from pcseg.ray import segment_files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output_dir")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cpus-per-worker", type=float, default=1)
    ap.add_argument("--category", default=None)
    a = ap.parse_args()
    ray.init()  # inside `ray job submit`: the cluster; alone: a local Ray
    ds = ray.data.read_binary_files(
        a.input, include_paths=True, file_extensions=["ply", "xyz", "txt", "pts", "csv"])
    table = segment_files(ds, a.output_dir, category=a.category, concurrency=a.workers,
                          num_cpus=a.cpus_per_worker)
    table.to_csv(f"{a.output_dir}/results.csv", index=False)
    failed = (table["error"] != "").sum()
    print(f"{len(table)} files, {failed} failed; table in {a.output_dir}/results.csv")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
