"""Random point sampling on surfaces (3D) and curves (2D).

Points are distributed uniformly with respect to area (length for curves): a face is
drawn with probability proportional to its area, then a point uniformly inside it.
The same ``seed`` gives the same points on every platform numpy supports.

Arrays in, arrays out: numpy ``vertices`` give numpy results, a ``torch.Tensor``
gives tensors of its floating dtype on its device (indices as ``torch.long``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.geometry import _arrays
from geonop.geometry._arrays import ArrayLike
from geonop.geometry.normals import _outward_flip, _segment_normals, _triangle_area_vectors

Seed = Any  # None | int | numpy.random.Generator | torch.Generator


def _resolve_n(faces: Any, n: Any, faces_name: str) -> Any:
    if n is None:
        if isinstance(faces, (int, np.integer)) and not isinstance(faces, bool):
            raise InvalidArgumentError(
                f"{faces_name}: got an integer; with a mesh object pass the count as n=..."
            )
        raise InvalidArgumentError("n: the number of points to sample is required")
    return _arrays.as_count(n, "n")


def _draw(weights: np.ndarray, n: int, rng: np.random.Generator, what: str) -> np.ndarray:
    total = float(weights.sum())
    if not total > 0 or not np.isfinite(total):
        raise InvalidMeshError(f"{what}: total measure is zero, nothing to sample from")
    cdf = np.cumsum(weights)
    # searchsorted on the running sum is exact for zero-weight entries: they are
    # never drawn (equal consecutive cdf values and side="right")
    idx = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    return np.minimum(idx, len(weights) - 1)


def sample_surface(
    vertices: Any,
    faces: ArrayLike | None = None,
    n: int | None = None,
    *,
    seed: Seed = None,
) -> tuple[Any, Any, Any]:
    """Sample points uniformly by area on a triangle or quad surface.

    Args:
        vertices: array of shape [V, 3], or a mesh object (then omit ``faces`` and
            pass ``n`` by keyword: ``sample_surface(mesh, n=1000)``).
        faces: int array of shape [F, 3] or [F, 4]. Quads are split into two
            triangles along the diagonal 0-2 (exact for planar quads).
        n: number of points, > 0.
        seed: ``None``, an int, a ``numpy.random.Generator`` or a ``torch.Generator``.

    Returns:
        ``(points [n, 3], normals [n, 3], face_index [n])``: the unit normal is that of
        the (sub-)triangle the point lies in, by the right-hand rule of its vertex order;
        ``face_index`` indexes ``faces`` (for a mesh object: its triangle cells, then
        its quad cells).

    Raises:
        InvalidArgumentError: ``n`` not a positive int, bad shapes, bad seed.
        InvalidMeshError: non-finite vertices, indices out of range, zero total area.
    """
    surf = _arrays.surface(vertices, faces)
    n = _resolve_n(faces, n, "faces")
    rng = _arrays.rng_from(seed)
    area_vec = _triangle_area_vectors(surf.points, surf.tris)
    area = np.sqrt((area_vec * area_vec).sum(1))
    tri = _draw(area, n, rng, "faces")
    u = rng.random((n, 2))
    # fold the unit square onto the triangle u + v <= 1 (uniform, no rejection)
    fold = u.sum(1) > 1.0
    u[fold] = 1.0 - u[fold]
    a = surf.points[surf.tris[tri, 0]]
    b = surf.points[surf.tris[tri, 1]]
    c = surf.points[surf.tris[tri, 2]]
    pts = a + u[:, :1] * (b - a) + u[:, 1:] * (c - a)
    normals = _arrays.unit_rows(area_vec)[tri]
    return (
        _arrays.like(pts, surf.template),
        _arrays.like(normals, surf.template),
        _arrays.like(surf.tri_face[tri], surf.template),
    )


def sample_curve(
    vertices: Any,
    segments: ArrayLike | None = None,
    n: int | None = None,
    *,
    seed: Seed = None,
    orient: bool = True,
) -> tuple[Any, Any, Any]:
    """Sample points uniformly by length on a 2D curve.

    Args:
        vertices: array of shape [V, 2] (or [V, 3] with constant z: results then
            keep that z, and normals get a zero z), or a mesh object with ``line``
            cells.
        segments: int array of shape [S, 2].
        n: number of points, > 0.
        seed: ``None``, an int, a ``numpy.random.Generator`` or a ``torch.Generator``.
        orient: ``True`` (default): normals point out of the region the curve
            encloses, whatever the segment directions; the curve must be closed.
            ``False``: right-hand normals ``(dy, -dx)`` of each segment (outward for
            counter-clockwise loops); works on open curves.

    Returns:
        ``(points [n, d], normals [n, d], segment_index [n])``, d as ``vertices``.

    Raises:
        InvalidArgumentError: ``n`` not a positive int, bad shapes, bad seed.
        InvalidMeshError: bad vertices or segments, zero total length, an open curve
            with ``orient=True``.
    """
    crv = _arrays.curve(vertices, segments)
    n = _resolve_n(segments, n, "segments")
    rng = _arrays.rng_from(seed)
    a = crv.points[crv.segments[:, 0]]
    b = crv.points[crv.segments[:, 1]]
    length = np.sqrt(((b - a) ** 2).sum(1))
    seg_n = _segment_normals(crv.points, crv.segments)
    if orient:
        seg_n = seg_n * _outward_flip(crv.points, crv.segments, seg_n)[:, None]
    seg = _draw(length, n, rng, "segments")
    t = rng.random(n)[:, None]
    pts = a[seg] + t * (b[seg] - a[seg])
    return (
        _arrays.like(_arrays.lift(pts, crv), crv.template),
        _arrays.like(_arrays.lift(seg_n[seg], crv, fill=0.0), crv.template),
        _arrays.like(seg, crv.template),
    )
