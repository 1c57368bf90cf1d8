"""The training loop every geonop model goes through.

:class:`Trainer` runs the same code on one CPU and on many GPUs under ``torchrun``:

- **steps**: one optimizer step consumes ``grad_accum`` micro-batches per process. Each
  micro-batch's :class:`~geonop.models.StepOutput` carries its mean loss and the number
  of items it averages over; gradients are rescaled so that the optimised loss is the
  mean over *every* item of the global batch. Two processes with batches of 2 therefore
  take exactly the step one process takes with a batch of 4, and so does one process
  accumulating two micro-batches of 2.
- **schedule**: Adam/AdamW/SGD, linear warm-up then constant, cosine or step decay,
  gradient clipping, mixed precision on CUDA (bf16, or fp16 with loss scaling).
- **evaluation** every ``eval_every`` steps, metric sums reduced over processes, early
  stopping on any metric, a best checkpoint.
- **stopping**: ``max_steps``/``epochs``, a wall-clock budget, SIGINT/SIGTERM (finish
  the step, save, exit cleanly), and a non-finite loss or gradient (stop with a clear
  error, keep the last good checkpoint).
- **reproducibility**: seeded; data order and random point subsets depend only on the
  seed, epoch and sample; checkpoints hold optimizer, scheduler, scaler and per-process
  RNG state and the position in the epoch, so a resumed run (even after SIGKILL) ends
  with the same parameters as an uninterrupted one (bitwise on CPU).
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import torch
from torch import nn
from torch_geometric.data import Batch

from geonop.data.base import GeometryDataset, qualified_name
from geonop.data.loader import make_loader
from geonop.data.sampler import ShardedBatchSampler, eval_sampler
from geonop.errors import CheckpointError, ConfigError, TrainingError, WriteError
from geonop.models.base import GeonopModel, StepOutput
from geonop.train import distributed as D
from geonop.train.checkpoint import (
    atomic_write,
    check_same_model,
    load_checkpoint,
    load_weights,
    save_checkpoint,
)
from geonop.train.config import TrainingConfig, _build
from geonop.train.logs import CSVLog, Progress, make_tensorboard
from geonop.train.optim import build_optimizer, build_scheduler, make_schedule
from geonop.train.seeding import configure_determinism, rng_state, seed_everything, set_rng_state

PathLike = Union[str, os.PathLike]


@dataclass
class TrainResult:
    """How a :meth:`Trainer.fit` call ended.

    Attributes
    ----------
    status : str
        ``"completed"`` (max_steps reached), ``"early_stopped"``, ``"time_limit"``
        (``max_time`` spent) or ``"interrupted"`` (SIGINT/SIGTERM).
    step, epoch : int
        Optimizer steps done in total and the current epoch.
    metrics : dict
        The last validation metrics (empty without validation data).
    best_metric : float or None
        Best value of the early-stopping metric.
    last_checkpoint, best_checkpoint : Path or None
    elapsed_s : float
        Wall-clock time of this call.
    """

    status: str
    step: int
    epoch: int
    metrics: dict[str, float] = field(default_factory=dict)
    best_metric: float | None = None
    last_checkpoint: Path | None = None
    best_checkpoint: Path | None = None
    elapsed_s: float = 0.0


class Callback:
    """Hooks called by :class:`Trainer` on every process (check ``trainer.is_main``)."""

    def on_train_start(self, trainer: Trainer) -> None:
        """After set-up (and resuming), before the first step."""

    def on_step_end(self, trainer: Trainer, step: int, logs: Mapping[str, float]) -> None:
        """After optimizer step ``step`` (1-based); ``logs`` has loss, lr, grad_norm."""

    def on_evaluate(self, trainer: Trainer, step: int, metrics: Mapping[str, float]) -> None:
        """After a validation."""

    def on_checkpoint(self, trainer: Trainer, path: Path) -> None:
        """After a checkpoint was written (on every process; only rank 0 writes)."""

    def on_train_end(self, trainer: Trainer, result: TrainResult) -> None:
        """Before :meth:`Trainer.fit` returns."""


class _StepModule(nn.Module):
    """Routes ``training_step`` through ``forward`` so that DDP sees it."""

    def __init__(self, model: GeonopModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, batch: Batch) -> tuple[torch.Tensor, float, dict[str, float]]:
        out = self.model.training_step(batch)
        if isinstance(out, StepOutput):
            return out.loss, float(out.weight), dict(out.metrics)
        if isinstance(out, torch.Tensor):
            return out, 1.0, {}
        raise TrainingError(
            f"{type(self.model).__name__}.training_step must return a StepOutput or a scalar "
            f"tensor, got {type(out).__name__}"
        )


def resolve_amp(setting: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``training.amp`` on ``device``: ``None`` (float32) on CPU
    whatever the setting, bf16 or fp16 on CUDA."""
    if setting == "off":
        return None
    if device.type != "cuda":
        warnings.warn(f"training.amp={setting!r} ignored: mixed precision is used on CUDA only; "
                      f"training on {device} in float32", stacklevel=2)
        return None
    if setting == "fp16":
        return torch.float16
    if setting == "bf16" or torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float16


def _grad_norm(params: Sequence[torch.Tensor], clip: float | None) -> float:
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    if clip is not None:
        return float(torch.nn.utils.clip_grad_norm_(params, clip))
    return float(torch.linalg.vector_norm(torch.stack(
        [torch.linalg.vector_norm(g.detach().float()) for g in grads])))


class Trainer:
    """Trains a :class:`~geonop.models.GeonopModel` on a dataset of graphs.

    Parameters
    ----------
    model : GeonopModel
        The model, freshly built (or to be overwritten by ``resume``).
    train_dataset : Dataset
        A :class:`~geonop.data.GeometryDataset` (or any map-style dataset of ``Data``
        whose keys may be ``(index, seed)`` tuples).
    val_dataset : Dataset, optional
        Validation data; default: ``train_dataset`` when ``val_indices`` is given.
    config : TrainingConfig or dict, optional
        Optimisation and run settings (see :class:`~geonop.train.config.TrainingConfig`).
    output_dir : path
        Where ``checkpoints/last.pt``, ``checkpoints/best.pt``, ``train.csv``,
        ``eval.csv`` and ``tensorboard/`` go.
    train_indices, val_indices : sequence of int, optional
        The split (default: every sample of each dataset).
    batch_size, eval_batch_size : int
        Samples per micro-batch on each process.
    num_workers : int
        Data-loader workers.
    seed : int
        Run seed (data order, sampling, RNG of each process).
    stats_samples : int, optional
        Normalisation statistics from at most this many training samples.
    run_config : dict, optional
        The full run config, stored in checkpoints.
    callbacks : sequence of Callback
    follow_batch : sequence of str, optional
        Attributes that get their own ``<name>_batch`` vector when batched.
    verbose : bool
        Print progress lines on rank 0.
    """

    def __init__(
        self,
        model: GeonopModel,
        train_dataset: torch.utils.data.Dataset,
        *,
        val_dataset: torch.utils.data.Dataset | None = None,
        config: TrainingConfig | Mapping[str, Any] | None = None,
        output_dir: PathLike = "runs/geonop",
        train_indices: Sequence[int] | None = None,
        val_indices: Sequence[int] | None = None,
        batch_size: int = 1,
        eval_batch_size: int | None = None,
        num_workers: int = 0,
        seed: int = 0,
        stats_samples: int | None = None,
        run_config: Mapping[str, Any] | None = None,
        callbacks: Sequence[Callback] = (),
        follow_batch: Sequence[str] | None = None,
        verbose: bool = True,
    ) -> None:
        if config is None:
            config = TrainingConfig()
        elif isinstance(config, Mapping):
            config = _build(TrainingConfig, config, "training")
        if not isinstance(model, GeonopModel):
            raise ConfigError(f"Trainer needs a GeonopModel, got {type(model).__name__}")
        self.model = model
        self.config: TrainingConfig = config
        self.train_dataset = train_dataset
        if val_dataset is None and val_indices is not None:
            val_dataset = train_dataset
        self.val_dataset = val_dataset
        self.train_indices = list(range(len(train_dataset))) if train_indices is None \
            else [int(i) for i in train_indices]
        self.val_indices = None if val_dataset is None else (
            list(range(len(val_dataset))) if val_indices is None else [int(i) for i in val_indices])
        if self.val_indices is not None and not self.val_indices:
            self.val_dataset, self.val_indices = None, None
        if not self.train_indices:
            raise ConfigError("the training split is empty")
        if batch_size < 1 or (eval_batch_size is not None and eval_batch_size < 1):
            raise ConfigError(f"batch sizes must be >= 1, got {batch_size}, {eval_batch_size}")
        if config.grad_accum < 1:
            raise ConfigError(f"training.grad_accum must be >= 1, got {config.grad_accum}")
        if config.grad_clip is not None and config.grad_clip <= 0:
            raise ConfigError(f"training.grad_clip must be positive or null, got {config.grad_clip}")
        self.batch_size = int(batch_size)
        self.eval_batch_size = int(eval_batch_size or batch_size)
        self.num_workers = int(num_workers)
        self.seed = int(seed)
        self.stats_samples = stats_samples
        self.output_dir = Path(output_dir)
        self.checkpoint_dir = self.output_dir / "checkpoints"
        self.run_config = dict(run_config or {})
        self.callbacks = list(callbacks)
        self.follow_batch = list(dict.fromkeys([*(follow_batch or ()), *model.follow_batch]))
        self.verbose = verbose
        # state (restored by resume)
        self.step = 0
        self.epoch = 0
        self.micro = 0
        self.best_metric: float | None = None
        self.bad_evals = 0
        self.metrics: dict[str, float] = {}
        self.last_checkpoint: Path | None = None
        self.last_checkpoint_step: int | None = None
        self.best_checkpoint: Path | None = None
        self.ctx = D.DistContext()
        self._stop_signal: int | None = None
        self._progress: Progress | None = None
        self._tb: Any = None

    # -- properties --------------------------------------------------------------------
    @property
    def is_main(self) -> bool:
        """True on rank 0 (the process that logs and writes)."""
        return self.ctx.is_main

    @property
    def device(self) -> torch.device:
        return self.ctx.device

    def data_description(self) -> dict[str, Any]:
        """``{"dataset": "module:Class", "spec": {...}, "args": {...}}`` of the training data."""
        ds = self.train_dataset
        if isinstance(ds, GeometryDataset):
            return {"dataset": qualified_name(type(ds)), "spec": ds.spec(),
                    "args": ds.init_arguments()}
        return {}

    # -- set-up --------------------------------------------------------------------------
    def _say(self, message: str) -> None:
        if self.verbose and self.is_main:
            if self._progress is not None:
                self._progress.write(message)
            else:
                print(message, file=sys.stderr, flush=True)

    def _max_steps(self) -> int:
        cfg = self.config
        if cfg.epochs is not None:
            if cfg.epochs <= 0:
                raise ConfigError(f"training.epochs must be positive, got {cfg.epochs}")
            per_epoch = self._sampler.batches_per_epoch()
            return max(1, math.ceil(cfg.epochs * per_epoch / cfg.grad_accum))
        if cfg.max_steps is None or cfg.max_steps < 1:
            raise ConfigError("training: give max_steps >= 1 or epochs")
        return int(cfg.max_steps)

    def _setup_normalization(self, ckpt: Mapping[str, Any] | None) -> None:
        spec = self.data_description().get("spec", {})
        if self.model.output_fields is None and spec.get("targets"):
            self.model.output_fields = [list(t) for t in spec["targets"]]
        if self.model.surface_fields is None and spec.get("surface_targets"):
            self.model.surface_fields = [list(t) for t in spec["surface_targets"]]
        if ckpt is not None:
            if ckpt.get("normalization"):
                self.model.set_normalization(ckpt["normalization"])
            return
        if self.model.normalizer.names or not isinstance(self.train_dataset, GeometryDataset):
            return
        stats = None
        if self.is_main:
            t0 = time.perf_counter()
            stats = self.train_dataset.statistics(self.train_indices, self.stats_samples, self.seed)
            self._say(f"normalisation statistics of {', '.join(stats) or 'no fields'} from "
                      f"{len(self.train_indices)} training samples ({time.perf_counter() - t0:.1f} s)")
        stats = D.broadcast_object(stats)
        self.model.set_normalization(stats)

    def _load_resume(self, resume: PathLike) -> dict[str, Any]:
        path = Path(resume)
        ckpt = None
        error: BaseException | None = None
        if self.is_main:
            try:
                ckpt = load_checkpoint(path)
                check_same_model(ckpt, self.model, path)
                if not ckpt.get("training"):
                    raise CheckpointError(path, "holds weights only (no training state) and "
                                                "cannot be resumed")
            except CheckpointError as exc:
                error = exc
        error = D.broadcast_object(error)
        if error is not None:
            raise error
        return D.broadcast_object(ckpt)

    # -- data ----------------------------------------------------------------------------
    def _micro_batches(self) -> Iterator[Batch]:
        while True:
            self._sampler.set_epoch(self.epoch, start=self.micro)
            produced = self.micro > 0
            for batch in self._loader:
                self.micro += 1
                produced = True
                yield batch
            if not produced:
                raise TrainingError("the training data yields no batches")
            self.epoch += 1
            self.micro = 0

    # -- main loop -------------------------------------------------------------------------
    def fit(self, resume: PathLike | None = None) -> TrainResult:
        """Train until ``max_steps``, early stopping, ``max_time`` or a signal.

        Parameters
        ----------
        resume : path, optional
            A checkpoint of this run to continue from (model, optimizer, scheduler, RNG,
            data position). The model must have the same class and arguments.

        Raises
        ------
        TrainingError
            Non-finite loss or gradient; the last good checkpoint is kept.
        CheckpointError
            ``resume`` is unreadable, incompatible or holds a different model.
        """
        t_start = time.monotonic()
        cfg = self.config
        self.ctx = D.init_distributed(cfg.device)
        self._stop_signal = None
        old_handlers = self._install_signal_handlers()
        clean_exit = False
        try:
            result = self._fit(resume, t_start)
            clean_exit = True
            return result
        finally:
            self._restore_signal_handlers(old_handlers)
            if self._progress is not None:
                self._progress.close()
                self._progress = None
            if self._tb is not None:
                self._tb.close()
                self._tb = None
            # DDP's reducer and the loader's workers hold the process group: release them
            # first, and let every process arrive, or gloo may block in a destructor
            self._step_module = None
            self._loader = None
            gc.collect()
            D.shutdown(self.ctx, wait=clean_exit)

    def _fit(self, resume: PathLike | None, t_start: float) -> TrainResult:
        cfg, ctx = self.config, self.ctx
        configure_determinism(cfg.deterministic, ctx.device)
        ckpt = self._load_resume(resume) if resume is not None else None
        self._setup_normalization(ckpt)
        model = self.model.to(ctx.device)
        if ckpt is not None:
            load_weights(model, ckpt["state_dict"], resume)  # type: ignore[arg-type]
        model.train()
        step_module: nn.Module = _StepModule(model)
        if ctx.distributed:
            step_module = nn.parallel.DistributedDataParallel(
                step_module, device_ids=[ctx.device] if ctx.device.type == "cuda" else None,
                find_unused_parameters=cfg.find_unused_parameters)
        self._step_module = step_module
        self._params = [p for p in model.parameters() if p.requires_grad]
        self._sampler = ShardedBatchSampler(self.train_indices, self.batch_size, ctx.rank,
                                            ctx.world_size, shuffle=True, seed=self.seed)
        self._loader = make_loader(self.train_dataset, self._sampler, self.num_workers,
                                   self.follow_batch, pin_memory=ctx.device.type == "cuda")
        max_steps = self._max_steps()
        self.max_steps = max_steps
        if cfg.early_stopping.patience > 0 and self.val_dataset is None:
            raise ConfigError("training.early_stopping needs validation data (data.val_fraction "
                              "> 0 or data.val_root)")
        self.optimizer = build_optimizer(self._params, cfg)
        self.scheduler = build_scheduler(self.optimizer, cfg, max_steps)
        self.amp_dtype = resolve_amp(cfg.amp, ctx.device)
        self.scaler = torch.amp.GradScaler("cuda") if self.amp_dtype == torch.float16 else None

        if ckpt is not None:
            self._restore_training_state(ckpt, Path(resume))  # type: ignore[arg-type]
        else:
            seed_everything(self.seed + ctx.rank)

        if self.is_main:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            if self.run_config:
                import yaml

                text = yaml.safe_dump(self.run_config, sort_keys=False)
                atomic_write(self.output_dir / "config.yaml", lambda f: f.write(text.encode()))
            resume_step = self.step if ckpt is not None else None
            self._train_log = CSVLog(self.output_dir / "train.csv", resume_step)
            self._eval_log = CSVLog(self.output_dir / "eval.csv", resume_step)
            self._tb = make_tensorboard(cfg.tensorboard, self.output_dir / "tensorboard")
            self._progress = Progress(
                max_steps, self.step, cfg.progress,
                cfg.max_time if cfg.schedule_clock == "time" and cfg.max_time else None)
        if ckpt is not None:
            self._say(f"resumed from {resume} at step {self.step} (epoch {self.epoch})")
        else:
            span = (f"{cfg.max_time:.0f} s" if cfg.schedule_clock == "time" and cfg.max_time
                    else f"{max_steps} steps")
            self._say(f"training {type(model).__name__} ({model.num_parameters():,} parameters) "
                      f"for {span} on {ctx.device}"
                      + (f" x {ctx.world_size} processes" if ctx.distributed else ""))
        for cb in self.callbacks:
            cb.on_train_start(self)

        status = "completed"
        if self.step >= max_steps and self.val_dataset is not None and not self.metrics:
            self._evaluate_and_track()  # resumed a finished run: report where it stands
        micro_iter = self._micro_batches()
        interval = {"loss": 0.0, "weight": 0.0, "samples": 0.0, "points": 0.0, "steps": 0,
                    "t": time.monotonic()}
        while self.step < max_steps:
            window = [next(micro_iter) for _ in range(cfg.grad_accum)]
            out = self._train_step(window, t_start)
            self.step += 1
            interval["loss"] += out["loss_sum"]
            interval["weight"] += out["weight"]
            interval["samples"] += out["samples"]
            interval["points"] += out["points"]
            interval["steps"] += 1
            logs = {"loss": out["loss"], "lr": out["lr"], "grad_norm": out["grad_norm"]}
            if self._progress is not None:
                dt = max(time.monotonic() - interval["t"], 1e-9)
                self._progress.update(1, out["loss"], out["lr"], interval["samples"] / dt,
                                      time.monotonic() - t_start)
            if cfg.log_every and self.step % cfg.log_every == 0:
                self._log_train(interval, out)
                interval = {"loss": 0.0, "weight": 0.0, "samples": 0.0, "points": 0.0,
                            "steps": 0, "t": time.monotonic()}
            for cb in self.callbacks:
                cb.on_step_end(self, self.step, logs)

            stop = None
            if out["signal"]:
                stop = "interrupted"
            elif out["time_up"]:
                stop = "time_limit"
            final = stop is not None or self.step >= max_steps
            if self.val_dataset is not None and (
                (cfg.eval_every and self.step % cfg.eval_every == 0) or final
            ) and stop != "interrupted" and self._evaluate_and_track():
                stop = stop or "early_stopped"
                final = True
            if final or (cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0):
                self._save("last.pt")
            if stop is not None:
                status = stop
                break

        if status == "interrupted":
            self._say(f"interrupted at step {self.step}: saved {self.last_checkpoint}; resume "
                      "with --resume")
        elif status == "time_limit":
            self._say(f"max_time of {cfg.max_time:.0f} s reached at step {self.step}: saved "
                      f"{self.last_checkpoint}")
        elif status == "early_stopped":
            self._say(f"early stopping at step {self.step}: "
                      f"{cfg.early_stopping.metric} did not improve for "
                      f"{cfg.early_stopping.patience} evaluations")
        result = TrainResult(status, self.step, self.epoch, dict(self.metrics), self.best_metric,
                             self.last_checkpoint, self.best_checkpoint,
                             time.monotonic() - t_start)
        for cb in self.callbacks:
            cb.on_train_end(self, result)
        return result

    def _train_step(self, window: list[Batch], t_start: float) -> dict[str, Any]:
        cfg, ctx = self.config, self.ctx
        self.optimizer.zero_grad(set_to_none=True)
        loss_sum = torch.zeros((), dtype=torch.float64, device=ctx.device)
        weight_sum = samples = points = 0.0
        ddp = self._step_module if isinstance(self._step_module,
                                              nn.parallel.DistributedDataParallel) else None
        for i, batch in enumerate(window):
            batch = batch.to(ctx.device, non_blocking=True)
            sync = ddp is None or i == len(window) - 1
            with (contextlib.nullcontext() if sync else ddp.no_sync()):  # type: ignore[union-attr]
                with torch.autocast(ctx.device.type, dtype=self.amp_dtype or torch.float32,
                                    enabled=self.amp_dtype is not None):
                    loss, weight, _ = self._step_module(batch)
                total = loss.float() * weight
                if self.scaler is not None:
                    self.scaler.scale(total).backward()
                else:
                    total.backward()
            loss_sum += total.detach().double()
            weight_sum += weight
            samples += float(getattr(batch, "num_graphs", 1) or 1)
            points += float(batch.num_nodes or 0)
        time_up = (self.is_main and cfg.max_time is not None
                   and time.monotonic() - t_start > cfg.max_time)
        red = torch.stack([
            loss_sum,
            torch.tensor(weight_sum, dtype=torch.float64, device=ctx.device),
            torch.tensor(samples, dtype=torch.float64, device=ctx.device),
            torch.tensor(points, dtype=torch.float64, device=ctx.device),
            torch.tensor(float(self._stop_signal is not None), dtype=torch.float64, device=ctx.device),
            torch.tensor(float(time_up), dtype=torch.float64, device=ctx.device),
            torch.tensor(time.monotonic() - t_start, dtype=torch.float64, device=ctx.device),
        ])
        D.all_reduce(red)
        g_loss, g_weight, g_samples, g_points, g_signal, g_time, g_elapsed = red.tolist()
        loss = g_loss / g_weight if g_weight > 0 else float("nan")
        if not math.isfinite(loss):
            self._fail(f"non-finite training loss ({loss}) at step {self.step + 1}")
        if self.scaler is not None:
            self.scaler.unscale_(self.optimizer)
        # DDP averaged the gradients of per-process sums; rescale to the global mean
        factor = ctx.world_size / g_weight
        for p in self._params:
            if p.grad is not None:
                p.grad.mul_(factor)
        grad_norm = _grad_norm(self._params, cfg.grad_clip)
        if not math.isfinite(grad_norm) and self.scaler is None:
            self._fail(f"non-finite gradient norm ({grad_norm}) at step {self.step + 1}")
        if cfg.schedule_clock == "time" and cfg.max_time:
            # every process sets the same rate: the elapsed time is averaged over processes
            progress = g_elapsed / ctx.world_size / cfg.max_time
            factor_lr = self.scheduler.lr_lambdas[0](self.step, progress)
            for group in self.optimizer.param_groups:
                group["lr"] = group["initial_lr"] * factor_lr
        lr = self.optimizer.param_groups[0]["lr"]
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        self.scheduler.step()
        return {"loss": loss, "loss_sum": g_loss, "weight": g_weight, "samples": g_samples,
                "points": g_points, "grad_norm": grad_norm, "lr": lr, "signal": g_signal > 0,
                "time_up": g_time > 0}

    def _fail(self, problem: str) -> None:
        if self.last_checkpoint is not None:
            keep = (f"the last good checkpoint is {self.last_checkpoint} (step "
                    f"{self.last_checkpoint_step})")
        else:
            keep = "no checkpoint was written before it"
        raise TrainingError(
            f"{problem}; training stopped and {keep}. Lower training.lr, set training.grad_clip, "
            "or check the data for NaN/Inf"
        )

    def _log_train(self, interval: Mapping[str, float], out: Mapping[str, Any]) -> None:
        if not self.is_main:
            return
        dt = max(time.monotonic() - interval["t"], 1e-9)
        row = {
            "step": self.step,
            "epoch": self.epoch,
            "loss": interval["loss"] / max(interval["weight"], 1e-300),
            "lr": out["lr"],
            "grad_norm": out["grad_norm"],
            "samples_per_s": interval["samples"] / dt,
            "points_per_s": interval["points"] / dt,
            "time_s": time.time(),
        }
        self._train_log.write(row)
        if self._tb is not None:
            for k in ("loss", "lr", "grad_norm", "samples_per_s"):
                self._tb.add_scalar(f"train/{k}", row[k], self.step)
        if self._progress is not None and self._progress.bar.disable and self.verbose:
            eta = (self.max_steps - self.step) * dt / max(interval["steps"], 1)
            self._progress.write(
                f"step {self.step}/{self.max_steps}  loss {row['loss']:.4g}  lr {row['lr']:.3g}  "
                f"{row['samples_per_s']:.1f} samples/s  eta {eta:.0f} s"
            )

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(
        self,
        dataset: torch.utils.data.Dataset | None = None,
        indices: Sequence[int] | None = None,
    ) -> dict[str, float]:
        """Validation metrics of the model on ``dataset`` (default: the validation split),
        reduced over processes."""
        if dataset is None:
            if self.val_dataset is None:
                raise ConfigError("no validation data to evaluate on")
            dataset, indices = self.val_dataset, self.val_indices
        return evaluate_model(self.model, dataset, indices, self.eval_batch_size,
                              self.ctx.device, self.num_workers, getattr(self, "amp_dtype", None),
                              self.follow_batch)

    def _evaluate_and_track(self) -> bool:
        """Evaluate, log, keep the best checkpoint; True when early stopping triggers."""
        cfg = self.config.early_stopping
        metrics = self.evaluate()
        self.metrics = metrics
        if self.is_main:
            self._eval_log.write({"step": self.step, "epoch": self.epoch, **metrics})
            if self._tb is not None:
                for k, v in metrics.items():
                    self._tb.add_scalar(f"val/{k}", v, self.step)
            shown = ", ".join(f"{k} {v:.4g}" for k, v in list(metrics.items())[:6])
            self._say(f"step {self.step}: validation {shown}")
        for cb in self.callbacks:
            cb.on_evaluate(self, self.step, metrics)
        if cfg.metric not in metrics:
            import difflib

            close = difflib.get_close_matches(cfg.metric, list(metrics), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"training.early_stopping.metric: no validation metric {cfg.metric!r}{hint} "
                f"(metrics: {', '.join(metrics)})"
            )
        value = metrics[cfg.metric]
        improved = self.best_metric is None or (
            value < self.best_metric - cfg.min_delta if cfg.mode == "min"
            else value > self.best_metric + cfg.min_delta)
        if improved:
            self.best_metric = value
            self.bad_evals = 0
            self._save("best.pt")
        else:
            self.bad_evals += 1
        return cfg.patience > 0 and self.bad_evals >= cfg.patience

    # -- checkpoints -----------------------------------------------------------------------
    def training_state(self, rng: list[Any] | None = None) -> dict[str, Any]:
        """Everything :meth:`fit` needs to resume (except weights)."""
        return {
            "step": self.step,
            "epoch": self.epoch,
            "micro_batch": self.micro,
            "max_steps": getattr(self, "max_steps", None),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict() if self.scaler is not None else None,
            "rng": rng if rng is not None else [rng_state()],
            "world_size": self.ctx.world_size,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "best_metric": self.best_metric,
            "bad_evals": self.bad_evals,
        }

    def _restore_training_state(self, ckpt: Mapping[str, Any], path: Path) -> None:
        st = ckpt["training"]
        try:
            self.optimizer.load_state_dict(st["optimizer"])
            self.scheduler.load_state_dict(st["scheduler"])
            if self.scaler is not None and st.get("scaler"):
                self.scaler.load_state_dict(st["scaler"])
        except (KeyError, ValueError, RuntimeError) as exc:
            raise CheckpointError(path, f"optimizer state does not fit this run ({exc}); was "
                                        "training.optimizer changed?") from exc
        # the schedule is a function of the step: rebuild it for this run's settings
        self.scheduler.lr_lambdas[0] = make_schedule(self.config, self.max_steps)
        for group, base in zip(self.optimizer.param_groups, self.scheduler.base_lrs):
            group["lr"] = base * self.scheduler.lr_lambdas[0](st["step"])
        self.step, self.epoch = int(st["step"]), int(st["epoch"])
        self.micro = int(st.get("micro_batch", 0))
        self.best_metric = st.get("best_metric")
        self.bad_evals = int(st.get("bad_evals", 0))
        self.metrics = dict(ckpt.get("metrics") or {})
        self.last_checkpoint, self.last_checkpoint_step = path, self.step
        rngs = st.get("rng") or []
        if len(rngs) == self.ctx.world_size:
            set_rng_state(rngs[self.ctx.rank])
        else:
            if rngs:
                warnings.warn(f"{path}: saved by {len(rngs)} processes, resumed by "
                              f"{self.ctx.world_size}; random streams restart from the seed",
                              stacklevel=2)
            seed_everything(self.seed + self.ctx.rank + 7919 * self.step)
        if self.ctx.world_size != int(st.get("world_size", 1)) or \
                self.batch_size != int(st.get("batch_size", self.batch_size)):
            warnings.warn(f"{path}: resumed with a different number of processes or batch size; "
                          "the data order differs from the original run", stacklevel=2)

    def _save(self, name: str) -> Path:
        """Write ``checkpoints/<name>`` on rank 0 (all processes must call it)."""
        path = self.checkpoint_dir / name
        rngs = D.all_gather_object(rng_state())
        error: str | None = None
        if self.is_main:
            try:
                save_checkpoint(path, self.model, training=self.training_state(rngs),
                                config=self.run_config, data=self.data_description(),
                                metrics=self.metrics)
            except WriteError as exc:
                error = str(exc)
        error = D.broadcast_object(error)
        if error is not None:
            raise WriteError(path, f"checkpoint not written, training stopped ({error})")
        if name == "last.pt":
            self.last_checkpoint, self.last_checkpoint_step = path, self.step
        elif name == "best.pt":
            self.best_checkpoint = path
        for cb in self.callbacks:
            cb.on_checkpoint(self, path)
        return path

    def save_checkpoint(self, path: PathLike) -> Path:
        """Write a checkpoint of the current state to ``path`` (single process)."""
        return save_checkpoint(path, self.model, training=self.training_state()
                               if hasattr(self, "optimizer") else None,
                               config=self.run_config, data=self.data_description(),
                               metrics=self.metrics)

    # -- signals ----------------------------------------------------------------------------
    def _install_signal_handlers(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        old: dict[int, Any] = {}

        def handler(signum: int, frame: Any) -> None:
            if self._stop_signal is not None:  # second signal: stop now
                self._restore_signal_handlers(old)
                raise KeyboardInterrupt
            self._stop_signal = signum
            name = signal.Signals(signum).name
            self._say(f"{name} received: finishing step {self.step + 1}, saving a checkpoint "
                      "and stopping (send it again to abort at once)")

        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                old[sig] = signal.signal(sig, handler)
            except (ValueError, OSError):  # pragma: no cover - not allowed here
                pass
        return old

    @staticmethod
    def _restore_signal_handlers(old: Mapping[int, Any]) -> None:
        for sig, h in old.items():
            try:
                signal.signal(sig, h)
            except (ValueError, OSError, TypeError):  # pragma: no cover
                pass


def evaluate_model(
    model: GeonopModel,
    dataset: torch.utils.data.Dataset,
    indices: Sequence[int] | None = None,
    batch_size: int = 1,
    device: str | torch.device = "cpu",
    num_workers: int = 0,
    amp_dtype: torch.dtype | None = None,
    follow_batch: Sequence[str] | None = None,
) -> dict[str, float]:
    """Average :meth:`~geonop.models.GeonopModel.validation_step` metrics over a dataset.

    Each metric is a (sum, count) pair per batch; sums and counts are added over batches
    and processes before dividing, so the result does not depend on batching or on the
    number of processes.
    """
    device = torch.device(device)
    rank, world = D.world_info()
    idx = list(range(len(dataset))) if indices is None else [int(i) for i in indices]
    follow = list(dict.fromkeys([*(follow_batch or ()), *model.follow_batch]))
    loader = make_loader(dataset, eval_sampler(idx, batch_size, rank, world), num_workers, follow)
    was_training = model.training
    model.eval()
    sums: dict[str, list[float]] = {}
    try:
        with torch.no_grad(), torch.autocast(device.type, dtype=amp_dtype or torch.float32,
                                             enabled=amp_dtype is not None):
            for batch in loader:
                out = model.validation_step(batch.to(device))
                for k, v in out.items():
                    s, c = v if isinstance(v, tuple) else (v, 1.0)
                    acc = sums.setdefault(k, [0.0, 0.0])
                    acc[0] += float(s)
                    acc[1] += float(c)
    finally:
        model.train(was_training)
    total: dict[str, list[float]] = {}
    for part in D.all_gather_object(sums):
        for k, (s, c) in part.items():
            acc = total.setdefault(k, [0.0, 0.0])
            acc[0] += s
            acc[1] += c
    return {k: s / c if c else float("nan") for k, (s, c) in total.items()}
