"""Accuracy of an airfoil surrogate on held-out cases: fields, surface, lift and drag.

The protocol follows AirfRANS (Bonnet et al. 2022, https://arxiv.org/abs/2212.07564):
normalised MSE per field (the MSE of fields standardised by the training split's mean
and standard deviation), relative L2 error per field and case, relative errors of C_L
and C_D, and the Spearman rank correlation of C_L and C_D over the test set. Every model
is scored from its predictions in the dataset's non-dimensional units
(:func:`~geonop.data.airfoil.features.to_nondimensional`): volume ``U/U_inf, Cp, nut/nu``,
surface ``Cp, tau/(0.5 U_inf^2)``.

Coefficients come from integrating the predicted surface pressure and shear
(:func:`force_coefficients`), exactly as the ground truth's re-integration does, so the
C_L/C_D errors measure the predicted surface fields.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from geonop.data.airfoil.dataset import SURFACE_TARGETS, VOLUME_TARGETS
from geonop.data.airfoil.extract import integrate_coefficients
from geonop.errors import InvalidArgumentError

#: a surrogate as the benchmark sees it: sample -> (volume [N, 4], surface [M, 3]), non-dimensional
Predictor = Callable[[Any], tuple[np.ndarray, np.ndarray]]


def force_coefficients(surface_pos: np.ndarray, surface_normal: np.ndarray,
                       surface_length: np.ndarray, surface_y: np.ndarray, aoa_deg: float
                       ) -> dict[str, float]:
    """``cl``, ``cd``, ``cm`` (and pressure parts) from non-dimensional surface fields.

    Parameters
    ----------
    surface_pos, surface_normal : ndarray of shape [M, 2]
    surface_length : ndarray of shape [M]
    surface_y : ndarray of shape [M, 3]
        ``Cp`` and ``tau / (0.5 U_inf^2)`` (x, y).
    aoa_deg : float
    """
    sy = np.asarray(surface_y, dtype=np.float64)
    # with U_inf = sqrt(2) the dynamic pressure is 1: Cp and tau/q are then the fields
    return integrate_coefficients(surface_pos, surface_normal, surface_length, sy[:, 0],
                                  sy[:, 1:3], math.sqrt(2.0), aoa_deg)


@dataclass
class CaseResult:
    """Errors of one case."""

    case_id: str
    volume_se: np.ndarray       # [4] sum of squared normalised errors per channel
    volume_count: int
    surface_se: np.ndarray      # [3]
    surface_count: int
    volume_rel_l2: dict[str, float]
    surface_rel_l2: dict[str, float]
    cl_true: float
    cd_true: float
    cl_pred: float
    cd_pred: float
    seconds: float


@dataclass
class AeroReport:
    """Aggregated accuracy over a test set (see :meth:`summary`)."""

    cases: list[CaseResult] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        """Flat dict of figures:

        - ``nmse/volume/<f>``, ``nmse/surface/<f>``: normalised MSE per field (mean over all
          points of all cases, each channel standardised by the training statistics);
          ``nmse/volume``/``nmse/surface`` average the channels;
        - ``rel_l2/volume/<f>``, ``rel_l2/surface/<f>``: relative L2 error, mean over cases;
        - ``cl_rel_error``, ``cd_rel_error``: mean of ``|pred - true| / |true|``;
          ``cl_abs_error``, ``cd_abs_error``: mean absolute errors;
        - ``cl_spearman``, ``cd_spearman``: rank correlation over cases;
        - ``seconds_per_case``: median inference time.
        """
        if not self.cases:
            raise InvalidArgumentError("no cases evaluated")
        out: dict[str, float] = {}
        vse = sum(c.volume_se for c in self.cases) / sum(c.volume_count for c in self.cases)
        sse = sum(c.surface_se for c in self.cases) / sum(c.surface_count for c in self.cases)
        vnames = _channel_names(VOLUME_TARGETS)
        snames = _channel_names(SURFACE_TARGETS)
        for name, v in zip(vnames, vse):
            out[f"nmse/volume/{name}"] = float(v)
        for name, v in zip(snames, sse):
            out[f"nmse/surface/{name}"] = float(v)
        out["nmse/volume"] = float(np.mean(vse))
        out["nmse/surface"] = float(np.mean(sse))
        for key in self.cases[0].volume_rel_l2:
            out[f"rel_l2/volume/{key}"] = float(np.mean([c.volume_rel_l2[key] for c in self.cases]))
        for key in self.cases[0].surface_rel_l2:
            out[f"rel_l2/surface/{key}"] = float(np.mean([c.surface_rel_l2[key] for c in self.cases]))
        cl_t = np.array([c.cl_true for c in self.cases])
        cl_p = np.array([c.cl_pred for c in self.cases])
        cd_t = np.array([c.cd_true for c in self.cases])
        cd_p = np.array([c.cd_pred for c in self.cases])
        out["cl_rel_error"] = float(np.mean(np.abs(cl_p - cl_t) / np.abs(cl_t)))
        out["cd_rel_error"] = float(np.mean(np.abs(cd_p - cd_t) / np.abs(cd_t)))
        out["cl_abs_error"] = float(np.mean(np.abs(cl_p - cl_t)))
        out["cd_abs_error"] = float(np.mean(np.abs(cd_p - cd_t)))
        out["cl_spearman"] = _spearman(cl_t, cl_p)
        out["cd_spearman"] = _spearman(cd_t, cd_p)
        out["seconds_per_case"] = float(np.median([c.seconds for c in self.cases]))
        out["cases"] = float(len(self.cases))
        return out

    def coefficients(self) -> dict[str, np.ndarray]:
        """``case_id`` and true/predicted ``cl``/``cd`` per case, as arrays."""
        return {"case_id": np.array([c.case_id for c in self.cases]),
                "cl_true": np.array([c.cl_true for c in self.cases]),
                "cl_pred": np.array([c.cl_pred for c in self.cases]),
                "cd_true": np.array([c.cd_true for c in self.cases]),
                "cd_pred": np.array([c.cd_pred for c in self.cases])}


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def _channel_names(layout: Sequence[tuple[str, int]]) -> list[str]:
    names = []
    for name, ch in layout:
        names += [name] if ch == 1 else [f"{name}_{'xyz'[k]}" for k in range(ch)]
    return names


def _rel_l2(pred: np.ndarray, true: np.ndarray, layout: Sequence[tuple[str, int]]) -> dict[str, float]:
    out, start = {}, 0
    for name, ch in layout:
        sl = slice(start, start + ch)
        start += ch
        den = float(np.sum(true[:, sl] ** 2))
        out[name] = float(np.sqrt(np.sum((pred[:, sl] - true[:, sl]) ** 2) / max(den, 1e-30)))
    return out


def evaluate_case(predict: Predictor, data: Any, volume_std: np.ndarray, surface_std: np.ndarray
                  ) -> CaseResult:
    """Errors of ``predict`` on one non-dimensional sample (``AirfoilRANSDataset(...,
    nondimensional=True)[i]``)."""
    t0 = time.perf_counter()
    vol, surf = predict(data)
    seconds = time.perf_counter() - t0
    vol, surf = np.asarray(vol, dtype=np.float64), np.asarray(surf, dtype=np.float64)
    vt = data.y.double().numpy()
    st = data.surface_y.double().numpy()
    if vol.shape != vt.shape or surf.shape != st.shape:
        raise InvalidArgumentError(f"predictions {vol.shape}, {surf.shape} do not match the case's "
                                   f"fields {vt.shape}, {st.shape}")
    aoa = float(data.aoa_deg)
    geo = (data.surface_pos.double().numpy(), data.surface_normal.double().numpy(),
           data.surface_length.double().numpy())
    true_c = force_coefficients(*geo, st, aoa)
    pred_c = force_coefficients(*geo, surf, aoa)
    return CaseResult(
        case_id=str(getattr(data, "case_id", "")),
        volume_se=(((vol - vt) / volume_std) ** 2).sum(0), volume_count=len(vt),
        surface_se=(((surf - st) / surface_std) ** 2).sum(0), surface_count=len(st),
        volume_rel_l2=_rel_l2(vol, vt, VOLUME_TARGETS),
        surface_rel_l2=_rel_l2(surf, st, SURFACE_TARGETS),
        cl_true=true_c["cl"], cd_true=true_c["cd"], cl_pred=pred_c["cl"], cd_pred=pred_c["cd"],
        seconds=seconds)


def evaluate_surrogate(predict: Predictor, dataset: Any, stats: Mapping[str, Any],
                       indices: Sequence[int] | None = None, progress: bool = False) -> AeroReport:
    """Evaluate ``predict`` on the cases ``indices`` of a non-dimensional dataset.

    Parameters
    ----------
    predict : callable
        ``data -> (volume [N, 4], surface [M, 3])`` in non-dimensional units.
    dataset : AirfoilRANSDataset
        With ``nondimensional=True``; full-resolution samples are used.
    stats : mapping
        Training-split statistics with ``"y"`` and ``"surface_y"`` entries (objects or
        dicts with a ``std``), the scale of the normalised MSE.
    """
    if not getattr(dataset, "nondimensional", False):
        raise InvalidArgumentError("evaluate_surrogate needs a dataset with nondimensional=True")
    vstd, sstd = (_std(stats, k) for k in ("y", "surface_y"))
    idx = range(len(dataset)) if indices is None else indices
    if progress:
        from tqdm.auto import tqdm

        idx = tqdm(list(idx), desc="evaluating", unit="case", leave=False)
    return AeroReport([evaluate_case(predict, dataset[i], vstd, sstd) for i in idx])


def _std(stats: Mapping[str, Any], key: str) -> np.ndarray:
    s = stats[key]
    std = s["std"] if isinstance(s, Mapping) else s.std
    return np.asarray(std, dtype=np.float64).reshape(-1)
