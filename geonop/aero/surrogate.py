"""Predict a flow from an airfoil shape and flow conditions alone: no meshing, no CFD.

    >>> import geonop
    >>> sur = geonop.aero.AirfoilSurrogate.load("runs/demo/model.pt")
    >>> pred = sur.predict("meshes/naca0012.dat", aoa_deg=4.0, reynolds=3e6)
    >>> pred.cl, pred.cd
    >>> pred.write("out/naca0012")     # .vtu volume, .vtp + .csv surface, .json coefficients

The model is any geonop model trained on :class:`~geonop.data.airfoil.AirfoilRANSDataset`
(non-dimensional view) that predicts volume and surface fields (``predict_all``), e.g.
:class:`~geonop.models.NeuralFieldOperator`. The wall is rediscretised like the training
meshes (:func:`~geonop.data.airfoil.features.wall_faces`); volume fields are predicted at
``query`` points (any points, a mesh's points, or by default a cloud dense near the wall);
C_L/C_D integrate the predicted wall pressure and shear.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np
import torch
from torch_geometric.data import Batch, Data

from geonop.aero.metrics import force_coefficients
from geonop.data.airfoil.dataset import DEFAULT_NU, AirfoilRANSDataset
from geonop.data.airfoil.features import to_si
from geonop.errors import CheckpointError, InvalidArgumentError
from geonop.io import Mesh, atomic_write_text, read, write
from geonop.models.base import GeonopModel

PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class AirfoilPrediction:
    """Fields and coefficients predicted for one airfoil and free stream.

    Attributes
    ----------
    points : ndarray of shape [N, 2]
        Volume query points (m; chord 1 m).
    volume : dict
        ``U`` [N, 2] (m/s), ``p`` [N] (kinematic, m^2/s^2), ``nut`` [N] (m^2/s), ``Cp`` [N],
        ``U_over_Uinf`` [N, 2].
    surface : dict
        ``pos`` [M, 2], ``normal`` [M, 2], ``length`` [M], ``Cp`` [M], ``Cf`` [M] (skin
        friction, tangential, positive for attached flow along the surface direction of the
        free stream), ``tau`` [M, 2] and ``p`` [M] in SI.
    cl, cd, cm : float
    u_inf, aoa_deg, reynolds : float
    """

    points: np.ndarray
    volume: dict[str, np.ndarray]
    surface: dict[str, np.ndarray]
    cl: float
    cd: float
    cm: float
    u_inf: float
    aoa_deg: float
    reynolds: float
    cells: dict[str, np.ndarray] = field(default_factory=dict)

    def coefficients(self) -> dict[str, float]:
        return {"cl": self.cl, "cd": self.cd, "cm": self.cm, "u_inf": self.u_inf,
                "aoa_deg": self.aoa_deg, "reynolds": self.reynolds}

    def write(self, stem: PathLike) -> dict[str, Path]:
        """Write ``<stem>.vtu`` (volume), ``<stem>_surface.vtp`` and ``_surface.csv``, and
        ``<stem>_coefficients.json``, each atomically. Returns the paths."""
        stem = Path(stem)
        stem.parent.mkdir(parents=True, exist_ok=True)
        pts3 = np.column_stack([self.points, np.zeros(len(self.points))])
        cells = self.cells or {"vertex": np.arange(len(self.points))[:, None]}
        vol = Mesh(points=pts3, cells=cells, point_data={
            k: (np.column_stack([v, np.zeros(len(v))]) if v.ndim == 2 else v).astype(np.float32)
            for k, v in self.volume.items()})
        out = {"volume": write(vol, stem.with_name(stem.name + ".vtu"))}
        s = self.surface
        spts = np.column_stack([s["pos"], np.zeros(len(s["pos"]))])
        surf = Mesh(points=spts, cells={"vertex": np.arange(len(spts))[:, None]}, point_data={
            "Cp": s["Cp"].astype(np.float32), "Cf": s["Cf"].astype(np.float32),
            "p": s["p"].astype(np.float32),
            "tau": np.column_stack([s["tau"], np.zeros(len(spts))]).astype(np.float32),
            "normal": np.column_stack([s["normal"], np.zeros(len(spts))]).astype(np.float32)})
        out["surface"] = write(surf, stem.with_name(stem.name + "_surface.vtp"))
        header = "x,y,nx,ny,length,Cp,Cf,p,tau_x,tau_y"
        rows = np.column_stack([s["pos"], s["normal"], s["length"], s["Cp"], s["Cf"], s["p"],
                                s["tau"]])
        lines = [header] + [",".join(f"{v:.8g}" for v in r) for r in rows]
        out["surface_csv"] = atomic_write_text(stem.with_name(stem.name + "_surface.csv"),
                                               "\n".join(lines) + "\n")
        out["coefficients"] = atomic_write_text(stem.with_name(stem.name + "_coefficients.json"),
                                                json.dumps(self.coefficients(), indent=2) + "\n")
        return out


class AirfoilSurrogate:
    """A trained airfoil model with the data conventions it was trained on.

    Parameters
    ----------
    model : GeonopModel
        With ``predict_all(data) -> (volume, surface)`` in the dataset's units.
    spec : dict, optional
        The training data's spec (default: ``model.checkpoint_info.data["spec"]``).
    """

    def __init__(self, model: GeonopModel, spec: dict[str, Any] | None = None) -> None:
        if not hasattr(model, "predict_all"):
            raise InvalidArgumentError(f"{type(model).__name__} does not predict surface fields "
                                       "(no predict_all); train a NeuralFieldOperator")
        if spec is None:
            info = getattr(model, "checkpoint_info", None)
            spec = (getattr(info, "data", None) or {}).get("spec") if info is not None else None
        if not spec:
            raise InvalidArgumentError("the model does not say how its data was built; pass spec")
        self.model = model.eval()
        self.spec = dict(spec)
        self.nu = float(self.spec.get("nu", DEFAULT_NU))

    @classmethod
    def load(cls, path: PathLike) -> AirfoilSurrogate:
        """Rebuild from a checkpoint written by the Trainer (see :func:`geonop.load`)."""
        from geonop.train.checkpoint import load

        model = load(path)
        data = getattr(getattr(model, "checkpoint_info", None), "data", None) or {}
        if "AirfoilRANSDataset" not in str(data.get("dataset", "")):
            raise CheckpointError(path, "was not trained on the airfoil dataset "
                                        f"(dataset: {data.get('dataset')!r})")
        return cls(model, data.get("spec"))

    def input_data(self, airfoil: Any, aoa_deg: float, u_inf: float | None = None,
                   reynolds: float | None = None, query: Any = None) -> Data:
        """The model input for an airfoil (path, mesh or outline array [K, 2]) in a free
        stream (``u_inf`` in m/s or ``reynolds`` for a 1 m chord)."""
        if isinstance(airfoil, (str, os.PathLike)):
            airfoil = read(airfoil)
        params: dict[str, Any] = {"aoa_deg": aoa_deg}
        if u_inf is not None:
            params["u_inf"] = u_inf
        if reynolds is not None:
            params["reynolds"] = reynolds
        if isinstance(query, (str, os.PathLike)):
            query = read(query)
        return AirfoilRANSDataset.inference_data(self.spec, airfoil, query, params)

    @torch.no_grad()
    def predict(self, airfoil: Any, aoa_deg: float, u_inf: float | None = None,
                reynolds: float | None = None, query: Any = None) -> AirfoilPrediction:
        """Fields at ``query`` (default: a cloud around the airfoil), wall fields, C_L/C_D."""
        query_mesh = read(query) if isinstance(query, (str, os.PathLike)) else query
        data = self.input_data(airfoil, aoa_deg, u_inf, reynolds, query_mesh)
        batch = Batch.from_data_list([data], follow_batch=["surface_pos"])
        vol, surf = self.model.predict_all(batch)
        vol, surf = vol.double().cpu().numpy(), surf.double().cpu().numpy()
        u, aoa = float(data.u_inf), float(data.aoa_deg)
        nondim = bool(self.spec.get("nondimensional"))
        q = 0.5 * u * u
        if nondim:
            v_nd, s_nd = vol, surf
            vol, surf = to_si(vol, surf, u, self.nu)
        else:
            v_nd, s_nd = vol / np.array([u, u, q, self.nu]), surf / q
        sp, sn = data.surface_pos.double().numpy(), data.surface_normal.double().numpy()
        sl = data.surface_length.double().numpy()
        coeff = force_coefficients(sp, sn, sl, s_nd, aoa)
        tangent = np.column_stack([-sn[:, 1], sn[:, 0]])
        a = np.radians(aoa)
        flow = np.array([np.cos(a), np.sin(a)])
        # orient each tangent along the free stream, so Cf > 0 for flow following the wall
        tangent *= np.where(tangent @ flow < 0, -1.0, 1.0)[:, None]
        cf = -(s_nd[:, 1:3] * tangent).sum(1)
        cells = {}
        if query_mesh is not None and getattr(query_mesh, "cells", None):
            cells = dict(query_mesh.cells)
        return AirfoilPrediction(
            points=data.pos.double().numpy(),
            volume={"U": vol[:, 0:2], "p": vol[:, 2], "nut": vol[:, 3], "Cp": v_nd[:, 2],
                    "U_over_Uinf": v_nd[:, 0:2]},
            surface={"pos": sp, "normal": sn, "length": sl, "Cp": s_nd[:, 0], "Cf": cf,
                     "p": surf[:, 0], "tau": surf[:, 1:3]},
            cl=coeff["cl"], cd=coeff["cd"], cm=coeff["cm"], u_inf=u, aoa_deg=aoa,
            reynolds=u / self.nu, cells=cells)
