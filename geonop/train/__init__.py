"""Training engine: configs, the Trainer, checkpoints, distributed runs, prediction.

- :func:`train` runs a YAML config end to end; :class:`Trainer` is the loop itself for
  programmatic use (any :class:`~geonop.models.GeonopModel` on any dataset of graphs).
- :func:`load` rebuilds a trained model from a checkpoint, ready to predict;
  :func:`save_checkpoint` writes one (atomically).
- :func:`load_config` reads and checks a config with ``key=value`` overrides.
- :func:`predict_fields` / :func:`predict_file` predict on new inputs at any points;
  :func:`evaluate_checkpoint` / :func:`evaluate_model` compute validation metrics.

Multi-GPU and multi-node runs use ``torchrun``; see ``docs/training.md``.
"""

from geonop.train.checkpoint import (
    CheckpointInfo,
    atomic_torch_save,
    atomic_write,
    load,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
)
from geonop.train.config import (
    Config,
    DataConfig,
    EarlyStoppingConfig,
    ModelConfig,
    TrainingConfig,
    apply_overrides,
    config_reference,
    dump_config,
    load_config,
    parse_duration,
)
from geonop.train.distributed import DistContext, init_distributed
from geonop.train.predict import predict_fields, predict_file
from geonop.train.run import build_data, build_model_for, evaluate_checkpoint, train
from geonop.train.trainer import Callback, Trainer, TrainResult, evaluate_model, resolve_amp

__all__ = [
    "Callback",
    "CheckpointInfo",
    "Config",
    "DataConfig",
    "DistContext",
    "EarlyStoppingConfig",
    "ModelConfig",
    "TrainResult",
    "Trainer",
    "TrainingConfig",
    "apply_overrides",
    "atomic_torch_save",
    "atomic_write",
    "build_data",
    "build_model_for",
    "config_reference",
    "dump_config",
    "evaluate_checkpoint",
    "evaluate_model",
    "init_distributed",
    "load",
    "load_checkpoint",
    "load_config",
    "model_from_checkpoint",
    "parse_duration",
    "predict_fields",
    "predict_file",
    "resolve_amp",
    "save_checkpoint",
    "train",
]
