"""The stored RANS airfoil dataset (``datasets/airfoil_rans``), read lazily.

Layout (written by :mod:`geonop.data.airfoil.generate`): ``manifest.json`` (globals and
convergence record of every case), ``split.json`` (train/test case lists; whole airfoil
shapes are held out), ``meshes/<shape>.npz`` (shared by a shape's cases) and
``cases/<case>.npz``. Units: SI, chord 1 m, density 1 (pressures are kinematic, m^2/s^2,
zero in the free stream, so ``Cp = p / (0.5 U_inf^2)``).

One sample, as :class:`torch_geometric.data.Data`::

    pos             [N, 2]   cell centres (m)
    x               [N, 3]   signed distance to the wall (m) and unit direction away from
                             the nearest wall point (:func:`~geonop.data.airfoil.features.wall_features`)
    y               [N, 4]   U_x, U_y (m/s), p (m^2/s^2), nut (m^2/s)
    u               [1, 2]   global inputs: U_inf (m/s), angle of attack (degrees)
    surface_pos     [M, 2]   wall-face centres
    surface_normal  [M, 2]   unit normals out of the airfoil
    surface_length  [M]      wall-face lengths (m)
    surface_y       [M, 3]   p, wall shear stress x, y (OpenFOAM's wallShearStress, m^2/s^2)
    cl, cd          [1]      OpenFOAM's lift and drag coefficients
    reynolds, u_inf, aoa_deg, nu   [1]

With ``nondimensional=True`` the fields are ``y = [U / U_inf, Cp, nut / nu]``,
``surface_y = [Cp, tau / (0.5 U_inf^2)]`` and ``u = [Re / 1e6, angle of attack]``: flows at
different speeds then look alike, which is what a surrogate should learn
(:func:`~geonop.data.airfoil.features.to_si` converts back).

With ``query_points`` set, the training view ``dataset[(i, seed)]`` keeps a random subset of
that many volume points (the surface is always whole).
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

import numpy as np
import torch
from torch_geometric.data import Data

from geonop.data.airfoil.features import (
    closed_polygon,
    to_nondimensional,
    wall_faces,
    wall_features,
)
from geonop.data.airfoil.potential import PotentialFlow, boundary_layer_factor
from geonop.data.base import GeometryDataset
from geonop.errors import CorruptFileError, InvalidArgumentError, InvalidMeshError, MissingFileError

PathLike = Union[str, "os.PathLike[str]"]

#: volume targets (name, channels), the layout of ``Data.y``
VOLUME_TARGETS = (("U", 2), ("p", 1), ("nut", 1))
#: surface targets (name, channels), the layout of ``Data.surface_y``
SURFACE_TARGETS = (("p", 1), ("wall_shear", 2))
#: global inputs, the layout of ``Data.u``
GLOBAL_INPUTS = ("u_inf", "aoa_deg")
#: global inputs of the non-dimensional view
GLOBAL_INPUTS_NONDIMENSIONAL = ("reynolds_1e6", "aoa_deg")
#: kinematic viscosity of the shipped data when a manifest does not say (m^2/s)
DEFAULT_NU = 1.56e-5


def default_root() -> Path:
    """``datasets/airfoil_rans`` of the geonop checkout (override with ``GEONOP_AIRFOIL_DATA``)."""
    env = os.environ.get("GEONOP_AIRFOIL_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "datasets" / "airfoil_rans"


def _load_json(path: Path) -> Any:
    if not path.is_file():
        raise MissingFileError(path, "missing (generate the dataset with "
                                     "scripts/make_airfoil_dataset.py)")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise CorruptFileError(path, f"not valid JSON ({exc})") from exc


class AirfoilRANSDataset(GeometryDataset):
    """RANS flows around NACA airfoils (OpenFOAM, Spalart-Allmaras), one case per sample.

    Parameters
    ----------
    root : path, optional
        Dataset folder (default :func:`default_root`).
    split : str
        ``"train"``, ``"test"`` or ``"all"`` (the lists in ``split.json``).
    query_points : int, optional
        Volume points per training view (``dataset[(i, seed)]``); ``None`` keeps all.
    cache_meshes : int
        Shape meshes kept in memory (a shape's cases share one mesh).
    nondimensional : bool
        Fields in ``U / U_inf``, ``Cp``, ``nut / nu`` (see the module docstring).
    potential_flow : bool
        Add the inviscid flow of each case (:mod:`~geonop.data.airfoil.potential`) as
        ``prior`` [N, 3] (``u, v, Cp`` at the query points, free-stream units) and
        ``surface_prior`` [M, 3] (the same on the wall); computed once per case and kept.
    boundary_layer : bool
        With ``potential_flow``: the prior's volume velocity goes to zero at the wall
        through a turbulent boundary layer of the case's Reynolds number
        (:func:`~geonop.data.airfoil.potential.boundary_layer_factor`).
    """

    normalized_fields = ("pos", "x", "y", "u", "surface_y")

    def __init__(self, root: PathLike | None = None, split: str = "train",
                 query_points: int | None = None, cache_meshes: int = 64,
                 nondimensional: bool = False, potential_flow: bool = False,
                 boundary_layer: bool = False) -> None:
        self.root = Path(root) if root is not None else default_root()
        if split not in ("train", "test", "all"):
            raise InvalidArgumentError(f"split: {split!r} (expected 'train', 'test' or 'all')")
        if query_points is not None and int(query_points) < 1:
            raise InvalidArgumentError(f"query_points: {query_points} must be positive")
        self.split = split
        self.nondimensional = bool(nondimensional)
        self.potential_flow = bool(potential_flow)
        if boundary_layer and not self.potential_flow:
            raise InvalidArgumentError("boundary_layer: shapes the potential-flow prior; set "
                                       "potential_flow=True as well")
        self.boundary_layer = bool(boundary_layer)
        if self.potential_flow:
            self.normalized_fields = (*type(self).normalized_fields, "prior", "surface_prior")
        self._priors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.query_points = None if query_points is None else int(query_points)
        manifest = _load_json(self.root / "manifest.json")
        splits = _load_json(self.root / "split.json")
        by_id = {c["case_id"]: c for c in manifest.get("cases", [])}
        ids = list(by_id) if split == "all" else list(splits.get(split, []))
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise CorruptFileError(self.root / "split.json",
                                   f"cases not in manifest.json: {missing[:5]}")
        self.case_ids: list[str] = ids
        self.records: list[dict[str, Any]] = [by_id[i] for i in ids]
        self.manifest = manifest
        self._meshes: OrderedDict[str, dict[str, np.ndarray]] = OrderedDict()
        self._cache = max(0, int(cache_meshes))

    def __len__(self) -> int:
        return len(self.case_ids)

    # -- raw access ----------------------------------------------------------------------
    def globals(self) -> dict[str, np.ndarray]:
        """Per-case scalars of this split without reading any array file.

        Returns
        -------
        dict of str to ndarray of shape [len(self)]
            ``u_inf``, ``aoa_deg``, ``reynolds``, ``cl``, ``cd``, ``cm``, plus ``shape_id``
            (strings).
        """
        keys = ("u_inf", "aoa_deg", "reynolds", "cl", "cd", "cm")
        out = {k: np.array([r[k] for r in self.records], dtype=np.float64) for k in keys}
        out["shape_id"] = np.array([r["shape_id"] for r in self.records])
        return out

    def _mesh(self, shape_id: str) -> dict[str, np.ndarray]:
        if shape_id in self._meshes:
            self._meshes.move_to_end(shape_id)
            return self._meshes[shape_id]
        path = self.root / "meshes" / f"{shape_id}.npz"
        mesh = self._read_npz(path, ("volume_pos", "surface_pos", "surface_normal",
                                     "surface_length", "surface_cell", "outline"))
        try:
            mesh["volume_x"] = wall_features(mesh["outline"], mesh["volume_pos"])
        except InvalidMeshError as exc:
            raise CorruptFileError(path, f"bad airfoil outline ({exc})") from exc
        if self._cache:
            self._meshes[shape_id] = mesh
            while len(self._meshes) > self._cache:
                self._meshes.popitem(last=False)
        return mesh

    @staticmethod
    def _read_npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
        if not path.is_file():
            raise MissingFileError(path, "missing from the dataset")
        try:
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in keys}
        except KeyError as exc:
            raise CorruptFileError(path, f"no array {exc}") from exc
        except (OSError, ValueError) as exc:
            raise CorruptFileError(path, f"unreadable npz ({exc})") from exc

    def case(self, index: int) -> dict[str, Any]:
        """All arrays and globals of case ``index`` (numpy; volume fields as stored).

        Returns
        -------
        dict
            ``volume_pos`` [N, 2], ``volume_u`` [N, 2], ``volume_p`` [N], ``volume_nut`` [N],
            ``surface_pos`` [M, 2], ``surface_normal`` [M, 2], ``surface_length`` [M],
            ``surface_p`` [M], ``surface_tau`` [M, 2], ``surface_cell`` [M] (index of the wall
            cell), ``outline`` [K, 2] (the airfoil polygon, Selig order), ``volume_x`` [N, 3]
            (:func:`~geonop.data.airfoil.features.wall_features`), and the case's manifest
            record under ``"meta"``.
        """
        if not 0 <= index < len(self):
            raise IndexError(f"case {index} out of range for {len(self)} cases")
        rec = self.records[index]
        fields = self._read_npz(self.root / "cases" / f"{rec['case_id']}.npz",
                                ("volume_u", "volume_p", "volume_nut", "surface_p", "surface_tau"))
        mesh = self._mesh(rec["shape_id"])
        if len(fields["volume_p"]) != len(mesh["volume_pos"]):
            raise CorruptFileError(self.root / "cases" / f"{rec['case_id']}.npz",
                                   f"{len(fields['volume_p'])} cells, its mesh has "
                                   f"{len(mesh['volume_pos'])}")
        return {**mesh, **fields, "meta": rec}

    # -- GeometryDataset -----------------------------------------------------------------
    def nu(self, record: dict[str, Any] | None = None) -> float:
        """Kinematic viscosity (m^2/s) of a case (or of the dataset)."""
        if record is not None and "nu" in record:
            return float(record["nu"])
        return float(self.manifest.get("nu", DEFAULT_NU))

    def get(self, index: int, seed: int | None = None) -> Data:
        c = self.case(index)
        rec = c["meta"]
        y = np.concatenate([c["volume_u"], c["volume_p"][:, None], c["volume_nut"][:, None]],
                           axis=1).astype(np.float32)
        surface_y = np.concatenate([c["surface_p"][:, None], c["surface_tau"]], axis=1)
        pos, x = c["volume_pos"].astype(np.float32), c["volume_x"]
        extra: dict[str, torch.Tensor] = {}
        prior = None
        if self.potential_flow:
            prior, surface_prior = self._prior(c)
            extra["surface_prior"] = torch.from_numpy(surface_prior)
        if seed is not None and self.query_points is not None and self.query_points < len(pos):
            rng = np.random.default_rng(seed)
            keep = np.sort(rng.choice(len(pos), size=self.query_points, replace=False))
            pos, x, y = pos[keep], x[keep], y[keep]
            prior = None if prior is None else prior[keep]
        if prior is not None:
            extra["prior"] = torch.from_numpy(prior)
        nu = self.nu(rec)
        if self.nondimensional:
            y, surface_y = to_nondimensional(y, surface_y, rec["u_inf"], nu)
            u = [[rec["reynolds"] * 1e-6, rec["aoa_deg"]]]
        else:
            u = [[rec["u_inf"], rec["aoa_deg"]]]
        return Data(
            pos=torch.from_numpy(pos), x=torch.from_numpy(x), y=torch.from_numpy(y),
            u=torch.tensor(u, dtype=torch.float32),
            surface_pos=torch.from_numpy(c["surface_pos"].astype(np.float32)),
            surface_normal=torch.from_numpy(c["surface_normal"].astype(np.float32)),
            surface_length=torch.from_numpy(c["surface_length"].astype(np.float32)),
            surface_y=torch.from_numpy(surface_y.astype(np.float32)),
            cl=torch.tensor([rec["cl"]], dtype=torch.float64),
            cd=torch.tensor([rec["cd"]], dtype=torch.float64),
            reynolds=torch.tensor([rec["reynolds"]], dtype=torch.float64),
            u_inf=torch.tensor([rec["u_inf"]], dtype=torch.float64),
            aoa_deg=torch.tensor([rec["aoa_deg"]], dtype=torch.float64),
            nu=torch.tensor([nu], dtype=torch.float64),
            case_id=rec["case_id"],
            **extra,
        )

    def _prior(self, c: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Potential-flow features of a case on its whole mesh and wall (cached)."""
        case_id = c["meta"]["case_id"]
        if case_id not in self._priors:
            self._priors[case_id] = potential_features(
                c["outline"], float(c["meta"]["aoa_deg"]), c["volume_pos"], c["surface_pos"],
                c["volume_x"], float(c["meta"]["reynolds"]) if self.boundary_layer else None)
        return self._priors[case_id]

    def spec(self) -> dict[str, Any]:
        nondim = self.nondimensional
        return {
            "dataset": "AirfoilRANSDataset",
            "targets": [list(t) for t in VOLUME_TARGETS],
            "surface_targets": [list(t) for t in SURFACE_TARGETS],
            "global_inputs": list(GLOBAL_INPUTS_NONDIMENSIONAL if nondim else GLOBAL_INPUTS),
            "nondimensional": nondim,
            "potential_flow": self.potential_flow,
            "boundary_layer": self.boundary_layer,
            "nu": self.nu(),
            "dim": 2,
            "units": ("U / U_inf, Cp, nut / nu; surface Cp, tau / (0.5 U_inf^2)" if nondim else
                      "SI, chord 1 m, density 1 (kinematic pressure, zero in the free stream)"),
            "model_args": {"out_channels": sum(c for _, c in VOLUME_TARGETS)},
        }

    @classmethod
    def inference_data(cls, spec: Mapping[str, Any], mesh: Any, query: Any = None,
                       params: Mapping[str, Any] | None = None) -> Data:
        """Model input for a new airfoil: ``mesh`` is its outline (a ``.dat`` file read by
        :func:`geonop.read`, or a 2D mesh whose ``line`` cells form the closed wall).

        ``params`` (or ``mesh.meta``) gives the free stream: ``aoa_deg`` and one of
        ``u_inf`` (m/s) or ``reynolds`` (chord 1 m). ``query`` defaults to
        :func:`~geonop.data.airfoil.features.default_query_points`.
        """
        from geonop.data.airfoil.features import default_query_points

        outline = outline_of(mesh)
        values = {**dict(getattr(mesh, "meta", {}) or {}), **dict(params or {})}
        nu = float(values.get("nu", spec.get("nu", DEFAULT_NU)))
        u_inf, aoa = free_stream(values, nu)
        if query is None:
            pos = default_query_points(outline)
        else:
            pos = np.asarray(getattr(query, "points", query), dtype=np.float64)[:, :2]
        faces = wall_faces(outline)
        u = ([[u_inf / nu * 1e-6, aoa]] if spec.get("nondimensional") else [[u_inf, aoa]])
        x = wall_features(outline, pos)
        extra = {}
        if spec.get("potential_flow"):
            reynolds = u_inf / nu if spec.get("boundary_layer") else None  # chord 1 m
            prior, surface_prior = potential_features(outline, aoa, pos, faces["surface_pos"], x,
                                                      reynolds)
            extra = {"prior": torch.from_numpy(prior),
                     "surface_prior": torch.from_numpy(surface_prior)}
        return Data(
            pos=torch.from_numpy(pos.astype(np.float32)),
            x=torch.from_numpy(x),
            u=torch.tensor(u, dtype=torch.float32),
            **{k: torch.from_numpy(v) for k, v in faces.items()},
            u_inf=torch.tensor([u_inf], dtype=torch.float64),
            aoa_deg=torch.tensor([aoa], dtype=torch.float64),
            nu=torch.tensor([nu], dtype=torch.float64),
            **extra,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)}, split={self.split!r}, root='{self.root}')"


def potential_features(outline: np.ndarray, aoa_deg: float, volume_pos: np.ndarray,
                       surface_pos: np.ndarray, volume_x: np.ndarray | None = None,
                       reynolds: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The inviscid flow ``[u, v, Cp]`` (free-stream units) at volume points [N, 2] and wall
    points [M, 2] of an airfoil: float32 arrays of shapes [N, 3] and [M, 3] (``volume_x``:
    the points' :func:`~geonop.data.airfoil.features.wall_features`, when known).

    With ``reynolds``, the volume velocity is multiplied by
    :func:`~geonop.data.airfoil.potential.boundary_layer_factor` (a turbulent boundary layer
    of that chord Reynolds number; pressure is unchanged across it)."""
    try:
        flow = PotentialFlow.solve(outline, aoa_deg)
        if volume_x is None:
            volume_x = wall_features(outline, volume_pos)
        vol = flow.features(volume_pos, volume_x)
        if reynolds is not None:
            x_le = volume_pos[:, 0] - float(np.min(outline[:, 0]))
            vol[:, :2] *= boundary_layer_factor(volume_x[:, 0], x_le, reynolds)[:, None]
        return vol, flow.surface_features(surface_pos)
    except InvalidMeshError as exc:
        raise InvalidMeshError(f"potential flow of the airfoil: {exc}") from exc


def outline_of(mesh: Any) -> np.ndarray:
    """The closed airfoil polygon [K, 2] of a mesh read from a ``.dat`` file (or any 2D mesh
    whose ``line`` cells form one closed curve), or of an [K, 2] array."""
    if isinstance(mesh, np.ndarray):
        pts = mesh
    else:
        points = np.asarray(getattr(mesh, "points", None))
        cells = getattr(mesh, "cells", {}) or {}
        if points.ndim != 2 or "line" not in cells:
            raise InvalidMeshError("an airfoil needs a closed outline (a .dat file or line cells)")
        lines = np.asarray(cells["line"])
        order = [int(lines[0, 0])]
        nxt = {int(a): int(b) for a, b in lines}
        while len(order) <= len(lines):
            b = nxt.get(order[-1])
            if b is None:
                raise InvalidMeshError("the airfoil outline is not one closed curve")
            if b == order[0]:
                break
            order.append(b)
        pts = points[order, :2]
    pts, _ = closed_polygon(pts)
    return pts


def free_stream(values: Mapping[str, Any], nu: float) -> tuple[float, float]:
    """``(u_inf, aoa_deg)`` from ``aoa_deg`` and ``u_inf`` or ``reynolds`` (chord 1 m)."""
    if "aoa_deg" not in values and "aoa" not in values:
        raise InvalidArgumentError("flow conditions: give the angle of attack 'aoa_deg' (degrees)")
    aoa = float(values.get("aoa_deg", values.get("aoa")))
    if "u_inf" in values:
        u_inf = float(values["u_inf"])
    elif "reynolds" in values:
        u_inf = float(values["reynolds"]) * nu
    else:
        raise InvalidArgumentError("flow conditions: give 'u_inf' (m/s) or 'reynolds'")
    if not (np.isfinite(u_inf) and u_inf > 0 and np.isfinite(aoa)):
        raise InvalidArgumentError(f"flow conditions: u_inf {u_inf} must be positive, "
                                   f"aoa_deg {aoa} finite")
    return u_inf, aoa
