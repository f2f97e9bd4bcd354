"""pcseg: part segmentation of 3D point clouds on the CPU, from Python.

>>> import numpy as np, pcseg
>>> xyz = np.loadtxt("assets/samples/chair.txt")[:, :3]      # doctest: +SKIP
>>> seg = pcseg.Model().segment(xyz)                          # doctest: +SKIP
>>> seg.category, seg.labels[:5]                              # doctest: +SKIP

The computation is the pcseg library's (the same calls as ``pcseg run``),
run with the GIL released. ``pcseg.ray`` has the Ray Data helpers.
"""

from ._pcseg import Model, Segmentation, __version__, categories, read, write

__all__ = ["Model", "Segmentation", "categories", "read", "write", "__version__"]
