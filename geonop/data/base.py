"""The dataset protocol every geonop dataset follows.

A :class:`GeometryDataset` is a map-style ``torch.utils.data.Dataset`` of
:class:`torch_geometric.data.Data` samples that reads its files lazily. Two things set
it apart from a plain dataset:

- **keys carry a seed.** ``dataset[i]`` returns sample ``i`` in full;
  ``dataset[(i, seed)]`` returns the training view of sample ``i`` (e.g. a random subset
  of its query points) drawn from ``seed``. The sampler derives that seed from
  ``(run seed, epoch, i)``, so what a training step sees depends neither on the number
  of data-loader workers nor on the number of processes, and a resumed run sees the
  same points as an uninterrupted one.
- **it describes itself.** :meth:`GeometryDataset.spec` returns a JSON-able summary
  (field names and channel counts) that checkpoints store, so ``geonop predict`` can
  turn a new mesh into model input without the training data.

Subclasses register by class name, so a config names them (``data.dataset: MeshDataset``).
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Union

import numpy as np
import torch
from torch_geometric.data import Data

from geonop.data._init_record import is_plain, recording_init
from geonop.data.normalization import FieldStats, RunningStats
from geonop.errors import ConfigError, InvalidArgumentError
from geonop.utils.imports import import_subclass

Key = Union[int, tuple[int, int | None]]

_REGISTRY: dict[str, type[GeometryDataset]] = {}


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A 63-bit seed for sample ``index`` in ``epoch`` of a run seeded with ``seed``.

    Uses :class:`numpy.random.SeedSequence`, so nearby inputs give unrelated seeds.
    """
    state = np.random.SeedSequence([seed & 0xFFFFFFFF, epoch, index]).generate_state(
        1, dtype=np.uint64
    )
    return int(state[0]) & ((1 << 63) - 1)


class GeometryDataset(torch.utils.data.Dataset):
    """Base class of geonop datasets: lazily loaded meshes, point clouds or trajectories.

    Subclasses implement :meth:`__len__` and :meth:`get`, and usually :meth:`spec`,
    :meth:`statistics` (or :attr:`normalized_fields`) and :meth:`inference_data`.
    """

    #: Data attributes whose per-channel statistics :meth:`statistics` computes by default
    normalized_fields: ClassVar[tuple[str, ...]] = ("pos", "x", "y", "u")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY.setdefault(cls.__name__, cls)
        if "__init__" in cls.__dict__:
            init = recording_init(cls.__dict__["__init__"], "_geonop_init")
            cls.__init__ = init  # type: ignore[method-assign]

    def init_arguments(self) -> dict[str, Any]:
        """Constructor keyword arguments other than the first (the data location), when
        they are plain values; checkpoints store them so that ``geonop evaluate`` can
        read new files the way the training files were read."""
        rec = self.__dict__.get("_geonop_init")
        if rec is None:
            return {}
        _, kwargs = rec
        names = list(kwargs)
        return {k: v for k, v in kwargs.items() if names and k != names[0] and is_plain(v)}

    # -- access ------------------------------------------------------------------------
    def __len__(self) -> int:
        raise NotImplementedError

    def get(self, index: int, seed: int | None = None) -> Data:
        """Sample ``index``; with a ``seed``, its randomised training view.

        Parameters
        ----------
        index : int
            ``0 <= index < len(self)``.
        seed : int, optional
            ``None`` for the full, deterministic sample (evaluation, statistics,
            prediction); an integer for the training view (random point subsets, noise).
        """
        raise NotImplementedError

    def __getitem__(self, key: Key) -> Data:
        index, seed = (key if isinstance(key, tuple) else (key, None))
        index = int(index)
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"{type(self).__name__} index {key} out of range for {n} samples")
        return self.get(index, seed)

    # -- description -------------------------------------------------------------------
    def spec(self) -> dict[str, Any]:
        """JSON-able description of the samples that checkpoints store.

        Keys the Trainer understands: ``targets`` (list of ``[name, channels]``, the
        layout of ``Data.y``), ``model_args`` (constructor arguments the data determines,
        e.g. ``{"out_channels": 3}``, filled into the model config when it leaves them out).
        """
        return {}

    def statistics(
        self,
        indices: Sequence[int] | None = None,
        max_samples: int | None = None,
        seed: int = 0,
    ) -> dict[str, FieldStats]:
        """Per-channel statistics of :attr:`normalized_fields` over ``indices``.

        Call it with the training indices only: validation and test data must not leak
        into the normalisation.

        Parameters
        ----------
        indices : sequence of int, optional
            Samples to use (default: all).
        max_samples : int, optional
            Use a random subset of at most this many samples (for very large datasets).
        seed : int
            Seed of that subset.
        """
        idx = list(range(len(self))) if indices is None else [int(i) for i in indices]
        if not idx:
            raise InvalidArgumentError("cannot compute normalisation statistics of zero samples")
        if max_samples is not None and len(idx) > max_samples:
            rng = np.random.default_rng(seed)
            idx = sorted(rng.choice(idx, size=max_samples, replace=False).tolist())
        running: dict[str, RunningStats] = {}
        for i in idx:
            data = self[i]
            for name in self.normalized_fields:
                value = getattr(data, name, None)
                if isinstance(value, torch.Tensor) and value.is_floating_point():
                    running.setdefault(name, RunningStats()).update(
                        value.reshape(-1, value.shape[-1]) if value.dim() > 1 else value
                    )
        return {name: rs.result() for name, rs in running.items()}

    @classmethod
    def inference_data(
        cls,
        spec: Mapping[str, Any],
        mesh: Any,
        query: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Data:
        """Model input for a new case, built from ``spec`` (see :meth:`spec`).

        Parameters
        ----------
        spec : dict
            The spec stored in the checkpoint.
        mesh : geonop.io.Mesh
            The input case (geometry and input fields).
        query : geonop.io.Mesh or ndarray of shape [M, d], optional
            Where to predict (default: the points of ``mesh``).
        params : dict, optional
            Values of global inputs that override those stored in ``mesh.meta``.
        """
        raise NotImplementedError(f"{cls.__name__} does not support prediction on new inputs")


def dataset_class(name: str) -> type[GeometryDataset]:
    """The dataset class called ``name`` (registered name or ``"package.module:Class"``)."""
    if ":" in name:
        return import_subclass(name, GeometryDataset, "data.dataset")
    importlib.import_module("geonop.data")  # registers the built-in datasets
    if name not in _REGISTRY:  # the lazily imported ones
        for module in ("geonop.data.airfoil.dataset", "geonop.data.particles"):
            try:
                importlib.import_module(module)
            except ImportError:  # an optional dependency is missing
                continue
    if name in _REGISTRY:
        return _REGISTRY[name]
    close = difflib.get_close_matches(name, list(_REGISTRY), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ConfigError(
        f"data.dataset: unknown dataset {name!r}{hint} (known: {', '.join(sorted(_REGISTRY))}; "
        "or give 'package.module:ClassName')"
    )


def qualified_name(cls: type) -> str:
    """``"package.module:Class"`` for ``cls``, importable by :func:`dataset_class`."""
    return f"{cls.__module__}:{cls.__qualname__}"
