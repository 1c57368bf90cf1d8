"""Normalisation statistics: computed on the training split, stored with the model.

:class:`RunningStats` accumulates per-channel mean and variance over any number of
arrays with Chan's parallel update, so statistics of a dataset that does not fit in
memory are computed in one streaming pass. :class:`FieldStats` is the result, and
:class:`Normalizer` is the ``torch.nn.Module`` a model owns to map raw fields to
zero-mean, unit-variance channels and back. Its buffers are not part of the model's
``state_dict``: checkpoints store the statistics on their own (``normalization``), so
a model can be built before the statistics are known.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import torch
from torch import Tensor, nn

from geonop.errors import InvalidArgumentError

#: channels whose standard deviation is below this are not rescaled (constant inputs)
MIN_STD: float = 1e-8


@dataclass(frozen=True)
class FieldStats:
    """Per-channel statistics of one field.

    Attributes
    ----------
    mean : torch.Tensor of shape [C]
        Per-channel mean (float64).
    std : torch.Tensor of shape [C]
        Per-channel standard deviation (float64); channels with std below
        :data:`MIN_STD` store 1 so that normalising never divides by zero.
    count : int
        Number of rows (points, particles, samples) the statistics were computed from.
    """

    mean: Tensor
    std: Tensor
    count: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The statistics as a checkpoint-friendly dict of tensors and ints."""
        return {"mean": self.mean.detach().cpu().double(), "std": self.std.detach().cpu().double(),
                "count": int(self.count)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FieldStats:
        """Inverse of :meth:`to_dict`; also accepts lists or numpy arrays."""
        try:
            mean = torch.as_tensor(np.asarray(d["mean"], dtype=np.float64)).reshape(-1)
            std = torch.as_tensor(np.asarray(d["std"], dtype=np.float64)).reshape(-1)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidArgumentError(
                f"normalisation statistics need 'mean' and 'std' arrays, got {d!r}"
            ) from exc
        if mean.shape != std.shape:
            raise InvalidArgumentError(
                f"normalisation statistics: mean has {mean.numel()} channels, std {std.numel()}"
            )
        return cls(mean, std, int(d.get("count", 0)))


StatsLike = Union[FieldStats, Mapping[str, Any]]


class RunningStats:
    """Streaming per-channel mean and variance (Chan et al.'s parallel algorithm).

    Examples
    --------
    >>> rs = RunningStats()
    >>> rs.update(torch.randn(1000, 3))
    >>> rs.result().mean.shape
    torch.Size([3])
    """

    def __init__(self) -> None:
        self.count = 0
        self._mean: Tensor | None = None
        self._m2: Tensor | None = None

    def update(self, values: Tensor | np.ndarray) -> None:
        """Add rows to the statistics.

        Parameters
        ----------
        values : Tensor or ndarray of shape [N, C] or [N]
            ``N`` new rows; a 1-D input is one channel. Non-finite values raise.
        """
        x = torch.as_tensor(values).detach().to("cpu", torch.float64)
        if x.dim() == 1:
            x = x.unsqueeze(1)
        x = x.reshape(-1, x.shape[-1])
        if x.shape[0] == 0:
            return
        if not torch.isfinite(x).all():
            raise InvalidArgumentError("cannot compute normalisation statistics: data has NaN/Inf")
        n_b = x.shape[0]
        mean_b = x.mean(0)
        m2_b = ((x - mean_b) ** 2).sum(0)
        if self._mean is None:
            self.count, self._mean, self._m2 = n_b, mean_b, m2_b
            return
        if self._mean.shape != mean_b.shape:
            raise InvalidArgumentError(
                f"cannot combine statistics of {self._mean.numel()} and {mean_b.numel()} channels"
            )
        n_a = self.count
        n = n_a + n_b
        delta = mean_b - self._mean
        self._mean = self._mean + delta * (n_b / n)
        self._m2 = self._m2 + m2_b + delta**2 * (n_a * n_b / n)
        self.count = n

    def merge(self, other: RunningStats) -> None:
        """Fold the statistics of ``other`` into these (e.g. from another process)."""
        if other._mean is None:
            return
        if self._mean is None:
            self.count, self._mean, self._m2 = other.count, other._mean.clone(), other._m2.clone()
            return
        n_a, n_b = self.count, other.count
        n = n_a + n_b
        delta = other._mean - self._mean
        self._mean = self._mean + delta * (n_b / n)
        self._m2 = self._m2 + other._m2 + delta**2 * (n_a * n_b / n)
        self.count = n

    def result(self) -> FieldStats:
        """The statistics so far (population standard deviation)."""
        if self._mean is None or self._m2 is None:
            raise InvalidArgumentError("cannot compute normalisation statistics from zero rows")
        std = torch.sqrt(self._m2 / self.count)
        std = torch.where(std < MIN_STD, torch.ones_like(std), std)
        return FieldStats(self._mean.clone(), std, self.count)


def _buffer_name(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name)


class Normalizer(nn.Module):
    r"""Maps named fields to zero mean and unit variance per channel, and back.

    :math:`\hat x = (x - \mu) / \sigma` with :math:`\mu, \sigma` from :class:`FieldStats`.
    A field without statistics passes through unchanged, so a model built before its
    statistics are known still runs (the Trainer sets them before the first step).

    Shapes:
        - **encode / decode input:** tensor of shape [..., C] for a field of C channels
        - **output:** same shape and dtype
    """

    def __init__(self, stats: Mapping[str, StatsLike] | None = None) -> None:
        super().__init__()
        self._fields: dict[str, FieldStats] = {}
        if stats:
            self.set_stats(stats)

    def set(self, name: str, stats: StatsLike) -> None:
        """Set (or replace) the statistics of field ``name``."""
        fs = stats if isinstance(stats, FieldStats) else FieldStats.from_dict(stats)
        key = _buffer_name(name)
        device = next((b.device for b in self.buffers()), torch.device("cpu"))
        # non-persistent: the checkpoint stores statistics separately, so that load_state_dict
        # does not depend on which fields had statistics when the model was built
        self.register_buffer(f"{key}_mean", fs.mean.to(device, torch.float64), persistent=False)
        self.register_buffer(f"{key}_std", fs.std.to(device, torch.float64), persistent=False)
        self._fields[name] = FieldStats(fs.mean.clone(), fs.std.clone(), fs.count)

    def set_stats(self, stats: Mapping[str, StatsLike]) -> None:
        """Set the statistics of several fields at once."""
        for name, st in stats.items():
            self.set(name, st)

    def __contains__(self, name: object) -> bool:
        return name in self._fields

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    @property
    def names(self) -> list[str]:
        """Fields that have statistics."""
        return list(self._fields)

    def mean(self, name: str) -> Tensor:
        """Per-channel mean of ``name`` (float64, on the module's device)."""
        return getattr(self, f"{_buffer_name(name)}_mean")

    def std(self, name: str) -> Tensor:
        """Per-channel standard deviation of ``name`` (float64, on the module's device)."""
        return getattr(self, f"{_buffer_name(name)}_std")

    def _check(self, name: str, x: Tensor) -> tuple[Tensor, Tensor]:
        mean, std = self.mean(name), self.std(name)
        if x.shape[-1] != mean.numel():
            raise InvalidArgumentError(
                f"field '{name}' has {x.shape[-1]} channels but its normalisation statistics "
                f"have {mean.numel()}"
            )
        return mean.to(x.dtype), std.to(x.dtype)

    def encode(self, name: str, x: Tensor) -> Tensor:
        """Raw -> normalised: tensor of shape [..., C] -> [..., C]."""
        if name not in self._fields:
            return x
        mean, std = self._check(name, x)
        return (x - mean) / std

    def decode(self, name: str, x: Tensor) -> Tensor:
        """Normalised -> raw: tensor of shape [..., C] -> [..., C]."""
        if name not in self._fields:
            return x
        mean, std = self._check(name, x)
        return x * std + mean

    def scale(self, name: str, x: Tensor) -> Tensor:
        """Normalised differences -> raw differences (multiply by std only)."""
        if name not in self._fields:
            return x
        _, std = self._check(name, x)
        return x * std

    def state(self) -> dict[str, dict[str, Any]]:
        """All statistics as plain dicts, for checkpoints."""
        return {name: fs.to_dict() for name, fs in self._fields.items()}

    def extra_repr(self) -> str:
        parts = [f"{n}[{fs.mean.numel()}]" for n, fs in self._fields.items()]
        return ", ".join(parts)

