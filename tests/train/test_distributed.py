"""Data-parallel training: 2 CPU processes (gloo) take the steps 1 process takes on the
combined batch."""

from __future__ import annotations

import csv
import socket
import subprocess

import pytest
import torch
import yaml

from geonop.train import load_checkpoint, train


def _rows(path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_equal_one_process_on_the_combined_batch(
    config_factory, tmp_path, train_script, child_env
):
    # variable-size graphs, random query subsets, accumulation and clipping: every piece
    # of the per-process weighting is exercised
    common = dict(max_steps=4, eval_every=2, checkpoint_every=2, grad_accum=2, grad_clip=1.0,
                  log_every=1)
    single = config_factory(tmp_path / "single", **common)
    single["data"]["batch_size"] = 2
    single["data"]["args"]["query_points"] = 45  # cases have 30-60 points: sizes vary
    train(single, verbose=False)

    double = config_factory(tmp_path / "double", **common)
    double["data"]["batch_size"] = 1
    double["data"]["args"]["query_points"] = 45
    cfg_path = tmp_path / "double.yaml"
    cfg_path.write_text(yaml.safe_dump(double))
    cmd = [train_script[0], "-m", "torch.distributed.run", "--nproc_per_node", "2",
           "--master_addr", "127.0.0.1", "--master_port", str(_free_port())] + train_script[1:] \
        + [str(cfg_path)]
    proc = subprocess.run(cmd, check=False, env=child_env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.count("STATUS completed STEP 4") == 2  # both ranks finished

    a = load_checkpoint(tmp_path / "single" / "checkpoints" / "last.pt")
    b = load_checkpoint(tmp_path / "double" / "checkpoints" / "last.pt")
    assert b["training"]["world_size"] == 2 and len(b["training"]["rng"]) == 2
    for k, v in a["state_dict"].items():
        torch.testing.assert_close(b["state_dict"][k], v, rtol=1e-5, atol=1e-6, msg=k)
    # training loss and validation metrics are reduced over both processes
    rows_a, rows_b = (_rows(tmp_path / name / "train.csv") for name in ("single", "double"))
    assert [float(r["loss"]) for r in rows_b] == \
        pytest.approx([float(r["loss"]) for r in rows_a], rel=1e-5)
    assert b["metrics"] == pytest.approx(a["metrics"], rel=1e-5)
    # only rank 0 writes: one header and one row per logged step
    assert len(rows_b) == 4
