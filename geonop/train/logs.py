"""Where training reports go: CSV files, TensorBoard (when installed), a progress bar."""

from __future__ import annotations

import csv
import math
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geonop.errors import MissingDependencyError


class CSVLog:
    """Rows of scalars appended to a CSV file, one row per logged step.

    The header grows when a row brings new keys (the file is rewritten). When a run is
    resumed from step ``s``, rows after ``s`` (written before the interruption, and about
    to be recomputed) are dropped, so the log of a resumed run reads like one run.

    Parameters
    ----------
    path : path
        The CSV file.
    resume_step : int, optional
        Keep the rows up to this step of an existing file; ``None`` starts a new file.
    """

    def __init__(self, path: os.PathLike | str, resume_step: int | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fields: list[str] = []
        rows: list[dict[str, str]] = []
        if resume_step is not None and self.path.is_file():
            with open(self.path, newline="") as f:
                reader = csv.DictReader(f)
                self.fields = list(reader.fieldnames or [])
                for row in reader:
                    try:
                        if int(float(row.get("step") or 0)) <= resume_step:
                            rows.append(row)
                    except ValueError:
                        continue
        self._rewrite(rows)

    def _rewrite(self, rows: list[Mapping[str, Any]]) -> None:
        with open(self.path, "w", newline="") as f:
            if self.fields:
                w = csv.DictWriter(f, fieldnames=self.fields, extrasaction="ignore")
                w.writeheader()
                w.writerows(rows)

    def write(self, row: Mapping[str, Any]) -> None:
        """Append a row; numbers are written with full precision."""
        row = {k: _fmt(v) for k, v in row.items()}
        new = [k for k in row if k not in self.fields]
        if new:
            old_rows: list[dict[str, str]] = []
            if self.fields and self.path.is_file():
                with open(self.path, newline="") as f:
                    old_rows = list(csv.DictReader(f))
            self.fields += new
            self._rewrite(old_rows)
        with open(self.path, "a", newline="") as f:
            csv.DictWriter(f, fieldnames=self.fields, extrasaction="ignore").writerow(row)


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else str(v)
    return v


def make_tensorboard(setting: str, log_dir: os.PathLike | str) -> Any:
    """A TensorBoard ``SummaryWriter``, or ``None`` when off or (for ``"auto"``) not installed.

    Raises
    ------
    MissingDependencyError
        ``setting == "on"`` and TensorBoard is not installed.
    """
    if setting == "off":
        return None
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as exc:
        if setting == "on":
            raise MissingDependencyError("tensorboard", "dev",
                                         "TensorBoard logging (training.tensorboard: on)") from exc
        return None
    return SummaryWriter(log_dir=os.fspath(log_dir))


class Progress:
    """A tqdm bar over optimizer steps: step/total, loss, learning rate, throughput and ETA.

    Parameters
    ----------
    total : int
        Steps of the whole run.
    initial : int
        Steps already done (resumed runs).
    setting : str
        ``"on"``, ``"off"`` or ``"auto"`` (on when stderr is a terminal).
    seconds : float, optional
        A time-budgeted run: the bar counts seconds of the budget instead of steps.
    """

    def __init__(self, total: int, initial: int, setting: str = "auto",
                 seconds: float | None = None) -> None:
        from tqdm.auto import tqdm

        enabled = setting == "on" or (setting == "auto" and sys.stderr.isatty())
        self.seconds = seconds
        self.steps = initial
        self.bar = tqdm(
            total=round(seconds) if seconds else total, initial=0 if seconds else initial,
            disable=not enabled, unit="s" if seconds else "step", dynamic_ncols=True,
            file=sys.stderr,
            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} s [{elapsed}<{remaining}{postfix}]"
            if seconds else "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]",
            desc="train",
        )

    def update(self, n: int, loss: float, lr: float, samples_per_s: float,
               elapsed: float | None = None) -> None:
        """Advance by ``n`` steps (time-budgeted: to ``elapsed`` seconds) and show the
        latest figures."""
        self.steps += n
        step = f"step {self.steps}, " if self.seconds else ""
        self.bar.set_postfix_str(f"{step}loss={loss:.4g}, lr={lr:.3g}, {samples_per_s:.1f} samples/s",
                                 refresh=False)
        if self.seconds and elapsed is not None:
            self.bar.update(max(0, min(int(elapsed), self.bar.total) - self.bar.n))
        elif not self.seconds:
            self.bar.update(n)

    def write(self, message: str) -> None:
        """Print a line without breaking the bar."""
        if self.bar.disable:
            print(message, file=sys.stderr, flush=True)
        else:
            self.bar.write(message, file=sys.stderr)

    def close(self) -> None:
        self.bar.close()
