"""``geonop train``, ``geonop evaluate`` and ``geonop predict`` from the shipped example."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

import geonop
from geonop.cli import evaluate as evaluate_cmd
from geonop.cli import predict as predict_cmd
from geonop.cli import train as train_cmd
from geonop.cli.main import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "configs" / "field_mlp.yaml"
DATA = REPO / "examples" / "data" / "potential_flow"


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    yield


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="geonop")
    sub = parser.add_subparsers()
    for module in (train_cmd, evaluate_cmd, predict_cmd):
        module.register(sub)
    return parser


def test_commands_register_with_informative_help():
    parser = _parser()
    for argv, words in [
        (["train", "cfg.yaml", "training.lr=1e-3", "--resume"],
         ["KEY=VALUE", "--max-time", "--resume", "torchrun", "closest valid"]),
        (["evaluate", "ckpt.pt", "data/"], ["validation split", "rel_l2", "--json"]),
        (["predict", "ckpt.pt", "in.vtu", "--query", "q.vtu", "-o", "out.vtu"],
         ["--query", "--param", "point data", "atomically"]),
    ]:
        args = parser.parse_args(argv)
        assert callable(args.func)
        sub = parser._subparsers._group_actions[0].choices[argv[0]]
        text = " ".join(sub.format_help().split())
        assert all(w in text for w in words), (argv[0], [w for w in words if w not in text])
    args = parser.parse_args(["train", "cfg.yaml", "a.b=1", "--set", "c=2", "--max-time", "5m"])
    assert train_cmd._overrides(args) == ["a.b=1", "c=2", "training.max_time=5m"]
    assert args.resume is False and args.resume_from is None
    # overrides may also come after options (as torchrun users tend to write them)
    args = parser.parse_args(["train", "cfg.yaml", "--resume", "a.b=1", "--max-steps", "3", "c=2"])
    assert train_cmd._overrides(args) == ["a.b=1", "c=2", "training.max_steps=3"]
    assert args.resume is True


def test_train_evaluate_predict_end_to_end_from_the_shipped_config(tmp_path, capsys):
    assert len(list(DATA.glob("*.npz"))) >= 20, "the example data is shipped with the repo"
    run = tmp_path / "run"
    code = main(["train", str(EXAMPLE), f"output_dir={run}", "training.max_steps=40",
                 "training.eval_every=20", "training.checkpoint_every=20",
                 "--no-progress", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "completed at step 40" in out and "best checkpoint:" in out
    best = run / "checkpoints" / "best.pt"
    assert best.is_file() and (run / "train.csv").is_file() and (run / "config.yaml").is_file()

    code = main(["evaluate", str(best), str(DATA), "--json", str(tmp_path / "m.json")])
    out = capsys.readouterr().out
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert code == 0 and "rel_l2/pressure" in out
    assert set(metrics) >= {"loss", "mse/pressure", "rel_l2/velocity"}
    assert np.isfinite(list(metrics.values())).all()
    # without data: the run's own validation split, as recorded during training
    assert main(["evaluate", str(best), "--json", "-"]) == 0
    val = json.loads(capsys.readouterr().out)
    evals = (run / "eval.csv").read_text().splitlines()
    last_loss = float(evals[-1].split(",")[evals[0].split(",").index("loss")])
    assert val["loss"] == pytest.approx(last_loss, rel=1e-5)

    out_file = tmp_path / "pred.vtu"
    code = main(["predict", str(best), str(DATA / "case_0000.npz"), "--query",
                 str(DATA / "case_0003.npz"), "-o", str(out_file), "--param", "angle=2.5"])
    assert code == 0 and out_file.is_file()
    pred = geonop.read(out_file)
    query = geonop.read(DATA / "case_0003.npz")
    assert pred.points.shape[0] == query.points.shape[0]
    assert pred.point_data["velocity"].shape == (query.points.shape[0], 2)
    assert np.isfinite(pred.point_data["pressure"]).all()


def test_typo_in_a_key_is_reported_with_a_suggestion(tmp_path, capsys):
    code = main(["train", str(EXAMPLE), "training.lerning_rate=1", f"output_dir={tmp_path}"])
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown config key 'training.lerning_rate'" in err and "Traceback" not in err
    code = main(["train", str(EXAMPLE), "training.max_stepz=3"])
    assert code == 2 and "did you mean 'training.max_steps'" in capsys.readouterr().err


def test_print_config_shows_the_resolved_values(capsys):
    assert main(["train", str(EXAMPLE), "training.lr=5e-4", "--print-config"]) == 0
    cfg = yaml.safe_load(capsys.readouterr().out)
    assert cfg["training"]["lr"] == pytest.approx(5e-4)
    assert Path(cfg["data"]["root"]) == DATA


def test_predict_rejects_a_bad_parameter(tmp_path, capsys):
    code = main(["predict", str(tmp_path / "none.pt"), "x.npz", "-o", "y.vtu", "--param", "oops"])
    assert code == 2 and "NAME=VALUE" in capsys.readouterr().err
