"""The base class of geonop models: they remember how they were built.

Every :class:`GeonopModel` subclass records the arguments of its constructor when an
instance is created (``__init_subclass__`` wraps each ``__init__``), so a checkpoint
holds ``{"class": "geonop.models.field_mlp:FieldMLP", "kwargs": {...}}`` next to the
weights and :func:`geonop.load` rebuilds the model with no other input. Subclasses are
registered by class name, so a config names them (``model.name: FieldMLP``).

A model also owns a :class:`~geonop.data.Normalizer` (statistics of the training split)
and defines what a training and a validation step compute. The defaults suit field
regression: ``forward(batch)`` returns normalised predictions of ``batch.y``.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch, Data

from geonop.data._init_record import is_plain, recording_init
from geonop.data.base import qualified_name
from geonop.data.normalization import FieldStats, Normalizer
from geonop.errors import ConfigError, InvalidArgumentError
from geonop.utils.imports import import_subclass

_REGISTRY: dict[str, list[type[GeonopModel]]] = {}


@dataclass
class StepOutput:
    """What :meth:`GeonopModel.training_step` returns.

    Attributes
    ----------
    loss : Tensor
        Scalar mean loss over this micro-batch.
    weight : float
        How many items ``loss`` averages over (points, particles, graphs). The Trainer
        weights micro-batches and processes by it, so the optimised loss is the mean over
        every item of the global batch, however it is split across processes and
        accumulation steps.
    metrics : dict
        Extra scalars to log (already averaged over this micro-batch).
    """

    loss: Tensor
    weight: float = 1.0
    metrics: dict[str, float] = field(default_factory=dict)


MetricSums = dict[str, tuple[Tensor, Tensor]]


class GeonopModel(nn.Module):
    """Base class of geonop models.

    Subclasses call ``super().__init__()`` first, build their layers, and implement
    ``forward``. They get, for free:

    - :attr:`config`: their class and constructor arguments, recorded automatically;
    - :attr:`normalizer`: per-field statistics set by the Trainer from the training split;
    - :meth:`training_step` / :meth:`validation_step`: MSE on normalised ``y`` and
      per-field validation metrics, which subclasses override as needed;
    - :meth:`predict`: raw-unit predictions for new inputs.

    Constructor arguments must be plain values (numbers, strings, booleans, ``None`` and
    lists/dicts of them) so that a checkpoint can rebuild the model without pickling code.
    """

    #: True when the prediction at a point depends on that point's inputs only, so that
    #: prediction at many query points may be split into chunks
    pointwise: ClassVar[bool] = False
    #: ``Data`` attributes that need their own ``<name>_batch`` vector when samples are
    #: batched (e.g. ``("surface_pos",)`` for a second point set per sample)
    follow_batch: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY.setdefault(cls.__name__, [])
        if cls not in _REGISTRY[cls.__name__]:
            _REGISTRY[cls.__name__].append(cls)
        if "__init__" in cls.__dict__:
            init = recording_init(cls.__dict__["__init__"], "_geonop_ctor")
            cls.__init__ = init  # type: ignore[method-assign]

    def __init__(self) -> None:
        super().__init__()
        self.normalizer = Normalizer()
        #: ``[[name, channels], ...]`` layout of ``y`` (names validation metrics by field)
        self.output_fields: list[list[Any]] | None = None
        #: ``[[name, channels], ...]`` layout of ``surface_y`` for models that predict it
        self.surface_fields: list[list[Any]] | None = None

    # -- configuration ------------------------------------------------------------------
    @property
    def config(self) -> dict[str, Any]:
        """``{"class": "module:Class", "args": [...], "kwargs": {...}}`` that rebuilds it."""
        rec = self.__dict__.get("_geonop_ctor")
        if rec is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} did not record its constructor arguments "
                "(was GeonopModel.__init__ bypassed?)"
            )
        args, kwargs = rec
        return {"class": qualified_name(type(self)), "args": list(args), "kwargs": dict(kwargs)}

    def check_serializable(self) -> None:
        """Raise if a constructor argument cannot be stored in a checkpoint."""
        cfg = self.config
        for i, v in enumerate(cfg["args"]):
            if not is_plain(v):
                raise InvalidArgumentError(
                    f"{type(self).__name__}: positional argument {i} ({type(v).__name__}) "
                    "cannot be stored in a checkpoint; pass plain values"
                )
        for k, v in cfg["kwargs"].items():
            if not is_plain(v):
                raise InvalidArgumentError(
                    f"{type(self).__name__}: argument {k!r} ({type(v).__name__}) cannot be "
                    "stored in a checkpoint; pass plain values (numbers, strings, lists)"
                )

    def set_normalization(self, stats: Mapping[str, FieldStats | Mapping[str, Any]]) -> None:
        """Set normalisation statistics (name -> :class:`FieldStats` or its dict)."""
        self.normalizer.set_stats(stats)

    @property
    def device(self) -> torch.device:
        """The device of the model's parameters (CPU for a model without any)."""
        p = next(self.parameters(), None)
        return p.device if p is not None else torch.device("cpu")

    def num_parameters(self) -> int:
        """Number of trainable parameters."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    # -- steps ----------------------------------------------------------------------------
    def training_step(self, batch: Data | Batch) -> StepOutput | Tensor:
        """Loss of one micro-batch: MSE between ``self(batch)`` and normalised ``batch.y``.

        Returns
        -------
        StepOutput
            ``loss`` averaged over every target value, ``weight`` their number.
        """
        pred = self(batch)
        target = self.normalizer.encode("y", batch.y)
        _check_shapes(pred, target)
        loss = torch.mean((pred.float() - target.float()) ** 2)
        return StepOutput(loss, float(target.numel()))

    @torch.no_grad()
    def validation_step(self, batch: Data | Batch) -> MetricSums:
        """Metric sums and counts for one batch (the Trainer adds them over batches and
        processes, then divides).

        Metrics: ``loss`` (MSE of normalised values, as in training), and for every output
        field ``f`` (or ``y`` if the layout is unknown): ``mse/f`` in raw units, ``nmse/f``
        normalised by the field's training variance, and ``rel_l2/f``, the relative L2
        error per sample averaged over samples.
        """
        pred_n = self(batch).float()
        target = batch.y.float()
        target_n = self.normalizer.encode("y", target).float()
        _check_shapes(pred_n, target_n)
        pred = self.normalizer.decode("y", pred_n).float()
        out: MetricSums = {}
        n_val = torch.tensor(float(target.numel()), device=target.device)
        out["loss"] = (((pred_n - target_n) ** 2).sum(), n_val)
        batch_vec = getattr(batch, "batch", None)
        if batch_vec is None:
            batch_vec = torch.zeros(target.shape[0], dtype=torch.long, device=target.device)
        num_graphs = int(getattr(batch, "num_graphs", 1) or 1)
        layout = self.output_fields or [["y", target.shape[-1]]]
        start = 0
        for name, channels in layout:
            sl = slice(start, start + int(channels))
            start += int(channels)
            err = (pred[..., sl] - target[..., sl]) ** 2
            err_n = (pred_n[..., sl] - target_n[..., sl]) ** 2
            count = torch.tensor(float(err.numel()), device=err.device)
            out[f"mse/{name}"] = (err.sum(), count)
            out[f"nmse/{name}"] = (err_n.sum(), count)
            per_point_err = err.reshape(err.shape[0], -1).sum(1)
            per_point_ref = (target[..., sl] ** 2).reshape(err.shape[0], -1).sum(1)
            num = torch.zeros(num_graphs, device=err.device).index_add_(0, batch_vec, per_point_err)
            den = torch.zeros(num_graphs, device=err.device).index_add_(0, batch_vec, per_point_ref)
            rel = torch.sqrt(num / den.clamp_min(1e-30))
            out[f"rel_l2/{name}"] = (rel.sum(), torch.tensor(float(num_graphs), device=err.device))
        return out

    @torch.no_grad()
    def predict(self, data: Data | Batch) -> Tensor:
        """Predictions in raw units: tensor of shape [N, C_out] (model set to eval mode), on
        the model's device (``data`` is moved there)."""
        self.eval()
        return self.normalizer.decode("y", self(data.to(self.device)).float())


def _check_shapes(pred: Tensor, target: Tensor) -> None:
    if pred.shape != target.shape:
        raise InvalidArgumentError(
            f"model output has shape {list(pred.shape)} but the targets have {list(target.shape)}"
        )


def model_class(name: str) -> type[GeonopModel]:
    """The model class called ``name``: a registered class name or ``"package.module:Class"``.

    Raises
    ------
    ConfigError
        When there is no such model; the message suggests the closest registered name.
    """
    if ":" in name:
        return import_subclass(name, GeonopModel, "model")
    importlib.import_module("geonop.models")  # registers the built-in models
    classes = _REGISTRY.get(name, [])
    if len(classes) == 1:
        return classes[0]
    if len(classes) > 1:
        options = ", ".join(qualified_name(c) for c in classes)
        raise ConfigError(f"model name {name!r} is ambiguous; give one of {options}")
    close = difflib.get_close_matches(name, list(_REGISTRY), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ConfigError(f"unknown model {name!r}{hint} (known: {', '.join(sorted(_REGISTRY))})")


def registered_models() -> dict[str, type[GeonopModel]]:
    """Registered model classes by name (ambiguous names map to the first registered)."""
    importlib.import_module("geonop.models")
    return {name: classes[0] for name, classes in _REGISTRY.items() if classes}


def build_model(
    name: str,
    kwargs: Mapping[str, Any] | None = None,
    args: Sequence[Any] = (),
    where: str = "model.args",
) -> GeonopModel:
    """Instantiate model ``name`` with ``kwargs``, checking them against its signature.

    An unknown argument raises :class:`ConfigError` naming the closest valid one.
    """
    cls = model_class(name)
    kwargs = dict(kwargs or {})
    check_arguments(cls, kwargs, where)
    return cls(*args, **kwargs)


def check_arguments(cls: type, kwargs: Mapping[str, Any], where: str) -> None:
    """Raise :class:`ConfigError` if ``kwargs`` has a key ``cls``'s constructor lacks, or
    misses a required one."""
    sig = inspect.signature(cls.__init__)
    params = [p for n, p in sig.parameters.items() if n != "self"]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return
    names = [p.name for p in params
             if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.POSITIONAL_ONLY)]
    for key in kwargs:
        if key not in names:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"; did you mean '{where}.{close[0]}'?" if close else ""
            raise ConfigError(
                f"unknown key '{where}.{key}' for {cls.__name__}{hint} "
                f"(valid: {', '.join(names)})"
            )
    missing = [p.name for p in params if p.default is inspect.Parameter.empty
               and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              inspect.Parameter.KEYWORD_ONLY)
               and p.name not in kwargs]
    if missing:
        raise ConfigError(f"{where}: {cls.__name__} needs {', '.join(repr(m) for m in missing)}")

