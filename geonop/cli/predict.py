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
        "--param angle=4.0\n"
        "  geonop predict out/demo/model.pt meshes/naca0012.dat --param aoa_deg=4 "
        "--param reynolds=3e6 -o naca0012.vtu   # airfoil models: fields, wall CSV/VTP, C_L/C_D",
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

    params = _params(args.param)
    if _airfoil_model(args.checkpoint):
        return _run_airfoil(args, params)
    out = predict_file(args.checkpoint, args.input, args.output, query_path=args.query,
                       params=params, chunk_size=args.chunk_size, device=args.device)
    print(f"wrote {out}")
    return 0


def _airfoil_model(path: str) -> bool:
    from geonop.train.checkpoint import load_checkpoint

    data = load_checkpoint(path).get("data") or {}
    return "AirfoilRANSDataset" in str(data.get("dataset", ""))


def _run_airfoil(args: argparse.Namespace, params: dict) -> int:
    """An airfoil surrogate: INPUT is the airfoil (.dat or a mesh with its wall as line
    cells); writes OUT (.vtu volume) plus ``_surface.vtp``, ``_surface.csv`` and
    ``_coefficients.json`` next to it, and prints C_L, C_D."""
    from pathlib import Path

    from geonop.aero.surrogate import AirfoilSurrogate
    from geonop.errors import InvalidArgumentError

    if "aoa_deg" not in params:
        raise InvalidArgumentError("an airfoil model needs --param aoa_deg=DEGREES and "
                                   "--param reynolds=RE (or u_inf=M_PER_S)")
    sur = AirfoilSurrogate.load(args.checkpoint)
    pred = sur.predict(args.input, float(params["aoa_deg"]), params.get("u_inf"),
                       params.get("reynolds"), args.query)
    out = Path(args.output)
    files = pred.write(out.with_suffix(""))
    print(f"C_L {pred.cl:.4f}  C_D {pred.cd:.5f}  C_M {pred.cm:.4f}  "
          f"(AoA {pred.aoa_deg:g} deg, U_inf {pred.u_inf:.3g} m/s, Re {pred.reynolds:.3g})")
    for path in files.values():
        print(f"wrote {path}")
    return 0
