"""Train any geonop model on the airfoil dataset for a wall-clock budget, and wrap it as a
:data:`~geonop.aero.metrics.Predictor`.

Every model of the aerodynamics benchmark (the neural-field operator and its peers) goes
through :func:`train_for_budget`: the same data (non-dimensional fields, random subsets of
volume points per step), the shared :class:`~geonop.train.Trainer`, a learning-rate schedule
that follows the time budget (``schedule_clock: time``: a cosine decay to the end of the
budget whatever the model's speed), and the same seed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Union

import numpy as np
import torch
from torch_geometric.data import Batch, Data

from geonop.data.airfoil.dataset import AirfoilRANSDataset
from geonop.models.base import GeonopModel
from geonop.train import Trainer

PathLike = Union[str, "os.PathLike[str]"]


def airfoil_datasets(root: PathLike | None = None, query_points: int | None = 1000,
                     potential_flow: bool = True, boundary_layer: bool = True
                     ) -> tuple[AirfoilRANSDataset, AirfoilRANSDataset]:
    """The non-dimensional train (with ``query_points`` random volume points per training
    view) and test splits of the airfoil dataset, with the potential-flow prior of every
    case, its velocity taken to the wall through a turbulent boundary layer (models without
    a prior ignore it)."""
    bl = bool(potential_flow and boundary_layer)
    train = AirfoilRANSDataset(root, split="train", nondimensional=True, query_points=query_points,
                               potential_flow=potential_flow, boundary_layer=bl)
    test = AirfoilRANSDataset(root, split="test", nondimensional=True,
                              potential_flow=potential_flow, boundary_layer=bl)
    return train, test


def train_for_budget(model: GeonopModel, train: AirfoilRANSDataset, seconds: float,
                     output_dir: PathLike, *, lr: float = 1e-3, batch_size: int = 4,
                     weight_decay: float = 0.0, warmup_steps: int = 20, seed: int = 0,
                     verbose: bool = False, training: Mapping[str, Any] | None = None,
                     stats: Mapping[str, Any] | None = None) -> Trainer:
    """Train ``model`` for ``seconds`` of wall-clock time (cosine schedule over the budget).

    Parameters
    ----------
    model : GeonopModel
    train : AirfoilRANSDataset
        Training split (non-dimensional).
    seconds : float
        Wall-clock budget of the optimisation (normalisation statistics not included).
    output_dir : path
        Checkpoints and logs.
    training : mapping, optional
        Further :class:`~geonop.train.config.TrainingConfig` values (override the above).
    stats : mapping, optional
        Precomputed normalisation statistics of ``train`` (skips computing them again).

    Returns
    -------
    Trainer
        After :meth:`~geonop.train.Trainer.fit`; ``trainer.model`` is trained.
    """
    if stats is not None:
        model.set_normalization(stats)
    cfg = {"max_steps": 10_000_000, "lr": lr, "optimizer": "adamw", "weight_decay": weight_decay,
           "scheduler": "cosine", "warmup_steps": warmup_steps, "min_lr": lr * 1e-2,
           "grad_clip": 1.0, "eval_every": 0, "checkpoint_every": 0, "log_every": 50,
           "max_time": float(seconds), "schedule_clock": "time", "progress": "off",
           "tensorboard": "off"}
    cfg.update(training or {})
    trainer = Trainer(model, train, config=cfg, output_dir=output_dir, batch_size=batch_size,
                      seed=seed, verbose=verbose)
    trainer.fit()
    return trainer


def model_predictor(model: GeonopModel, follow_batch: tuple[str, ...] = ("surface_pos",)):
    """A :data:`~geonop.aero.metrics.Predictor` of a model with ``predict_all`` (volume
    and surface, e.g. :class:`~geonop.models.NeuralFieldOperator`)."""

    def predict(data: Data) -> tuple[np.ndarray, np.ndarray]:
        batch = Batch.from_data_list([data], follow_batch=list(follow_batch))
        with torch.no_grad():
            vol, surf = model.predict_all(batch)
        return vol.double().cpu().numpy(), surf.double().cpu().numpy()

    return predict


