"""``geonop train CONFIG [key=value ...]``: train a model from a YAML config."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap

_EPILOG = """\
examples:
  geonop train examples/configs/field_mlp.yaml
  geonop train cfg.yaml training.lr=3e-4 data.batch_size=8 --max-time 30m
  geonop train cfg.yaml --resume                 # continue <output_dir>/checkpoints/last.pt
  geonop train cfg.yaml --resume-from old.pt training.max_steps=5000
  torchrun --standalone --nproc_per_node 4 -m geonop.cli.main train cfg.yaml   # 4 GPUs

Outputs go to output_dir: checkpoints/last.pt and best.pt, train.csv, eval.csv, config.yaml
(and tensorboard/ when TensorBoard is installed). Ctrl-C finishes the current step, saves
a checkpoint and exits with status 130; continue with --resume. See docs/training.md for
every config key.
"""


class _IntermixedParser(argparse.ArgumentParser):
    """Accepts KEY=VALUE overrides before, between and after options
    (``geonop train cfg.yaml --max-time 5m training.lr=1e-3``)."""

    _inside = False

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        if self._inside:  # parse_known_intermixed_args calls back into this method
            return super().parse_known_args(args, namespace)
        self._inside = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inside = False


def _add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    kwargs = {
        "help": "train a model from a YAML config",
        "description": textwrap.fill("Train the model a YAML config describes (data, model, training). Any "
        "config value can be overridden as key.path=value (or --set key.path=value); an "
        "unknown key is rejected with the closest valid one. Runs unchanged under torchrun "
        "for multi-GPU and multi-node data-parallel training.", 88, break_on_hyphens=False),
        "epilog": _EPILOG,
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }
    base = getattr(subparsers, "_parser_class", None)
    if base is None or not issubclass(base, argparse.ArgumentParser):
        return subparsers.add_parser("train", **kwargs)
    # argparse builds sub-parsers from the parent's class; use one that also takes
    # overrides after options for this command only
    subparsers._parser_class = type("_TrainParser", (_IntermixedParser, base), {})
    try:
        return subparsers.add_parser("train", **kwargs)
    finally:
        subparsers._parser_class = base


def register(subparsers: argparse._SubParsersAction) -> None:
    p = _add_parser(subparsers)
    p.add_argument("config", metavar="CONFIG", help="YAML config file")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                   help="config overrides, e.g. training.lr=1e-3 model.args.hidden_channels=128")
    p.add_argument("--set", dest="set_overrides", action="append", default=[],
                   metavar="KEY=VALUE", help="a config override (repeatable)")
    p.add_argument("--resume", action="store_true",
                   help="continue from <output_dir>/checkpoints/last.pt if it exists, else start "
                   "afresh (safe in a job script that may be requeued)")
    p.add_argument("--resume-from", default=None, metavar="CKPT",
                   help="continue from checkpoint CKPT")
    p.add_argument("--overwrite", action="store_true",
                   help="start afresh even if output_dir holds a previous run")
    p.add_argument("--output-dir", default=None, help="same as output_dir=DIR")
    p.add_argument("--max-time", default=None, metavar="DURATION",
                   help="wall-clock budget, e.g. 600, 30m, 1h30m (same as training.max_time=...)")
    p.add_argument("--max-steps", type=int, default=None, help="same as training.max_steps=N")
    p.add_argument("--device", default=None, help="auto, cpu, cuda, cuda:1 (training.device)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (log lines only)")
    p.add_argument("--print-config", action="store_true",
                   help="print the resolved config (after overrides) and exit")
    p.add_argument("--quiet", action="store_true", help="print only the final summary")
    p.set_defaults(func=run)


def _overrides(args: argparse.Namespace) -> list[str]:
    items = list(args.overrides) + list(args.set_overrides)
    if args.output_dir is not None:
        items.append(f"output_dir={args.output_dir}")
    if args.max_time is not None:
        items.append(f"training.max_time={args.max_time}")
    if args.max_steps is not None:
        items.append(f"training.max_steps={args.max_steps}")
    if args.device is not None:
        items.append(f"training.device={args.device}")
    if args.no_progress:
        items.append("training.progress=off")
    return items


def run(args: argparse.Namespace) -> int:
    from geonop.errors import InvalidArgumentError
    from geonop.train import dump_config, load_config, train

    cfg = load_config(args.config, _overrides(args))
    if args.print_config:
        sys.stdout.write(dump_config(cfg))
        return 0
    if args.resume and args.resume_from is not None:
        raise InvalidArgumentError("give --resume or --resume-from CKPT, not both")
    resume = args.resume_from if args.resume_from is not None else ("auto" if args.resume else None)
    result = train(cfg, resume=resume, overwrite=args.overwrite, verbose=not args.quiet)
    if int(os.environ.get("RANK", "0")) == 0:  # torchrun: one summary, from rank 0
        print(f"{result.status} at step {result.step} in {result.elapsed_s:.1f} s")
        if result.last_checkpoint is not None:
            print(f"last checkpoint: {result.last_checkpoint}")
        if result.best_checkpoint is not None:
            print(f"best checkpoint: {result.best_checkpoint}")
        for key, value in result.metrics.items():
            print(f"  {key:<28} {value:.6g}")
    return 130 if result.status == "interrupted" else 0
