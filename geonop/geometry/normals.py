"""Face, vertex and curve normals.

Conventions:

* Face normals follow the right-hand rule of the face's vertex order: a face
  listed counter-clockwise when seen from outside has an outward normal.
* Faces with zero area (collinear or repeated vertices) get a **zero** normal, never
  NaN; they also contribute nothing to vertex normals. A vertex that no face with
  non-zero area touches gets a zero normal.
* Curve normals are the right-hand normals ``(dy, -dx)`` of each segment ``a -> b``,
  outward for counter-clockwise loops; ``orient=True`` makes them point out of the
  enclosed region whatever the segment directions (even-odd rule).
* Arrays in, arrays out: numpy inputs give numpy results; a ``torch.Tensor``
  ``vertices`` gives tensors of its dtype on its device. The computation runs in
  float64 numpy and is not differentiable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geonop.errors import InvalidArgumentError
from geonop.geometry import _arrays
from geonop.geometry._arrays import ArrayLike
from geonop.geometry._parity import inside_curve
from geonop.geometry._topology import check_closed_curve

#: a face whose doubled area is below this fraction of its longest squared edge is
#: treated as having zero area (its normal would be rounding noise)
ZERO_AREA_TOL = 1e-12


def _triangle_area_vectors(points: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Area vectors [T, 3] (normal times area) with near-zero ones set exactly to 0."""
    a, b, c = points[tris[:, 0]], points[tris[:, 1]], points[tris[:, 2]]
    ab, ac, bc = b - a, c - a, c - b
    cross = np.cross(ab, ac)
    longest = np.maximum.reduce([(ab * ab).sum(1), (ac * ac).sum(1), (bc * bc).sum(1)])
    flat = np.sqrt((cross * cross).sum(1)) <= ZERO_AREA_TOL * longest
    cross[flat] = 0.0
    return 0.5 * cross


def _face_area_vectors(surf: _arrays.Surface) -> np.ndarray:
    """Area vectors [F, 3] of the input faces (a quad's is the sum of its halves,
    i.e. half the cross product of its diagonals)."""
    tri_vec = _triangle_area_vectors(surf.points, surf.tris)
    if len(surf.tris) == surf.n_faces:
        return tri_vec
    out = np.zeros((surf.n_faces, 3))
    np.add.at(out, surf.tri_face, tri_vec)
    return out


def face_normals(vertices: Any, faces: ArrayLike | None = None, normalized: bool = True) -> Any:
    """Normals of triangle or quad faces.

    Args:
        vertices: array of shape [V, 3], or a mesh object (then omit ``faces``).
        faces: int array of shape [F, 3] (triangles) or [F, 4] (quads).
        normalized: ``True`` gives unit normals; ``False`` gives area vectors whose
            length is the face area (a quad's is half the cross product of its
            diagonals, exact for planar quads).

    Returns:
        Array of shape [F, 3]; zero rows for zero-area faces.

    Raises:
        InvalidMeshError: non-finite vertices, empty faces, indices out of range.
        InvalidArgumentError: wrong shapes.
    """
    surf = _arrays.surface(vertices, faces)
    vec = _face_area_vectors(surf)
    if normalized:
        vec = _arrays.unit_rows(vec)
    return _arrays.like(vec, surf.template)


def _corner_angles(points: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Interior angles [T, 3] at each triangle corner (0 for zero-length edges)."""
    p = points[tris]  # [T, 3, 3]
    e1 = np.roll(p, -1, axis=1) - p
    e2 = np.roll(p, 1, axis=1) - p
    n1 = np.sqrt((e1 * e1).sum(-1))
    n2 = np.sqrt((e2 * e2).sum(-1))
    cos = (e1 * e2).sum(-1)
    sin = np.sqrt((np.cross(e1, e2) ** 2).sum(-1))
    # atan2 is accurate for angles near 0 and pi, where arccos(cos) is not
    ang = np.arctan2(sin, cos)
    ang[(n1 == 0) | (n2 == 0)] = 0.0
    return ang


def _angle_weighted_sums(points: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Sum over incident triangles of corner angle x unit normal, per vertex [V, 3].

    This is the pseudonormal of Baerentzen & Aanaes (2005), which makes the sign
    of ``dot(q - p, n)`` correct at vertices of a closed surface.
    """
    unit = _arrays.unit_rows(_triangle_area_vectors(points, tris))
    ang = _corner_angles(points, tris)
    out = np.zeros((len(points), 3))
    for k in range(3):
        np.add.at(out, tris[:, k], ang[:, k, None] * unit)
    return out


def vertex_normals(
    vertices: Any, faces: ArrayLike | None = None, *, weighting: str = "angle"
) -> Any:
    """Unit vertex normals of a triangle or quad surface.

    Args:
        vertices: array of shape [V, 3], or a mesh object (then omit ``faces``).
        faces: int array of shape [F, 3] or [F, 4] (quads are split into two triangles).
        weighting: ``"angle"`` (default): incident unit face normals weighted by the
            corner angle at the vertex (Thürmer & Wüthrich 1998), independent of how
            the surface is triangulated; ``"area"``: weighted by face area.

    Returns:
        Array of shape [V, 3]; zero rows for vertices touched by no face of non-zero
        area (or whose normals cancel).
    """
    if weighting not in ("angle", "area"):
        raise InvalidArgumentError(f"weighting: expected 'angle' or 'area', got {weighting!r}")
    surf = _arrays.surface(vertices, faces)
    if weighting == "angle":
        acc = _angle_weighted_sums(surf.points, surf.tris)
    else:
        vec = _triangle_area_vectors(surf.points, surf.tris)
        acc = np.zeros((len(surf.points), 3))
        for k in range(3):
            np.add.at(acc, surf.tris[:, k], vec)
    return _arrays.like(_arrays.unit_rows(acc), surf.template)


def _segment_normals(points: np.ndarray, segments: np.ndarray) -> np.ndarray:
    d = points[segments[:, 1]] - points[segments[:, 0]]
    return _arrays.unit_rows(np.stack([d[:, 1], -d[:, 0]], axis=1))


def _outward_flip(points: np.ndarray, segments: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """+1/-1 per segment so that ``flip * normal`` points out of the enclosed region."""
    check_closed_curve(points, segments)
    a, b = points[segments[:, 0]], points[segments[:, 1]]
    mid = 0.5 * (a + b)
    length = np.sqrt(((b - a) ** 2).sum(1))
    # probe just off the midpoint: far closer than any other part of a sane curve,
    # far above rounding of the crossing test
    probe = mid + (1e-6 * length)[:, None] * normals
    flip = np.where(inside_curve(probe, a, b), -1.0, 1.0)
    flip[length == 0] = 1.0
    return flip


def curve_normals(
    vertices: Any, segments: ArrayLike | None = None, *, orient: bool = False
) -> tuple[Any, Any]:
    """Segment and vertex normals of a 2D curve.

    Args:
        vertices: array of shape [V, 2] (or [V, 3] with constant z: normals then get
            a zero z component), or a mesh object with ``line`` cells.
        segments: int array of shape [S, 2]; segment ``s`` runs from
            ``vertices[segments[s, 0]]`` to ``vertices[segments[s, 1]]``.
        orient: ``False``: right-hand normals ``(dy, -dx)``, outward for
            counter-clockwise loops. ``True``: each normal is flipped to point out of
            the region the curve encloses (even-odd rule), whatever the segment
            directions; the curve must be closed.

    Returns:
        ``(segment_normals [S, d], vertex_normals [V, d])``, unit length, d as
        ``vertices``. A vertex
        normal is the normalised sum of its segments' unit normals (the angle
        bisector at a corner); zero for unused vertices and zero-length segments.

    Raises:
        InvalidMeshError: bad vertices or segments; an open curve with ``orient=True``.
    """
    crv = _arrays.curve(vertices, segments)
    seg_n = _segment_normals(crv.points, crv.segments)
    if orient:
        seg_n = seg_n * _outward_flip(crv.points, crv.segments, seg_n)[:, None]
    acc = np.zeros_like(crv.points)
    np.add.at(acc, crv.segments[:, 0], seg_n)
    np.add.at(acc, crv.segments[:, 1], seg_n)
    vert_n = _arrays.unit_rows(acc, tiny=1e-12)
    return (
        _arrays.like(_arrays.lift(seg_n, crv, fill=0.0), crv.template),
        _arrays.like(_arrays.lift(vert_n, crv, fill=0.0), crv.template),
    )
