"""``geonop info PATH``: what a mesh, point cloud or OpenFOAM case holds."""

from __future__ import annotations

import argparse
import json

import numpy as np


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "info",
        help="summarise a mesh, point cloud or OpenFOAM case",
        description="Print cell types and counts, bounds, point/cell fields, boundary (patch) "
        "groups and, for surfaces, watertight and manifold checks. Reads every format geonop "
        "reads (see `geonop info --formats`).",
    )
    p.add_argument("path", nargs="?", help="mesh file, point cloud or OpenFOAM case folder")
    p.add_argument("--time", default=None, help="OpenFOAM time to read (default: latest)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--formats", action="store_true", help="list readable and writable formats")
    p.set_defaults(func=run)


def _print_tree(summary: dict, indent: int = 0) -> None:
    pad = "  " * indent
    for key, value in summary.items():
        if isinstance(value, dict) and value:
            print(f"{pad}{key}:")
            _print_tree(value, indent + 1)
        else:
            if isinstance(value, (list, tuple, np.ndarray)):
                value = "[" + ", ".join(f"{v:.6g}" if isinstance(v, float) else str(v)
                                        for v in np.asarray(value).ravel().tolist()) + "]"
            print(f"{pad}{key}: {value}")


def run(args: argparse.Namespace) -> int:
    from geonop.io import SUPPORTED_READ_FORMATS, SUPPORTED_WRITE_FORMATS, describe, read

    if args.formats or args.path is None:
        print("read:  " + ", ".join(SUPPORTED_READ_FORMATS))
        print("write: " + ", ".join(SUPPORTED_WRITE_FORMATS))
        return 0
    kwargs = {"time": args.time} if args.time is not None else {}
    mesh = read(args.path, **kwargs)
    summary = describe(mesh)
    summary = {"path": args.path, **summary}
    if args.json:
        print(json.dumps(summary))
    else:
        _print_tree(summary)
    return 0
