"""``geonop convert IN OUT``: read any supported mesh/point cloud, write another format."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "convert",
        help="convert a mesh or point cloud to another format",
        description="Read IN (any format `geonop info --formats` lists, or an OpenFOAM case "
        "folder) and write OUT; the output format follows OUT's extension. The write is atomic: "
        "OUT is replaced only once it is complete.",
    )
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT")
    p.add_argument("--time", default=None, help="OpenFOAM time to read (default: latest)")
    p.add_argument("--clean", action="store_true",
                   help="merge duplicate points and drop degenerate cells before writing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geonop.io import read, write

    kwargs = {"time": args.time} if args.time is not None else {}
    mesh = read(args.input, clean=args.clean, **kwargs)
    write(mesh, args.output)
    print(f"wrote {args.output}: {mesh.num_points} points, {mesh.num_cells} cells")
    return 0
