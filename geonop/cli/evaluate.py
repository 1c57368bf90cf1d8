"""``geonop evaluate CKPT [DATA ...]``: metrics of a trained model on a dataset."""

from __future__ import annotations

import argparse
import json
import math
import textwrap


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="compute a trained model's metrics on a dataset",
        description=textwrap.fill("Evaluate a checkpoint on DATA (folders, globs or files, read the way the "
        "training data was read: same dataset class, fields and options, but every point of "
        "every sample) or, without DATA, on the run's own validation split. Prints loss and, "
        "per output field, mse (raw units), nmse (normalised by the training variance) and "
        "rel_l2 (relative L2 error per sample, averaged).", 88, break_on_hyphens=False),
        epilog="example:\n  geonop evaluate runs/field_mlp/checkpoints/best.pt "
        "examples/data/potential_flow --json metrics.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("checkpoint", metavar="CKPT", help="checkpoint written by geonop train")
    p.add_argument("data", nargs="*", metavar="DATA",
                   help="sample files, folders or globs (default: the run's validation split)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="samples per batch (default: the run's eval batch size)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 (default: auto)")
    p.add_argument("--json", dest="json_path", default=None, metavar="PATH",
                   help="also write the metrics to PATH as JSON ('-' for stdout only)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geonop.errors import InvalidArgumentError
    from geonop.train import atomic_write, evaluate_checkpoint

    if args.batch_size is not None and args.batch_size < 1:
        raise InvalidArgumentError(f"--batch-size must be >= 1, got {args.batch_size}")
    data = None
    if args.data:
        data = args.data[0] if len(args.data) == 1 else list(args.data)
    metrics = evaluate_checkpoint(args.checkpoint, data, batch_size=args.batch_size,
                                  device=args.device)
    if args.json_path == "-":
        print(json.dumps(metrics, indent=2))
        return 0
    width = max((len(k) for k in metrics), default=0)
    for key, value in metrics.items():
        print(f"{key:<{width}}  {value:.6g}" if math.isfinite(value) else f"{key:<{width}}  {value}")
    if args.json_path:
        text = json.dumps(metrics, indent=2) + "\n"
        atomic_write(args.json_path, lambda f: f.write(text.encode()))
    return 0
