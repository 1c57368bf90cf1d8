"""Run a training config in a child process (used by the kill, signal and DDP tests).

usage: _run_training.py CONFIG.yaml [--resume CKPT] [--kill-at STEP] [--marker FILE]
                        [--sleep SECONDS] [key=value ...]

--kill-at STEP   SIGKILL this process right after optimizer step STEP (no clean-up at all)
--marker FILE    write the number of the last finished step to FILE after every step
--sleep SECONDS  sleep after every step (gives a test time to send a signal)
Exit status: 0 done, 130 interrupted by a signal (after saving a checkpoint).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

import torch

from geonop.train import Callback, train


class _Hooks(Callback):
    def __init__(self, kill_at: int | None, marker: str | None, sleep: float) -> None:
        self.kill_at, self.marker, self.sleep = kill_at, marker, sleep

    def on_step_end(self, trainer, step, logs) -> None:
        if self.marker and trainer.is_main:
            tmp = Path(self.marker + ".tmp")
            tmp.write_text(str(step))
            os.replace(tmp, self.marker)
        if self.kill_at is not None and step == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        if self.sleep:
            time.sleep(self.sleep)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("config")
    p.add_argument("overrides", nargs="*")
    p.add_argument("--resume", default=None)
    p.add_argument("--kill-at", type=int, default=None)
    p.add_argument("--marker", default=None)
    p.add_argument("--sleep", type=float, default=0.0)
    args = p.parse_args()
    torch.set_num_threads(1)
    result = train(args.config, args.overrides, resume=args.resume, overwrite=True,
                   callbacks=[_Hooks(args.kill_at, args.marker, args.sleep)])
    print(f"STATUS {result.status} STEP {result.step}", flush=True)
    return 130 if result.status == "interrupted" else 0


if __name__ == "__main__":
    sys.exit(main())
