"""The nearest training case, interpolated onto the test points: the no-learning baseline.

For a test case, the training case nearest in shape, Reynolds number and angle of attack is
taken and its non-dimensional fields are moved onto the test case's points:

- **Shape descriptor** (:func:`shape_descriptor`): thickness and camber of the airfoil at
  ``stations`` cosine-spaced chord positions, in chords, from its wall faces.
- **Distance** between cases: ``d^2 = w_s (D_shape / s_shape)^2 + w_Re (dRe / s_Re)^2 +
  w_a (dAoA / s_AoA)^2`` with ``D_shape`` the RMS difference of the descriptors and each term
  scaled by its spread over the training split (``s_shape``: median distance between
  distinct training shapes; ``s_Re``, ``s_AoA``: standard deviations).
- **Volume fields**: linear interpolation on the Delaunay triangulation (scipy) of the
  training mesh's cell centres inside the training points' convex hull, nearest point outside; a test point that
  coincides with a training point takes its value exactly.
- **Surface fields**: by arc-length position along the wall (:func:`wall_arc_parameter`:
  0 at the trailing edge, 1 at the leading edge over the upper side, 2 back at the trailing
  edge over the lower side), linear and periodic.

Asked for a training case, it returns that case's own fields exactly.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import Delaunay, cKDTree

from geonop import optional
from geonop.errors import InvalidArgumentError, InvalidMeshError


def _faces(surface_pos: Any, surface_normal: Any, surface_length: Any
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sp = np.asarray(surface_pos, dtype=np.float64)
    sn = np.asarray(surface_normal, dtype=np.float64)
    sl = np.asarray(surface_length, dtype=np.float64).reshape(-1)
    if sp.ndim != 2 or sp.shape[1] != 2 or sn.shape != sp.shape or sl.shape != (len(sp),) \
            or len(sp) < 4:
        raise InvalidArgumentError(f"wall faces: surface_pos/surface_normal [M >= 4, 2] and "
                                   f"surface_length [M], got {sp.shape}, {sn.shape}, {sl.shape}")
    return sp, sn, sl


def _chain(sp: np.ndarray, sn: np.ndarray, sl: np.ndarray) -> np.ndarray:
    """Face indices in counter-clockwise order, starting at the trailing edge."""
    tangent = np.stack([-sn[:, 1], sn[:, 0]], 1)          # outward normal turned left: CCW
    start = sp - 0.5 * sl[:, None] * tangent
    end = sp + 0.5 * sl[:, None] * tangent
    _, nxt = cKDTree(start).query(end)
    te_vertex = np.concatenate([start, end])[np.argmax(np.concatenate([start, end])[:, 0])]
    first = int(np.argmin(np.linalg.norm(start - te_vertex, axis=1)))
    order, seen = [first], {first}
    for _ in range(len(sp) - 1):
        j = int(nxt[order[-1]])
        if j in seen:
            break
        order.append(j)
        seen.add(j)
    if len(order) == len(sp):
        return np.asarray(order)
    # faces that do not chain (a gap in the wall): fall back to the angle about the centroid
    centre = sp.mean(0)
    ang = np.arctan2(sp[:, 1] - centre[1], sp[:, 0] - centre[0])
    ang0 = np.arctan2(te_vertex[1] - centre[1], te_vertex[0] - centre[0])
    return np.argsort((ang - ang0) % (2 * np.pi))


def wall_arc_parameter(surface_pos: Any, surface_normal: Any, surface_length: Any) -> np.ndarray:
    """Position of every wall face along the airfoil: ndarray of shape [M] in [0, 2).

    0 at the trailing edge, 1 at the leading edge (the face farthest upstream), arc length
    growing linearly over the upper side (0-1) and the lower side (1-2), faces chained
    counter-clockwise from their outward normals.
    """
    sp, sn, sl = _faces(surface_pos, surface_normal, surface_length)
    order = _chain(sp, sn, sl)
    arc = np.cumsum(sl[order]) - 0.5 * sl[order]
    total = float(np.sum(sl))
    k_le = int(np.argmin(sp[order, 0]))
    arc_le = arc[k_le]
    if not 0 < arc_le < total:
        raise InvalidMeshError("wall faces: no leading edge between the trailing-edge faces")
    param = np.where(np.arange(len(order)) <= k_le, arc / arc_le,
                     1.0 + (arc - arc_le) / (total - arc_le))
    out = np.empty(len(sp))
    out[order] = np.minimum(param, np.nextafter(2.0, 0.0))
    return out


def shape_descriptor(surface_pos: Any, surface_normal: Any, surface_length: Any,
                     stations: int = 32) -> np.ndarray:
    """Thickness and camber (in chords) at ``stations`` cosine-spaced chord positions.

    Returns
    -------
    ndarray of shape [2 * stations]
        ``[thickness_1..n, camber_1..n]`` (upper minus lower side, and their mean), chord
        measured from the most upstream to the most downstream wall face.
    """
    sp, sn, sl = _faces(surface_pos, surface_normal, surface_length)
    s = wall_arc_parameter(sp, sn, sl)
    x0, x1 = sp[:, 0].min(), sp[:, 0].max()
    chord = x1 - x0
    k = np.arange(1, stations + 1)
    xs = x0 + chord * 0.5 * (1 - np.cos(np.pi * k / (stations + 1)))
    sides = []
    for mask in (s <= 1.0, s >= 1.0):
        px, py = sp[mask, 0], sp[mask, 1]
        o = np.argsort(px)
        sides.append(np.interp(xs, px[o], py[o]))
    upper, lower = sides
    return np.concatenate([upper - lower, 0.5 * (upper + lower)]) / chord


def _wall_of(train: Any, index: int, shape_id: str) -> tuple[np.ndarray, ...]:
    """Wall faces of a training case: read from its shape's mesh file when the dataset has
    the shipped layout (``meshes/<shape>.npz``), which skips computing the volume features
    that :meth:`~geonop.data.airfoil.AirfoilRANSDataset.case` adds."""
    keys = ("surface_pos", "surface_normal", "surface_length")
    path = Path(getattr(train, "root", "")) / "meshes" / f"{shape_id}.npz"
    try:
        with np.load(path, allow_pickle=False) as z:
            return tuple(z[k] for k in keys)
    except (OSError, KeyError, ValueError):
        c = train.case(index)
        return tuple(c[k] for k in keys)


class NearestCasePredictor:
    """A :data:`~geonop.aero.metrics.Predictor`: the nearest training case's fields.

    Parameters
    ----------
    train : AirfoilRANSDataset
        The training split, ``nondimensional=True``.
    shape_weight, reynolds_weight, aoa_weight : float
        Weights of the three terms of the case distance (module docstring).
    stations : int
        Chord stations of the shape descriptor.
    cache : int
        Training cases (fields and triangulations) kept in memory.
    """

    def __init__(self, train: Any, shape_weight: float = 1.0, reynolds_weight: float = 0.25,
                 aoa_weight: float = 1.0, stations: int = 32, cache: int = 8) -> None:
        if not getattr(train, "nondimensional", False):
            raise InvalidArgumentError("NearestCasePredictor needs a training dataset with "
                                       "nondimensional=True")
        if len(train) < 1:
            raise InvalidArgumentError("NearestCasePredictor: empty training dataset")
        if min(shape_weight, reynolds_weight, aoa_weight) < 0:
            raise InvalidArgumentError("NearestCasePredictor: weights must be non-negative")
        self.train = train
        self.weights = (float(shape_weight), float(reynolds_weight), float(aoa_weight))
        self.stations = int(stations)
        g = train.globals()
        self.reynolds = g["reynolds"] * 1e-6
        self.aoa = g["aoa_deg"]
        shapes: dict[str, np.ndarray] = {}
        self.descriptors = np.empty((len(train), 2 * self.stations))
        for i, shape_id in enumerate(g["shape_id"]):
            if shape_id not in shapes:
                shapes[shape_id] = shape_descriptor(*_wall_of(train, i, str(shape_id)),
                                                    self.stations)
            self.descriptors[i] = shapes[shape_id]
        distinct = np.stack(list(shapes.values()))
        pair = np.sqrt(np.mean((distinct[:, None] - distinct[None]) ** 2, axis=-1))
        off = pair[~np.eye(len(distinct), dtype=bool)]
        self.shape_scale = float(np.median(off)) if off.size and np.median(off) > 0 else 1.0
        self.reynolds_scale = float(np.std(self.reynolds)) or 1.0
        self.aoa_scale = float(np.std(self.aoa)) or 1.0
        self._cache: OrderedDict[int, tuple[Any, ...]] = OrderedDict()
        self._cache_size = max(1, int(cache))

    def distances(self, descriptor: np.ndarray, reynolds_1e6: float, aoa_deg: float) -> np.ndarray:
        """Distance of a case to every training case: ndarray of shape [len(train)]."""
        ws, wr, wa = self.weights
        d_shape = np.sqrt(np.mean((self.descriptors - descriptor) ** 2, axis=1))
        return np.sqrt(ws * (d_shape / self.shape_scale) ** 2
                       + wr * ((self.reynolds - reynolds_1e6) / self.reynolds_scale) ** 2
                       + wa * ((self.aoa - aoa_deg) / self.aoa_scale) ** 2)

    def nearest(self, data: Any) -> int:
        """Index (in the training split) of the case nearest to sample ``data``."""
        desc = shape_descriptor(data.surface_pos, data.surface_normal, data.surface_length,
                                self.stations)
        reynolds = getattr(data, "reynolds", None)
        # without the raw globals (a sample made for inference), u = [Re / 1e6, AoA]
        re_1e6 = (float(reynolds.reshape(-1)[0]) * 1e-6 if reynolds is not None
                  else float(data.u.reshape(-1)[0]))
        d = self.distances(desc, re_1e6, float(data.aoa_deg.reshape(-1)[0]))
        return int(np.argmin(d))

    def _source(self, index: int) -> tuple[Any, ...]:
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        d = self.train[index]
        pos = d.pos.double().numpy()
        y = d.y.double().numpy()
        s = wall_arc_parameter(d.surface_pos, d.surface_normal, d.surface_length)
        entry = (pos, y, _TriangleLocator(pos), cKDTree(pos), s, d.surface_y.double().numpy())
        self._cache[index] = entry
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return entry

    def __call__(self, data: Any) -> tuple[np.ndarray, np.ndarray]:
        pos_src, y_src, tri, tree, s_src, sy_src = self._source(self.nearest(data))
        q = data.pos.double().numpy()
        vol, outside = _linear(tri, pos_src, y_src, q)
        dist, idx = tree.query(q)
        vol[outside] = y_src[idx[outside]]
        exact = dist == 0
        vol[exact] = y_src[idx[exact]]
        s = wall_arc_parameter(data.surface_pos, data.surface_normal, data.surface_length)
        surf = np.stack([np.interp(s, s_src, sy_src[:, c], period=2.0)
                         for c in range(sy_src.shape[1])], axis=1)
        return vol, surf


class _TriangleLocator:
    """The Delaunay triangles of points [N, 2] and the triangle that holds each query.

    Locating goes through matplotlib's trapezoid map when matplotlib is installed: scipy's
    ``find_simplex`` first sets up every triangle with a tiny LAPACK call, which a
    multi-threaded BLAS on a loaded machine slows tenfold.
    """

    def __init__(self, pos: np.ndarray) -> None:
        self.delaunay = Delaunay(pos)
        self.simplices = self.delaunay.simplices
        self._finder = None
        if optional.WITH_MATPLOTLIB:
            try:
                from matplotlib.tri import Triangulation

                self._finder = Triangulation(pos[:, 0], pos[:, 1],
                                             self.simplices).get_trifinder()
            except (ImportError, ValueError, RuntimeError):
                self._finder = None

    def find(self, q: np.ndarray) -> np.ndarray:
        """Triangle index of every query [Q] (-1 outside)."""
        if self._finder is not None:
            return np.asarray(self._finder(q[:, 0], q[:, 1]), dtype=np.int64)
        return self.delaunay.find_simplex(q)


def _linear(tri: _TriangleLocator, pos: np.ndarray, values: np.ndarray, q: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-linear interpolation on a 2D triangulation: values [Q, C] and a mask [Q] of
    the points outside it (their rows are 0).

    What ``scipy.interpolate.LinearNDInterpolator`` computes, with the barycentric
    coordinates written out (scipy's goes through per-triangle LAPACK calls, see
    :class:`_TriangleLocator`).
    """
    simplex = tri.find(q)
    outside = simplex < 0
    tri_v = tri.simplices[np.where(outside, 0, simplex)]                 # [Q, 3]
    a, b, c = pos[tri_v[:, 0]], pos[tri_v[:, 1]], pos[tri_v[:, 2]]
    det = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
    det = np.where(det == 0, 1.0, det)
    l1 = ((q[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (q[:, 1] - a[:, 1])) / det
    l2 = ((b[:, 0] - a[:, 0]) * (q[:, 1] - a[:, 1]) - (q[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])) / det
    l0 = 1.0 - l1 - l2
    out = (l0[:, None] * values[tri_v[:, 0]] + l1[:, None] * values[tri_v[:, 1]]
           + l2[:, None] * values[tri_v[:, 2]])
    out[outside] = 0.0
    return out, outside


def nearest_case_predictor(train: Any, **options: Any) -> NearestCasePredictor:
    """The nearest-training-case :data:`~geonop.aero.metrics.Predictor` of ``train``
    (options: those of :class:`NearestCasePredictor`)."""
    return NearestCasePredictor(train, **options)
