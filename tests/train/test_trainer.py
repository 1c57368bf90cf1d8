"""The training loop: determinism, accumulation, clipping, stopping rules, logs, AMP."""

from __future__ import annotations

import csv
import sys
import types
from pathlib import Path

import pytest
import torch
import yaml

from geonop.data import MeshDataset
from geonop.errors import ConfigError, MissingDependencyError, TrainingError
from geonop.models import FieldMLP
from geonop.train import (
    Callback,
    Trainer,
    evaluate_model,
    load_checkpoint,
    resolve_amp,
    train,
)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _state(run_dir: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(run_dir / "checkpoints" / "last.pt")["state_dict"]


def _flat(state: dict[str, torch.Tensor]) -> torch.Tensor:
    return torch.cat([v.reshape(-1) for k, v in sorted(state.items()) if k != "frequencies"])


def test_runs_are_seeded_and_bitwise_deterministic(config_factory, tmp_path):
    for name in ("a", "b"):
        train(config_factory(tmp_path / name), verbose=False)
    c = config_factory(tmp_path / "c")
    c["seed"] = 8
    train(c, verbose=False)
    a, b, c_ = (_state(tmp_path / n) for n in "abc")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(_flat(a), _flat(c_))


def test_gradient_accumulation_equals_a_larger_batch(config_factory, tmp_path):
    states = []
    for i, (bs, accum) in enumerate([(4, 1), (2, 2), (1, 4)]):
        cfg = config_factory(tmp_path / str(i), max_steps=5, grad_accum=accum, grad_clip=0.5)
        cfg["data"]["batch_size"] = bs
        cfg["data"]["args"]["query_points"] = 45  # samples of 30-60 points: sizes differ
        cfg["data"]["val_fraction"] = 0.0  # 8 samples: epochs split into whole steps alike
        train(cfg, verbose=False)
        states.append(_flat(_state(tmp_path / str(i))))
    torch.testing.assert_close(states[1], states[0], rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(states[2], states[0], rtol=1e-5, atol=1e-6)


def _one_sgd_step(config_factory, out: Path, clip):
    cfg = config_factory(out, max_steps=1, optimizer="sgd", momentum=0.0, lr=1.0,
                         scheduler="constant", warmup_steps=0, grad_clip=clip, log_every=1)
    cfg["training"]["eval_every"] = 0
    cfg["data"]["val_fraction"] = 0.0
    torch.manual_seed(cfg["seed"])
    init = FieldMLP(out_channels=3, pos_dim=2, in_channels=1, global_channels=2,
                    hidden_channels=16, num_layers=2, num_frequencies=4)
    train(cfg, verbose=False)
    delta = _flat(_state(out)) - _flat(init.state_dict())
    grad_norm = float(_rows(out / "train.csv")[0]["grad_norm"])
    return delta.norm().item(), grad_norm


def test_gradient_clipping_bounds_the_step(config_factory, tmp_path):
    step_free, norm = _one_sgd_step(config_factory, tmp_path / "free", None)
    step_clip, norm_c = _one_sgd_step(config_factory, tmp_path / "clip", 1e-3)
    assert norm == pytest.approx(norm_c)  # the logged norm is the one before clipping
    assert norm > 1e-2
    assert step_free == pytest.approx(norm, rel=1e-4)  # SGD, lr 1: the step is the gradient
    assert step_clip == pytest.approx(1e-3, rel=1e-3)


def test_early_stopping(config_factory, tmp_path):
    # the loss falls, so with mode=max it never "improves" after the first evaluation
    cfg = config_factory(tmp_path / "run", max_steps=50, eval_every=1, checkpoint_every=0)
    cfg["training"]["early_stopping"] = {"patience": 2, "metric": "loss", "mode": "max"}
    result = train(cfg, verbose=False)
    assert result.status == "early_stopped" and result.step == 3
    best = load_checkpoint(tmp_path / "run" / "checkpoints" / "best.pt")
    assert best["training"]["step"] == 1
    assert load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")["training"]["step"] == 3


def test_early_stopping_on_an_unknown_metric_suggests_one(config):
    config["training"]["early_stopping"] = {"patience": 1, "metric": "rel_l2/presure"}
    with pytest.raises(ConfigError, match="did you mean 'rel_l2/pressure'"):
        train(config, verbose=False)


def test_wall_clock_budget_stops_and_saves(config_factory, tmp_path):
    cfg = config_factory(tmp_path / "run", max_steps=10_000, max_time="0.001s",
                         checkpoint_every=0)
    result = train(cfg, verbose=False)
    assert result.status == "time_limit"
    assert 1 <= result.step < 10_000
    assert load_checkpoint(result.last_checkpoint)["training"]["step"] == result.step
    assert result.metrics  # a final validation ran


def test_time_clock_schedule_decays_over_the_budget(config_factory, tmp_path):
    """``schedule_clock: time``: the cosine follows the fraction of max_time spent, so the
    rate is near its minimum when the budget ends, whatever max_steps says."""
    cfg = config_factory(tmp_path / "run", max_steps=1_000_000, max_time="3s", checkpoint_every=0,
                         schedule_clock="time", scheduler="cosine", lr=1e-2, min_lr=1e-4,
                         log_every=1, eval_every=0)
    result = train(cfg, verbose=False)
    assert result.status == "time_limit"
    lrs = [float(r["lr"]) for r in _rows(tmp_path / "run" / "train.csv")]
    peak = lrs.index(max(lrs))  # after the warm-up
    assert len(lrs) >= 3 and lrs[peak] > 0.9e-2
    assert lrs[-1] < 0.25e-2  # a step-clocked cosine over 1e6 steps would still be at 1e-2
    assert all(a >= b - 1e-12 for a, b in zip(lrs[peak:], lrs[peak + 1:]))


class NanAfter(FieldMLP):
    """Returns a NaN loss from its ``nan_at``-th training step on."""

    def __init__(self, nan_at: int, **kwargs):
        super().__init__(**kwargs)
        self.nan_at = nan_at
        self.calls = 0

    def training_step(self, batch):
        self.calls += 1
        out = super().training_step(batch)
        if self.calls >= self.nan_at:
            out.loss = out.loss * float("nan")
        return out


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(flow_dir, tmp_path):
    ds = MeshDataset(flow_dir, targets=["pressure"], query_points=20)
    torch.manual_seed(0)
    model = NanAfter(nan_at=6, out_channels=1, hidden_channels=8, num_layers=1)
    trainer = Trainer(model, ds, config={"max_steps": 20, "checkpoint_every": 2,
                                         "eval_every": 0, "progress": "off"},
                      output_dir=tmp_path / "run", batch_size=2, verbose=False)
    with pytest.raises(TrainingError, match=r"non-finite training loss.*last\.pt \(step 4\)"):
        trainer.fit()
    last = load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")
    assert last["training"]["step"] == 4
    assert all(torch.isfinite(v).all() for v in last["state_dict"].values())
    # the failed step never reached the optimizer: the live model is still finite
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_logs_config_and_metrics_are_written(config, tmp_path):
    result = train(config, verbose=False)
    out = Path(config["output_dir"])
    rows = _rows(out / "train.csv")
    assert [int(r["step"]) for r in rows] == [3, 6, 9, 12]
    assert {"loss", "lr", "grad_norm", "samples_per_s", "points_per_s"} <= rows[0].keys()
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])
    evals = _rows(out / "eval.csv")
    assert [int(r["step"]) for r in evals] == [6, 12]
    assert float(evals[-1]["rel_l2/pressure"]) == pytest.approx(result.metrics["rel_l2/pressure"])
    stored = yaml.safe_load((out / "config.yaml").read_text())
    assert stored["model"]["args"]["hidden_channels"] == 16
    assert stored["training"]["lr"] == pytest.approx(1e-2)


def test_epochs_set_the_number_of_steps(config):
    # 6 training samples, batches of 2: 3 steps per epoch
    config["training"]["epochs"] = 2
    assert train(config, verbose=False).step == 6


def test_validation_metrics_do_not_depend_on_batching(flow_dir):
    ds = MeshDataset(flow_dir, targets=["pressure", "velocity"])
    torch.manual_seed(0)
    model = FieldMLP(out_channels=3, hidden_channels=8, num_layers=1)
    model.set_normalization(ds.statistics())
    model.output_fields = [["pressure", 1], ["velocity", 2]]
    m1 = evaluate_model(model, ds, batch_size=1)
    m3 = evaluate_model(model, ds, batch_size=3)
    assert m1.keys() == m3.keys()
    for k in m1:
        assert m1[k] == pytest.approx(m3[k], rel=1e-5)
    # per-sample relative L2, averaged over samples: recompute it by hand
    rel = []
    for i in range(len(ds)):
        d = ds[i]
        err = (model.predict(d)[:, 1:] - d.y[:, 1:]).norm() / d.y[:, 1:].norm()
        rel.append(err.item())
    assert m1["rel_l2/velocity"] == pytest.approx(sum(rel) / len(rel), rel=1e-5)


def test_progress_bar_shows_step_loss_throughput_and_eta(config, capsys):
    config["training"].update(progress="on", max_steps=3, eval_every=0)
    train(config, verbose=False)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss=" in err and "samples/s" in err and "<00:00" in err


class _Recorder(Callback):
    def __init__(self):
        self.events = []

    def on_train_start(self, trainer):
        self.events.append("start")

    def on_step_end(self, trainer, step, logs):
        self.events.append(f"step{step}")

    def on_evaluate(self, trainer, step, metrics):
        self.events.append(f"eval{step}")

    def on_checkpoint(self, trainer, path):
        self.events.append(path.name)

    def on_train_end(self, trainer, result):
        self.events.append(result.status)


def test_callbacks_see_every_event(config):
    rec = _Recorder()
    config["training"].update(max_steps=2, eval_every=2, checkpoint_every=2)
    train(config, callbacks=[rec], verbose=False)
    assert rec.events == ["start", "step1", "step2", "eval2", "best.pt", "last.pt", "completed"]


def test_tensorboard_is_used_when_installed(config, monkeypatch):
    scalars = []

    class FakeWriter:
        def __init__(self, log_dir):
            self.log_dir = log_dir

        def add_scalar(self, tag, value, step):
            scalars.append((tag, step))

        def close(self):
            scalars.append(("closed", -1))

    fake = types.ModuleType("torch.utils.tensorboard")
    fake.SummaryWriter = FakeWriter
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", fake)
    config["training"].update(max_steps=6, tensorboard="auto")
    train(config, verbose=False)
    assert ("train/loss", 3) in scalars and ("val/loss", 6) in scalars
    assert scalars[-1] == ("closed", -1)


def test_tensorboard_missing(config, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails
    config["training"].update(max_steps=2, tensorboard="auto")
    train(config, verbose=False)  # auto: silently without
    assert not (Path(config["output_dir"]) / "tensorboard").exists()
    config["training"]["tensorboard"] = "on"
    with pytest.raises(MissingDependencyError, match="tensorboard"):
        train(config, overwrite=True, verbose=False)


def test_amp_is_cuda_only(monkeypatch):
    with pytest.warns(UserWarning, match="CUDA only"):
        assert resolve_amp("on", torch.device("cpu")) is None
    assert resolve_amp("off", torch.device("cuda")) is None
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert resolve_amp("on", torch.device("cuda")) is torch.bfloat16
    assert resolve_amp("fp16", torch.device("cuda")) is torch.float16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert resolve_amp("on", torch.device("cuda")) is torch.float16


def test_amp_setting_leaves_cpu_training_in_float32(config_factory, tmp_path):
    train(config_factory(tmp_path / "off", max_steps=3, amp="off"), verbose=False)
    with pytest.warns(UserWarning, match="CUDA only"):
        train(config_factory(tmp_path / "on", max_steps=3, amp="bf16"), verbose=False)
    a, b = _state(tmp_path / "off"), _state(tmp_path / "on")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_checkpoints_of_the_python_api_can_be_evaluated_on_new_files(flow_dir, tmp_path):
    from geonop.train import evaluate_checkpoint

    ds = MeshDataset(flow_dir, targets=["pressure"], global_inputs=["speed"], query_points=10)
    torch.manual_seed(0)
    model = FieldMLP(**ds.spec()["model_args"], hidden_channels=8, num_layers=1)
    Trainer(model, ds, config={"max_steps": 2, "progress": "off"}, output_dir=tmp_path,
            verbose=False).fit()  # no run config: the dataset recorded its own arguments
    metrics = evaluate_checkpoint(tmp_path / "checkpoints" / "last.pt", flow_dir, device="cpu")
    assert metrics == pytest.approx(evaluate_model(model, MeshDataset(
        flow_dir, targets=["pressure"], global_inputs=["speed"])), rel=1e-6)
