"""From a config to a trained model, and from a checkpoint to metrics.

:func:`train` is what ``geonop train CONFIG`` runs: read the config, build the dataset
and its train/validation split, build the model (filling in sizes the data
determines), and hand both to :class:`~geonop.train.trainer.Trainer`.
:func:`evaluate_checkpoint` is what ``geonop evaluate`` runs.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import torch

from geonop.data.base import GeometryDataset, dataset_class
from geonop.data.sampler import split_indices
from geonop.errors import ConfigError
from geonop.models.base import GeonopModel, build_model, check_arguments, model_class
from geonop.train.checkpoint import load_checkpoint, model_from_checkpoint
from geonop.train.config import Config, load_config
from geonop.train.distributed import resolve_device
from geonop.train.trainer import Callback, Trainer, TrainResult, evaluate_model

PathLike = Union[str, os.PathLike]


@dataclass
class DataSplit:
    """The datasets and indices a run trains and validates on."""

    train: GeometryDataset
    train_indices: list[int]
    val: GeometryDataset | None
    val_indices: list[int] | None


def build_dataset(name: str, root: Any, args: Mapping[str, Any]) -> GeometryDataset:
    """Instantiate dataset class ``name`` on ``root`` with ``args`` (checked by signature)."""
    cls = dataset_class(name)
    check_arguments(cls, {"root": root, **args}, "data.args")
    return cls(root, **args)


def build_data(cfg: Config) -> DataSplit:
    """Datasets and the train/validation split that ``cfg.data`` describes."""
    d = cfg.data
    if d.root is None:
        raise ConfigError("data.root: required (a folder, glob or list of sample files)")
    ds = build_dataset(d.dataset, d.root, d.args)
    if d.val_root is not None:
        val = build_dataset(d.dataset, d.val_root, {**d.args, **d.val_args})
        return DataSplit(ds, list(range(len(ds))), val, list(range(len(val))))
    if d.val_fraction <= 0:
        return DataSplit(ds, list(range(len(ds))), None, None)
    train_idx, val_idx, _ = split_indices(len(ds), d.val_fraction, d.split_seed)
    return DataSplit(ds, train_idx, ds if val_idx else None, val_idx or None)


def model_arguments(name: str, args: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """``args`` completed with the sizes the data determines (``spec["model_args"]``).

    A size given in the config that contradicts the data raises :class:`ConfigError`.
    """
    cls = model_class(name)
    params = inspect.signature(cls.__init__).parameters
    out = dict(args)
    for key, value in (spec.get("model_args") or {}).items():
        if key not in params:
            continue
        if key not in out:
            out[key] = value
        elif out[key] != value:
            raise ConfigError(
                f"model.args.{key}={out[key]!r} but the data has {value!r}; remove it from the "
                "config to use the data's value"
            )
    return out


def build_model_for(cfg: Config, spec: Mapping[str, Any]) -> GeonopModel:
    """The model of ``cfg.model`` for data described by ``spec``, initialised from ``cfg.seed``."""
    if not cfg.model.name:
        raise ConfigError("model.name: required (e.g. FieldMLP)")
    args = model_arguments(cfg.model.name, cfg.model.args, spec)
    torch.manual_seed(cfg.seed)
    return build_model(cfg.model.name, args)


def train(
    config: Config | PathLike | Mapping[str, Any],
    overrides: Sequence[str] = (),
    resume: PathLike | str | None = None,
    overwrite: bool = False,
    callbacks: Sequence[Callback] = (),
    verbose: bool = True,
) -> TrainResult:
    """Train the run a config describes.

    Parameters
    ----------
    config : Config, path or dict
        The run (see :mod:`geonop.train.config`).
    overrides : sequence of str
        ``"key.path=value"`` overrides.
    resume : path or "auto", optional
        Continue from this checkpoint; ``"auto"`` continues from
        ``<output_dir>/checkpoints/last.pt`` when it exists and starts afresh otherwise.
    overwrite : bool
        Start afresh even if ``output_dir`` holds a previous run.
    callbacks : sequence of Callback
    verbose : bool
        Print progress lines.

    Raises
    ------
    ConfigError
        Invalid config, or ``output_dir`` holds a run and neither ``resume`` nor
        ``overwrite`` was given.
    """
    cfg = config if isinstance(config, Config) and not overrides else load_config(config, overrides)
    last = Path(cfg.output_dir) / "checkpoints" / "last.pt"
    if resume == "auto":
        resume = last if last.is_file() else None
    elif resume is None and last.is_file() and not overwrite:
        raise ConfigError(
            f"{cfg.output_dir} already holds a run ({last}); resume it with --resume, start "
            "afresh with --overwrite, or choose another output_dir"
        )
    split = build_data(cfg)
    model = build_model_for(cfg, split.train.spec())
    trainer = Trainer(
        model,
        split.train,
        val_dataset=split.val,
        config=cfg.training,
        output_dir=cfg.output_dir,
        train_indices=split.train_indices,
        val_indices=split.val_indices,
        batch_size=cfg.data.batch_size,
        eval_batch_size=cfg.data.eval_batch_size,
        num_workers=cfg.data.num_workers,
        seed=cfg.seed,
        stats_samples=cfg.data.stats_samples,
        run_config=cfg.to_dict(),
        callbacks=callbacks,
        verbose=verbose,
    )
    return trainer.fit(resume=resume)


def evaluate_checkpoint(
    checkpoint: PathLike,
    data: PathLike | Sequence[PathLike] | None = None,
    batch_size: int | None = None,
    device: str = "auto",
    num_workers: int = 0,
) -> dict[str, float]:
    """Metrics of a checkpoint's model on new data, or on its own validation split.

    Parameters
    ----------
    checkpoint : path
        A checkpoint written by :func:`train` / the Trainer.
    data : path, glob or list, optional
        Samples to evaluate on, read with the checkpoint's dataset class and arguments
        (in full: no random point subsets). Default: the run's validation split.
    batch_size : int, optional
        Default: the run's ``eval_batch_size`` or ``batch_size``.
    device : str
        ``auto``, ``cpu``, ``cuda``, ...
    """
    ckpt = load_checkpoint(checkpoint)
    model = model_from_checkpoint(ckpt, checkpoint)
    run = ckpt.get("config") or {}
    data_desc = ckpt.get("data") or {}
    if "dataset" not in data_desc:
        raise ConfigError(f"{checkpoint}: the checkpoint does not say how its data was read; "
                          "evaluate it from Python with geonop.train.evaluate_model")
    cfg = load_config(run) if run else None
    # how the training files were read: recorded by the dataset itself, else the config
    args = dict(data_desc.get("args") or (cfg.data.args if cfg else {}))
    if data is not None:
        dataset = build_dataset(data_desc["dataset"], data, args)
        indices: list[int] | None = None
    else:
        if cfg is None:
            raise ConfigError(f"{checkpoint}: no stored config; give the data to evaluate on")
        split = build_data(cfg)
        if split.val is None:
            raise ConfigError(f"{checkpoint}: the run had no validation split; give the data "
                              "to evaluate on")
        dataset, indices = split.val, split.val_indices
    bs = batch_size or (cfg.data.eval_batch_size or cfg.data.batch_size if cfg else 1)
    dev = resolve_device(device)
    model.to(dev)
    return evaluate_model(model, dataset, indices, bs, dev, num_workers)
