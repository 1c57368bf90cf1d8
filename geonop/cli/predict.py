"""``geonop predict CKPT INPUT [--query QUERY] -o OUT``: predicted fields at any points."""

from __future__ import annotations

import argparse
import textwrap


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "predict",
        help="predict fields with a trained model at any query points",
        description=textwrap.fill("Rebuild the model from CKPT (no config needed), read the case INPUT "
        "(geometry, input fields and parameters, any format geonop reads) and write the "
        "predicted fields as point data at the points of QUERY (any mesh or point cloud; "
        "default: INPUT's own points) to OUT. OUT keeps QUERY's cells and fields; its format "
        "follows its extension (.vtu, .vtp, .npz, ...) and it is written atomically.", 88, break_on_hyphens=False),
        epilog="examples:\n"
        "  geonop predict best.pt case.npz -o case_pred.vtu\n"
        "  geonop predict best.pt case.npz --query fine_grid.vtu -o fine_pred.vtu "
        "--param angle=4.0",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("checkpoint", metavar="CKPT", help="checkpoint written by geonop train")
    p.add_argument("input", metavar="INPUT", help="the case: mesh or point cloud with its inputs")
    p.add_argument("--query", default=None, metavar="QUERY",
                   help="mesh or point cloud whose points to predict at (default: INPUT's)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="set a global input (e.g. angle=4.0), overriding INPUT's metadata")
    p.add_argument("--chunk-size", type=int, default=65536,
                   help="query points per forward pass for point-wise models (default 65536)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 (default: auto)")
    p.set_defaults(func=run)


def _params(items: list[str]) -> dict:
    from geonop.errors import InvalidArgumentError
    from geonop.train.config import parse_value

    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidArgumentError(f"--param {item!r} must look like NAME=VALUE")
        out[name.strip()] = parse_value(value)
    return out


def run(args: argparse.Namespace) -> int:
    from geonop.train import predict_file

    out = predict_file(args.checkpoint, args.input, args.output, query_path=args.query,
                       params=_params(args.param), chunk_size=args.chunk_size, device=args.device)
    print(f"wrote {out}")
    return 0
