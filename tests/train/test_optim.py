"""Optimizers and learning-rate schedules."""

from __future__ import annotations

import math

import pytest
import torch

from geonop.errors import ConfigError
from geonop.train import TrainingConfig
from geonop.train.optim import LRSchedule, build_optimizer, build_scheduler


def _lrs(cfg: TrainingConfig, steps: int) -> list[float]:
    p = torch.nn.Parameter(torch.zeros(1))
    opt = build_optimizer([p], cfg)
    sched = build_scheduler(opt, cfg, steps)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def test_warmup_then_cosine_to_min_lr():
    lrs = _lrs(TrainingConfig(lr=1.0, warmup_steps=4, scheduler="cosine", min_lr=0.1), 104)
    assert lrs[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert lrs[4] == pytest.approx(1.0)
    assert lrs[54] == pytest.approx(0.1 + 0.9 * 0.5)          # half way
    assert lrs[-1] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 99 / 100)))
    assert all(a >= b for a, b in zip(lrs[4:], lrs[5:]))


def test_step_and_constant_schedules():
    lrs = _lrs(TrainingConfig(lr=1.0, scheduler="step", step_size=3, gamma=0.5), 7)
    assert lrs == pytest.approx([1, 1, 1, 0.5, 0.5, 0.5, 0.25])
    assert _lrs(TrainingConfig(lr=0.3, scheduler="constant", warmup_steps=2), 4) == \
        pytest.approx([0.15, 0.3, 0.3, 0.3])


def test_optimizer_kinds():
    p = [torch.nn.Parameter(torch.zeros(1))]
    assert type(build_optimizer(p, TrainingConfig(optimizer="adam"))) is torch.optim.Adam
    adamw = build_optimizer(p, TrainingConfig(optimizer="adamw", weight_decay=0.1, betas=(0.8, 0.9)))
    assert type(adamw) is torch.optim.AdamW
    assert adamw.param_groups[0]["betas"] == (0.8, 0.9)
    assert adamw.param_groups[0]["weight_decay"] == 0.1
    sgd = build_optimizer(p, TrainingConfig(optimizer="sgd", momentum=0.5))
    assert type(sgd) is torch.optim.SGD and sgd.param_groups[0]["momentum"] == 0.5


def test_bad_settings():
    p = [torch.nn.Parameter(torch.zeros(1))]
    with pytest.raises(ConfigError, match="lr must be positive"):
        build_optimizer(p, TrainingConfig(lr=0.0))
    with pytest.raises(ConfigError, match="min_lr"):
        build_scheduler(build_optimizer(p, TrainingConfig()), TrainingConfig(min_lr=1.0), 10)


def test_schedule_is_stored_in_the_scheduler_state():
    p = torch.nn.Parameter(torch.zeros(1))
    cfg = TrainingConfig(scheduler="cosine", warmup_steps=3)
    sched = build_scheduler(build_optimizer([p], cfg), cfg, 50)
    state = sched.state_dict()
    assert state["lr_lambdas"][0]["max_steps"] == 50
    assert isinstance(sched.lr_lambdas[0], LRSchedule)
