"""Type stubs of the pcseg extension module (re-exported by ``pcseg``)."""

from os import PathLike
from typing import Any, Dict, List, Mapping, Optional, Sequence, TypedDict, Union

import numpy as np
import numpy.typing as npt

__version__: str

_Path = Union[str, "PathLike[str]"]
#: An (N, 3) float32 or float64 array (any memory layout; float64 values
#: that float32 does not hold exactly are kept exact, as for a double PLY).
_Xyz = npt.NDArray[Union[np.float32, np.float64]]

class Segmentation:
    """The result of segmenting one cloud."""

    labels: npt.NDArray[np.int32]
    """Global ShapeNetPart part id per input point, shape (N,)."""
    category: str
    """The category segmented under (e.g. ``"Chair"``)."""
    part_names: List[str]
    """The category's part names; part ``k`` has global id ``first_part + k``."""
    first_part: int
    """Global id of the category's first part."""
    confidence: Optional[float]
    """Score of the chosen category when it was chosen automatically, else None."""
    margin: Optional[float]
    """Its margin over the next category (automatic choice only), else None."""
    scores: Optional[Dict[str, float]]
    """Every category's score by name (automatic choice only), else None."""
    probabilities: Optional[npt.NDArray[np.float32]]
    """Part probabilities, shape (N, len(part_names)), when asked for."""

class Model:
    """A part-segmentation network.

    ``Model()`` is the default model embedded in pcseg (what ``pcseg run``
    uses without ``--model``); ``Model.load(path)`` reads a model file or a
    training checkpoint. Loading an untrained model warns (UserWarning).
    """

    def __init__(self, precision: str = "f32") -> None:
        """The embedded model. ``precision="bf16"`` runs the linear layers'
        products in bfloat16 on Intel AMX tiles (faster, same scores to about
        0.1 mIoU); it raises ValueError on a CPU without AMX, as does an
        unknown name."""
    @staticmethod
    def load(path: _Path, precision: str = "f32") -> "Model":
        """A model file (.safetensors) or a training checkpoint.

        Raises OSError when the file cannot be read, ValueError when it is no
        usable model (or ``precision`` cannot be used, see ``Model()``)."""
    @property
    def precision(self) -> str:
        """``"f32"`` or ``"bf16"``."""
    @property
    def origin(self) -> str:
        """``"embedded"`` or the path given to ``load``."""
    @property
    def trained(self) -> bool:
        """Whether the weights come from training."""
    @property
    def has_classifier(self) -> bool:
        """Whether the network has a category classifier."""
    @property
    def note(self) -> str:
        """The training note stored with the weights."""
    def segment(
        self,
        xyz: _Xyz,
        normals: Optional[_Xyz] = None,
        category: Optional[str] = None,
        points: int = 2048,
        votes: int = 2,
        seed: int = 0,
        probabilities: bool = False,
        whole_max: int = 4096,
    ) -> Segmentation:
        """Segment one cloud, exactly as ``pcseg run`` segments the same values.

        xyz: (N, 3) float32/float64 coordinates. normals: (N, 3) or None (then
        estimated on the sampled points, as ``pcseg run`` does). category:
        None or ``"auto"`` to let the network choose, else a category name
        (any case) or synset id. points, votes, seed, whole_max: as
        ``pcseg run --points --votes --seed --whole-max``. probabilities: also
        return the part probabilities (one more forward pass per vote when the
        category was chosen automatically).

        The GIL is released while computing. Raises ValueError for a wrong
        shape or dtype, an empty cloud, NaN/inf values, an unknown category or
        an option out of range, with the CLI's one-line messages (e.g.
        ``<array>: point 3: non-finite coordinate or normal``); TypeError when
        xyz is no numpy array."""
    def segment_many(
        self,
        clouds: Sequence[_Xyz],
        normals: Optional[Sequence[_Xyz]] = None,
        category: Optional[str] = None,
        points: int = 2048,
        votes: int = 2,
        seed: int = 0,
        probabilities: bool = False,
        whole_max: int = 4096,
    ) -> List[Segmentation]:
        """``segment`` over many clouds, in parallel (rayon, GIL released).

        Each cloud is segmented exactly as ``segment`` would; messages name
        the cloud ``<array i>``. The first bad cloud raises (nothing is
        computed before every cloud is checked)."""

class CloudFile(TypedDict):
    xyz: npt.NDArray[Union[np.float32, np.float64]]
    """(N, 3): float64 when the file stores coordinates float32 cannot hold
    (double or int32 PLY properties, text with more than 6 significant
    digits), else float32."""
    normals: Optional[npt.NDArray[Union[np.float32, np.float64]]]
    """(N, 3) normals (float32/float64 by the same rule), or None."""
    labels: Optional[npt.NDArray[np.uint32]]
    """Global part id per point, or None."""
    extra: Dict[str, npt.NDArray[Any]]
    """Every other per-point property, by name, in its source type."""
    format: str
    """``"ply"`` or ``"xyz"`` (text)."""

def read(
    path: _Path,
    format: Optional[str] = None,
    columns: Optional[Sequence[str]] = None,
    mesh_points: int = 2500,
    seed: int = 0,
) -> CloudFile:
    """Read a cloud file as ``pcseg run`` reads it (PLY, XYZ-style text, .pts,
    ShapeNetPart v0 .pts + .seg, PCD), or a mesh (OBJ, OFF, STL, PLY with
    faces, glTF/GLB, AC3D) sampled by area into ``mesh_points`` points with
    face normals from ``seed`` (``format`` is then ``"mesh"``). format:
    ``"ply"`` / ``"xyz"`` / ``"pcd"`` when the extension does not tell;
    columns: text column names (``--columns``).
    Raises OSError (FileNotFoundError, ...) when the file cannot be read,
    ValueError when its content is bad."""

def write(
    path: _Path,
    xyz: _Xyz,
    normals: Optional[_Xyz] = None,
    labels: Optional[npt.NDArray[np.integer[Any]]] = None,
    extra: Optional[Mapping[str, npt.NDArray[Any]]] = None,
    format: Optional[str] = None,
    ascii: bool = False,
) -> None:
    """Write a cloud with the library's writers (atomically: the file appears
    only when complete; an existing file is replaced only then). The format
    comes from the extension unless given; PLY is binary unless ascii.
    extra arrays keep their type (int8..uint32, float32, float64)."""

class _Part(TypedDict):
    id: int
    name: str
    colour: tuple[int, int, int]
    hex: str

class _Category(TypedDict):
    index: int
    name: str
    synset: str
    parts: List[_Part]

def categories() -> List[_Category]:
    """The 16 ShapeNetPart categories (as ``pcseg categories --json``)."""

def _input_cloud_len(xyz: _Xyz, normals: Optional[_Xyz] = None) -> int: ...
