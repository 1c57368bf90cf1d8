"""Ctrl-C (SIGINT) finishes the step, saves a checkpoint and exits cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import yaml

from geonop.train import load_checkpoint, train


def _wait_for_step(marker: Path, proc: subprocess.Popen, step: int, timeout: float) -> int:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"training exited early: {proc.communicate()}")
        if marker.is_file() and marker.read_text().strip():
            done = int(marker.read_text())
            if done >= step:
                return done
        time.sleep(0.05)
    raise AssertionError("training did not reach the step in time")


def test_sigint_saves_a_checkpoint_and_exits_cleanly(config_factory, tmp_path, train_script,
                                                     child_env):
    cfg = config_factory(tmp_path / "run", max_steps=10_000, checkpoint_every=0, eval_every=0)
    cfg["data"]["num_workers"] = 1  # Ctrl-C reaches the loader's worker too
    cfg_path = tmp_path / "cfg.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    marker = tmp_path / "step"
    proc = subprocess.Popen(train_script + [str(cfg_path), "--marker", str(marker),
                                            "--sleep", "0.1"],
                            env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        _wait_for_step(marker, proc, 3, timeout=240)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "SIGINT received" in err and "interrupted at step" in err
    assert "STATUS interrupted" in out
    last = tmp_path / "run" / "checkpoints" / "last.pt"
    step = load_checkpoint(last)["training"]["step"]
    assert 3 <= step < 10_000
    assert int(marker.read_text()) == step  # the step in flight was finished, then saved
    # and the run resumes from there
    cfg["training"]["max_steps"] = step + 2
    result = train(cfg, resume="auto", verbose=False)
    assert result.status == "completed" and result.step == step + 2
