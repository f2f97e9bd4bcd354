"""pcseg on Ray Data: segment a collection of cloud files on a Ray cluster.

:class:`Segmenter` is a callable class for ``Dataset.map_batches``: each Ray
worker (actor) loads the model once, then segments its batches with
``Model.segment_many`` (parallel over the batch's clouds, GIL released) and
writes one labelled file per input. :func:`segment_files` builds that
pipeline from a list of files or a ``ray.data.read_binary_files`` dataset
and returns the per-file results table.

Outputs are the labels ``pcseg run`` gives the same file with the same
options (same library calls). Each output keeps every property of its input
(coordinates at full precision, normals, extra properties); labels already
in the input are kept as ``source_label``, as ``pcseg run`` keeps them.

Ray is not a dependency of pcseg: ``pip install "ray[data]"`` (or
``pip install "pcseg[ray]"``) to use this module.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Union

import numpy as np

import pcseg

#: Columns of the per-file results table (one row per input).
RESULT_COLUMNS = [
    "input",
    "output",
    "points",
    "category",
    "confidence",
    "margin",
    "seconds",
    "error",
]


def _free_name(taken: Iterable[str], base: str) -> str:
    """``base``, or ``base_2``, ``base_3``... whichever is not taken."""
    taken = set(taken)
    if base not in taken:
        return base
    k = 2
    while f"{base}_{k}" in taken:
        k += 1
    return f"{base}_{k}"


def output_path(input_path: str, output_dir: str, out_format: Optional[str]) -> str:
    """Where the labelled output of ``input_path`` goes:
    ``output_dir/<stem>.<ext>`` (``ext`` the input's unless ``out_format``),
    as ``pcseg run -o FOLDER`` names outputs."""
    p = Path(input_path)
    ext = {"ply": ".ply", "xyz": ".xyz"}.get(out_format or "", p.suffix.lower() or ".ply")
    return str(Path(output_dir) / (p.stem + ext))


class Segmenter:
    """Callable class for ``Dataset.map_batches``: loads the model once per
    worker and segments each batch.

    A batch has a ``path`` column (the input file's path) and, from
    ``read_binary_files(..., include_paths=True)``, a ``bytes`` column (the
    file's content; without it the worker reads ``path`` itself, which must
    then be visible to every worker). The returned batch has the
    :data:`RESULT_COLUMNS`; a file that fails gets its one-line error in
    ``error`` (and no output), the others go on, as with ``pcseg run``.

    model: a model file or checkpoint (default: the embedded model).
    output_dir: where labelled outputs are written (atomically); None to
    write none (only the table). category, points, votes, seed, whole_max:
    as ``Model.segment``. out_format: ``"ply"``/``"xyz"``, default the
    input's. threads: rayon threads per worker (default: the CPUs Ray gave
    the worker).
    """

    def __init__(
        self,
        model: Optional[str] = None,
        output_dir: Optional[str] = None,
        category: Optional[str] = None,
        points: int = 2048,
        votes: int = 2,
        seed: int = 0,
        whole_max: int = 4096,
        out_format: Optional[str] = None,
        threads: Optional[int] = None,
    ) -> None:
        if threads is None:
            threads = _assigned_cpus()
        if threads and "RAYON_NUM_THREADS" not in os.environ:
            # Before pcseg's first parallel call, so the pool takes it.
            os.environ["RAYON_NUM_THREADS"] = str(threads)
        self.model = pcseg.Model() if model is None else pcseg.Model.load(model)
        self.model_name = "embedded" if model is None else str(model)
        self.output_dir = output_dir
        self.out_format = out_format
        self.options = dict(
            category=category, points=points, votes=votes, seed=seed, whole_max=whole_max
        )
        if output_dir is not None:
            os.makedirs(output_dir, exist_ok=True)

    def _read(self, path: str, content: Optional[bytes]) -> Dict[str, Any]:
        if content is None:
            return pcseg.read(path)
        # The readers take files: the bytes go to a private temporary file
        # with the input's name (the extension says the format).
        with tempfile.TemporaryDirectory(prefix="pcseg-ray-") as tmp:
            local = os.path.join(tmp, os.path.basename(path) or "cloud.ply")
            with open(local, "wb") as f:
                f.write(content)
            try:
                return pcseg.read(local)
            except (OSError, ValueError) as e:
                # Messages name the input, not the temporary copy.
                raise type(e)(str(e).replace(local, path)) from None

    def _write(self, path: str, cloud: Dict[str, Any], labels: np.ndarray) -> str:
        out = output_path(path, self.output_dir, self.out_format)
        extra = dict(cloud["extra"])
        if cloud["labels"] is not None:
            extra[_free_name(extra, "source_label")] = cloud["labels"]
        pcseg.write(out, cloud["xyz"], normals=cloud["normals"], labels=labels, extra=extra,
                    format=self.out_format)
        return out

    def __call__(self, batch: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        paths = [str(p) for p in batch["path"]]
        contents = batch.get("bytes")
        rows: List[Dict[str, Any]] = [
            {c: None for c in RESULT_COLUMNS} | {"input": p} for p in paths
        ]
        clouds: Dict[int, Dict[str, Any]] = {}
        for i, path in enumerate(paths):
            start = time.perf_counter()
            try:
                content = None if contents is None else bytes(contents[i])
                clouds[i] = self._read(path, content)
            except (OSError, ValueError) as e:
                rows[i]["error"] = str(e)
            rows[i]["seconds"] = time.perf_counter() - start
        order = sorted(clouds)
        start = time.perf_counter()
        try:
            results: List[Any] = self.model.segment_many(
                [clouds[i]["xyz"] for i in order],
                normals=[clouds[i]["normals"] for i in order],
                **self.options,
            )
        except ValueError:
            # segment_many stops at the first bad cloud: one at a time, so
            # each cloud gets its own error.
            results = []
            for i in order:
                try:
                    results.append(self.model.segment(
                        clouds[i]["xyz"], normals=clouds[i]["normals"], **self.options))
                except ValueError as e:
                    results.append(e)
        share = (time.perf_counter() - start) / max(len(order), 1)
        for i, r in zip(order, results):
            row = rows[i]
            row["seconds"] += share
            if isinstance(r, Exception):
                row["error"] = str(r).replace("<array>", row["input"])
                continue
            row["points"] = int(r.labels.shape[0])
            row["category"] = r.category
            row["confidence"] = r.confidence
            row["margin"] = r.margin
            if self.output_dir is not None:
                try:
                    row["output"] = self._write(row["input"], clouds[i], r.labels)
                except (OSError, ValueError) as e:
                    row["error"] = str(e)
        return {
            "input": np.array([r["input"] for r in rows], dtype=object),
            "output": np.array([r["output"] or "" for r in rows], dtype=object),
            "points": np.array([r["points"] or 0 for r in rows], dtype=np.int64),
            "category": np.array([r["category"] or "" for r in rows], dtype=object),
            "confidence": np.array(
                [np.nan if r["confidence"] is None else r["confidence"] for r in rows]),
            "margin": np.array([np.nan if r["margin"] is None else r["margin"] for r in rows]),
            "seconds": np.array([r["seconds"] for r in rows]),
            "error": np.array([r["error"] or "" for r in rows], dtype=object),
        }


def _assigned_cpus() -> Optional[int]:
    """CPUs Ray assigned to this worker, when running inside Ray."""
    try:
        import ray

        if not ray.is_initialized():
            return None
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU")
        return max(1, int(round(cpus))) if cpus else None
    except Exception:  # pragma: no cover - outside a Ray worker
        return None


def segment_files(
    inputs: Union[List[str], "Any"],
    output_dir: Optional[str],
    *,
    model: Optional[str] = None,
    category: Optional[str] = None,
    points: int = 2048,
    votes: int = 2,
    seed: int = 0,
    whole_max: int = 4096,
    out_format: Optional[str] = None,
    concurrency: int = 2,
    num_cpus: float = 1,
    batch_size: int = 16,
):
    """Segment every file of ``inputs`` on Ray and return the results table.

    inputs: a list of paths (read by the workers: a shared filesystem), or a
    ``ray.data.read_binary_files(paths, include_paths=True)`` dataset (the
    bytes travel through Ray: object storage such as ``s3://`` works).
    Labelled outputs go to ``output_dir`` (see :func:`output_path`; None
    writes none). ``concurrency`` workers of ``num_cpus`` CPUs each; see
    :class:`Segmenter` for the other options.

    Two listed inputs that would share an output are refused (ValueError)
    before any work, as ``pcseg run`` refuses them.

    Returns a pandas DataFrame with the :data:`RESULT_COLUMNS`, one row per
    input, sorted by input. Failed files have a non-empty ``error``.
    """
    import ray

    if isinstance(inputs, (list, tuple)):
        if output_dir is not None:
            seen: Dict[str, str] = {}
            for p in map(str, inputs):
                out = output_path(p, output_dir, out_format)
                if out in seen:
                    raise ValueError(f"{seen[out]} and {p} would both be written to {out}")
                seen[out] = p
        ds = ray.data.from_items([{"path": str(p)} for p in inputs])
    else:
        ds = inputs
    results = ds.map_batches(
        Segmenter,
        fn_constructor_kwargs=dict(
            model=model,
            output_dir=output_dir,
            category=category,
            points=points,
            votes=votes,
            seed=seed,
            whole_max=whole_max,
            out_format=out_format,
            threads=max(1, int(num_cpus)),
        ),
        batch_size=batch_size,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=concurrency),
        num_cpus=num_cpus,
    )
    table = results.to_pandas()
    return table.sort_values("input").reset_index(drop=True)
