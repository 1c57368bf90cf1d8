"""Entry point of the ``geonop`` command.

Sub-commands are modules of :mod:`geonop.cli` that define ``register(subparsers)``; each
registers a parser whose default ``func(args) -> int`` runs it. Errors geonop raises on
purpose print as ``geonop: error: <file>: <problem>`` with exit status 2 instead of a
traceback (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from geonop import __version__
from geonop.errors import GeonopError

#: sub-command modules, in the order ``geonop --help`` lists them
COMMANDS: tuple[str, ...] = ("info", "convert", "tour", "demo", "train", "evaluate", "predict")


def build_parser() -> argparse.ArgumentParser:
    """The ``geonop`` parser with every available sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="geonop",
        description="Geometry- and mesh-aware graph neural operators: read meshes and point "
        "clouds, build sparse graphs, train operators and predict fields at any point.",
    )
    parser.add_argument("--version", action="version", version=f"geonop {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks instead of one-line errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"geonop.cli.{name}")
        except ModuleNotFoundError as exc:  # a command whose module is not part of this build
            if exc.name == f"geonop.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``geonop`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except GeonopError as exc:
        if args.debug:
            raise
        print(f"geonop: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("geonop: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
