"""Geometry on arrays: surface/curve sampling, normals, exact signed distance and
recorded normalisation transforms.

Conventions shared by every function here:

* Inputs are numpy arrays or torch tensors (or, where documented, a mesh object
  with ``points`` and ``cells``); results come back in the same array type, dtype
  and device (see each function for which argument decides).
* 3D surfaces are triangles [F, 3] or quads [F, 4] indexing vertices [V, 3]; 2D
  curves are segments [S, 2] indexing vertices [V, 2].
* Signed distances are negative inside and positive outside.
* Bad input raises :class:`~geonop.errors.InvalidArgumentError` or
  :class:`~geonop.errors.InvalidMeshError` naming the argument.
"""

from geonop.geometry.normals import curve_normals, face_normals, vertex_normals
from geonop.geometry.sampling import sample_curve, sample_surface
from geonop.geometry.sdf import DistanceIndex, closest_point, distance, signed_distance
from geonop.geometry.transforms import NormalizationTransform

__all__ = [
    "DistanceIndex",
    "NormalizationTransform",
    "closest_point",
    "curve_normals",
    "distance",
    "face_normals",
    "sample_curve",
    "sample_surface",
    "signed_distance",
    "vertex_normals",
]
