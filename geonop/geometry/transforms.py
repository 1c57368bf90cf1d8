"""Recorded, invertible normalisation of coordinates (centre, rotate, scale).

A :class:`NormalizationTransform` maps a point ``x`` (row vector) to::

    y = ((x - center) @ rotation.T) / scale

so ``rotation``'s rows are the axes of the normalised frame, and ``scale`` is a
length in input units (a scalar, or one per normalised axis). It is stored with a
model (:meth:`~NormalizationTransform.to_dict` gives plain lists for JSON or a
checkpoint) so that predictions can be mapped back with
:meth:`~NormalizationTransform.inverse`.

Arrays in, arrays out: numpy gives numpy (the input's floating dtype, float64 for
integer input), a tensor gives a tensor of its dtype on its device, computed in
torch (so it is differentiable and runs on GPU). Any leading batch dimensions are
allowed: points are ``[..., d]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from geonop.errors import InvalidArgumentError, InvalidMeshError
from geonop.geometry import _arrays

_ORTHO_TOL = 1e-6  # |R R^T - I| allowed in a stored rotation (float32 round trips)
_CENTERS = ("bbox", "mean")
_SCALES = ("max_extent", "unit_sphere", "std")


def _fix_signs(axes: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Deterministic signs for principal axes (rows of ``axes``; ``y`` = coordinates
    along them). Each axis but the last points towards the heavier tail (positive third
    moment), so the result does not depend on how the input was rotated; a symmetric
    axis falls back to making its largest component positive. The last axis makes the
    frame right-handed (det = +1)."""
    axes = axes.copy()
    d = axes.shape[0]
    for i in range(d - 1):
        m3 = float(np.mean(y[:, i] ** 3))
        typical = float(np.mean(np.abs(y[:, i]) ** 3))
        if abs(m3) > 1e-8 * typical:
            s = 1.0 if m3 > 0 else -1.0
        else:
            s = 1.0 if axes[i, np.argmax(np.abs(axes[i]))] > 0 else -1.0
        axes[i] *= s
    if np.linalg.det(axes) < 0:
        axes[-1] *= -1.0
    return axes


@dataclass(frozen=True, eq=False)
class NormalizationTransform:
    """An invertible map ``y = ((x - center) @ rotation.T) / scale``.

    Args:
        center: array of shape [d], in input coordinates.
        scale: positive float (isotropic) or positive array of shape [d] (one length per
            normalised axis), in input units.
        rotation: orthonormal array of shape [d, d] with determinant +1; its rows are
            the normalised axes expressed in input coordinates.

    Build one with :meth:`fit` (from data) or :meth:`identity`.

    Example:
        >>> t = NormalizationTransform.fit(points, center="bbox", scale="max_extent")
        >>> y = t.apply(points)          # fits in [-0.5, 0.5]^d
        >>> x = t.inverse(y)             # == points up to rounding
    """

    center: np.ndarray
    scale: float | np.ndarray
    rotation: np.ndarray

    def __post_init__(self) -> None:
        center = np.asarray(self.center, dtype=np.float64)
        if center.ndim != 1 or center.shape[0] < 1 or not np.isfinite(center).all():
            raise InvalidArgumentError(
                f"center: expected a finite vector of shape [d], got {np.shape(self.center)}"
            )
        d = center.shape[0]
        rotation = np.asarray(self.rotation, dtype=np.float64)
        if rotation.shape != (d, d) or not np.isfinite(rotation).all():
            raise InvalidArgumentError(
                f"rotation: expected a finite array of shape [{d}, {d}], "
                f"got {np.shape(self.rotation)}"
            )
        err = float(np.abs(rotation @ rotation.T - np.eye(d)).max())
        if err > _ORTHO_TOL:
            raise InvalidArgumentError(f"rotation: not orthonormal (|R R^T - I| = {err:.2g})")
        if np.linalg.det(rotation) < 0:
            raise InvalidArgumentError("rotation: determinant is -1 (a reflection), need +1")
        scale_arr = np.asarray(self.scale, dtype=np.float64)
        if scale_arr.ndim == 0:
            scale: float | np.ndarray = float(scale_arr)
        elif scale_arr.shape == (d,):
            scale = scale_arr
        else:
            raise InvalidArgumentError(
                f"scale: expected a float or shape [{d}], got shape {scale_arr.shape}"
            )
        if not (np.isfinite(scale_arr).all() and (scale_arr > 0).all()):
            raise InvalidArgumentError(f"scale: must be finite and > 0, got {self.scale!r}")
        object.__setattr__(self, "center", center)
        object.__setattr__(self, "rotation", rotation)
        object.__setattr__(self, "scale", scale)

    # ------------------------------------------------------------- construction

    @property
    def dim(self) -> int:
        """Number of coordinates d."""
        return int(self.center.shape[0])

    @property
    def per_axis(self) -> bool:
        """True when ``scale`` has one value per axis."""
        return isinstance(self.scale, np.ndarray)

    @classmethod
    def identity(cls, dim: int) -> NormalizationTransform:
        """The transform that changes nothing, in ``dim`` dimensions."""
        dim = _arrays.as_count(dim, "dim")
        return cls(np.zeros(dim), 1.0, np.eye(dim))

    @classmethod
    def fit(
        cls,
        points: Any,
        *,
        center: str | Any = "bbox",
        scale: str | float = "max_extent",
        rotate: None | str = None,
        per_axis: bool = False,
    ) -> NormalizationTransform:
        """Fit a normalisation to a point set.

        Args:
            points: array of shape [N, d] (numpy or torch), or a mesh object with
                ``points``.
            center: ``"bbox"`` (centre of the bounding box, taken in the normalised
                frame when rotating), ``"mean"`` (centroid), or a vector [d].
            scale: ``"max_extent"``: the largest bounding-box side, so the result
                fits in a box of side 1 (``[-0.5, 0.5]^d`` with ``center="bbox"``);
                ``"unit_sphere"``: the largest distance from the centre, so the
                result fits in the unit ball; ``"std"``: the standard deviation of
                the coordinates about their mean (pooled over axes); or a positive
                number (a fixed length).
            rotate: ``None`` or ``"pca"``: align the normalised axes with the
                principal axes, by decreasing variance, with deterministic signs
                (heavier tail positive, right-handed frame).
            per_axis: with ``"max_extent"`` or ``"std"``, one scale per normalised
                axis (each axis then spans 1, or has unit std).

        Raises:
            InvalidMeshError: empty or non-finite points, or zero spread.
            InvalidArgumentError: unknown option names or bad values.
        """
        if (
            getattr(points, "points", None) is not None
            and getattr(points, "cells", None) is not None
        ):
            points = points.points
        x = _arrays.as_points(points, "points", dims=None)
        d = x.shape[1]
        mean = x.mean(axis=0)
        if rotate is None:
            rotation = np.eye(d)
        elif rotate == "pca":
            cov = np.cov((x - mean).T, bias=True).reshape(d, d)
            _evals, evecs = np.linalg.eigh(cov)
            axes = evecs[:, ::-1].T  # rows, by decreasing variance
            rotation = _fix_signs(axes, (x - mean) @ axes.T)
        else:
            raise InvalidArgumentError(f"rotate: expected None or 'pca', got {rotate!r}")

        y = (x - mean) @ rotation.T  # coordinates in the normalised frame, about the mean
        if isinstance(center, str):
            if center == "bbox":
                c = mean + (0.5 * (y.min(0) + y.max(0))) @ rotation
            elif center == "mean":
                c = mean
            else:
                raise InvalidArgumentError(
                    f"center: expected one of {_CENTERS} or a vector, got {center!r}"
                )
        else:
            c = _arrays._raw(center, "center").astype(np.float64).reshape(-1)
            if c.shape != (d,):
                raise InvalidArgumentError(f"center: expected shape [{d}], got {c.shape}")

        if isinstance(scale, str):
            if scale not in _SCALES:
                raise InvalidArgumentError(
                    f"scale: expected one of {_SCALES} or a positive number, got {scale!r}"
                )
            if per_axis and scale == "unit_sphere":
                raise InvalidArgumentError("per_axis: not defined for scale='unit_sphere'")
            if scale == "max_extent":
                s = np.ptp(y, axis=0)
            elif scale == "std":
                s = y.std(axis=0) if per_axis else np.sqrt((y**2).mean())
            else:
                s = np.sqrt((((x - c) ** 2).sum(1)).max())
            if not per_axis:
                s = float(np.max(s))
            s_arr = np.atleast_1d(s)
            if not (s_arr > 0).all():
                axis = int(np.argmin(s_arr))
                where = f" along normalised axis {axis}" if per_axis else ""
                raise InvalidMeshError(
                    f"points: zero spread{where}, cannot fit scale={scale!r}"
                    + (" (use per_axis=False for flat data)" if per_axis else "")
                )
        else:
            if per_axis:
                raise InvalidArgumentError("per_axis: only applies to a named scale method")
            s = scale
        return cls(c, s, rotation)

    # ---------------------------------------------------------------- mapping

    def _params(self, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        dtype = like.dtype
        dev = like.device
        return (
            torch.as_tensor(self.center, dtype=dtype, device=dev),
            torch.as_tensor(np.asarray(self.scale), dtype=dtype, device=dev),
            torch.as_tensor(self.rotation, dtype=dtype, device=dev),
        )

    def _prep(self, x: Any, name: str) -> tuple[Any, bool, Any]:
        """(data as float64 numpy or floating tensor, is_tensor, numpy output dtype)"""
        if isinstance(x, torch.Tensor):
            if not x.is_floating_point():
                x = x.to(torch.float64)
            t = x
            out_dtype = None
        else:
            raw = _arrays._raw(x, name)
            if not (np.issubdtype(raw.dtype, np.number) or raw.dtype == np.bool_):
                raise InvalidArgumentError(f"{name}: expected a numeric array, got {raw.dtype}")
            out_dtype = raw.dtype if np.issubdtype(raw.dtype, np.floating) else np.float64
            t = raw.astype(np.float64)
        if t.ndim < 1 or t.shape[-1] != self.dim:
            raise InvalidArgumentError(
                f"{name}: expected shape [..., {self.dim}], got {tuple(t.shape)}"
            )
        return t, isinstance(t, torch.Tensor), out_dtype

    def _map(self, x: Any, name: str, fn) -> Any:
        t, is_t, out_dtype = self._prep(x, name)
        if is_t:
            return fn(t, *self._params(t))
        c, s, r = self.center, np.asarray(self.scale), self.rotation
        return fn(t, c, s, r).astype(out_dtype, copy=False)

    def apply(self, points: Any) -> Any:
        """Normalise points [..., d]: ``((x - center) @ rotation.T) / scale``."""
        return self._map(points, "points", lambda x, c, s, r: ((x - c) @ r.T) / s)

    def inverse(self, points: Any) -> Any:
        """Map normalised points [..., d] back: ``(y * scale) @ rotation + center``."""
        return self._map(points, "points", lambda y, c, s, r: (y * s) @ r + c)

    def apply_vectors(self, vectors: Any, *, kind: str = "displacement") -> Any:
        """Transform vectors [..., d] attached to points.

        Args:
            vectors: array of shape [..., d].
            kind: ``"displacement"`` (velocities, offsets, gradients of position):
                rotated and divided by ``scale``, so that
                ``apply(x + v) - apply(x) == apply_vectors(v)``;
                ``"normal"``: rotated only (with a per-axis scale, transformed by the
                inverse transpose and renormalised, so normals stay perpendicular to
                the transformed surface; zero vectors stay zero).
        """
        if kind == "displacement":
            return self._map(vectors, "vectors", lambda v, c, s, r: (v @ r.T) / s)
        if kind == "normal":
            return self._map(vectors, "vectors", self._normal_fn(forward=True))
        raise InvalidArgumentError(f"kind: expected 'displacement' or 'normal', got {kind!r}")

    def inverse_vectors(self, vectors: Any, *, kind: str = "displacement") -> Any:
        """Undo :meth:`apply_vectors` (same ``kind``)."""
        if kind == "displacement":
            return self._map(vectors, "vectors", lambda v, c, s, r: (v * s) @ r)
        if kind == "normal":
            return self._map(vectors, "vectors", self._normal_fn(forward=False))
        raise InvalidArgumentError(f"kind: expected 'displacement' or 'normal', got {kind!r}")

    def _normal_fn(self, forward: bool):
        if not self.per_axis:
            # isotropic scale: normals only rotate
            return (lambda v, c, s, r: v @ r.T) if forward else (lambda v, c, s, r: v @ r)

        def fn(v, c, s, r):
            # inverse transpose of the linear part diag(1/s) R, then restore the length
            out = (v @ r.T) * s if forward else (v / s) @ r
            if isinstance(out, torch.Tensor):
                norm = torch.linalg.vector_norm(out, dim=-1, keepdim=True)
                before = torch.linalg.vector_norm(v, dim=-1, keepdim=True)
                return torch.where(norm > 0, out * before / torch.where(norm > 0, norm, 1), out)
            norm = np.linalg.norm(out, axis=-1, keepdims=True)
            before = np.linalg.norm(v, axis=-1, keepdims=True)
            return np.where(norm > 0, out * before / np.where(norm > 0, norm, 1.0), out)

        return fn

    # ------------------------------------------------------------ composition

    def compose(self, other: NormalizationTransform) -> NormalizationTransform:
        """The transform equal to applying ``self`` first, then ``other``.

        Raises:
            InvalidArgumentError: different dimensions, or a per-axis scale followed
                by a rotation that would shear (not representable).
        """
        if not isinstance(other, NormalizationTransform):
            raise InvalidArgumentError(f"other: expected a NormalizationTransform, got {other!r}")
        if other.dim != self.dim:
            raise InvalidArgumentError(f"other: dimension {other.dim} != {self.dim}")
        s1, s2 = np.asarray(self.scale), np.asarray(other.scale)
        center = self.center + (s1 * other.center) @ self.rotation
        if not self.per_axis and not other.per_axis:
            return NormalizationTransform(center, float(s1 * s2), other.rotation @ self.rotation)
        # linear part diag(1/s2) R2 diag(1/s1) R1 = diag(1/s) R with R orthonormal?
        m = (other.rotation / s1[None, :] if s1.ndim else other.rotation / s1) @ self.rotation
        m = m / (s2[:, None] if s2.ndim else s2)
        row = np.linalg.norm(m, axis=1)
        rotation = m / row[:, None]
        err = float(np.abs(rotation @ rotation.T - np.eye(self.dim)).max())
        if err > 1e-9:
            raise InvalidArgumentError(
                "other: composing a per-axis scale with this rotation shears the "
                f"coordinates (off-orthogonality {err:.2g}); not a NormalizationTransform"
            )
        return NormalizationTransform(center, 1.0 / row, rotation)

    # ----------------------------------------------------------- serialisation

    def to_dict(self) -> dict[str, Any]:
        """Plain Python lists and floats (JSON- and checkpoint-safe)."""
        scale = self.scale.tolist() if isinstance(self.scale, np.ndarray) else float(self.scale)
        return {
            "center": self.center.tolist(),
            "scale": scale,
            "rotation": self.rotation.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NormalizationTransform:
        """Rebuild a transform from :meth:`to_dict` output."""
        if not isinstance(data, dict):
            raise InvalidArgumentError(f"data: expected a dict, got {type(data).__name__}")
        missing = [k for k in ("center", "scale", "rotation") if k not in data]
        if missing:
            raise InvalidArgumentError(f"data: missing key(s) {missing}")
        try:
            return cls(
                np.asarray(data["center"], dtype=np.float64),
                data["scale"] if np.ndim(data["scale"]) == 0 else np.asarray(data["scale"], float),
                np.asarray(data["rotation"], dtype=np.float64),
            )
        except (TypeError, ValueError) as exc:
            if isinstance(exc, InvalidArgumentError):
                raise
            raise InvalidArgumentError(f"data: malformed transform ({exc})") from exc

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NormalizationTransform):
            return NotImplemented
        return (
            np.array_equal(self.center, other.center)
            and np.array_equal(np.asarray(self.scale), np.asarray(other.scale))
            and self.per_axis == other.per_axis
            and np.array_equal(self.rotation, other.rotation)
        )

    __hash__ = None  # type: ignore[assignment]
