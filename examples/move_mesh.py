"""Move a mesh over a field with sharp fronts: pictures before and after, and a VTU.

    python examples/move_mesh.py --out out/move_mesh
    python examples/move_mesh.py --mesh unstructured --seed 3 --nodes 41
    python examples/move_mesh.py --domain lshape --out out/move_mesh_lshape

Builds a unit-square mesh (structured grid or jittered Delaunay; ``--domain lshape`` or
``hole`` cuts a quarter or a centre square out of it), draws a random field of
tanh fronts, and moves the mesh with the classical :class:`geonop.movers.MongeAmpereMover`
and, when the trained checkpoint ``datasets/movers/dmm_fronts.pt`` exists, with the learned
:class:`geonop.movers.DataFreeMeshMover`. Writes ``mesh_before.png``, ``mesh_classical.png``,
``mesh_learned.png`` (the mesh drawn over the field), ``moved.vtu`` (reference mesh with the
field and each mover's displacement as point data, open it in ParaView and "Warp By Vector")
and ``summary.json`` (interpolation errors, tangled cells, times).
"""

from __future__ import annotations

import argparse
import json
from functools import partial
from pathlib import Path

import numpy as np
import torch

import geonop
from geonop.io import atomic_write_text
from geonop.movers import (
    MongeAmpereMover,
    analytic_hessian_monitor,
    jittered_delaunay_mesh,
    minimum_angle,
    punched_mesh,
    random_front_field,
    structured_triangle_mesh,
    tangled_cells,
)
from geonop.movers import (
    interpolation_error as _interpolation_error,
)
from geonop.viz import new_axes, save_figure

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINT = ROOT / "datasets" / "movers" / "dmm_fronts.pt"


def draw(points: np.ndarray, triangles: np.ndarray, values: np.ndarray, title: str, path: Path) -> None:
    """The field (Gouraud-shaded) with the mesh drawn over it, as a PNG (atomic)."""
    fig, ax = new_axes(1, size=5.5)
    ax = ax[0] if isinstance(ax, (list, tuple, np.ndarray)) else ax
    ax.tripcolor(points[:, 0], points[:, 1], triangles, values, shading="gouraud", cmap="viridis")
    ax.triplot(points[:, 0], points[:, 1], triangles, color="k", lw=0.35)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/move_mesh"))
    parser.add_argument("--mesh", choices=("structured", "unstructured"), default="structured")
    parser.add_argument("--domain", choices=("square", "lshape", "hole"), default="square")
    parser.add_argument("--nodes", type=int, default=33, help="nodes per side")
    parser.add_argument("--seed", type=int, default=7, help="seed of the field")
    parser.add_argument("--alpha", type=float, default=5.0, help="monitor strength")
    parser.add_argument("--iterations", type=int, default=300,
                        help="iteration limit of the classical mover")
    parser.add_argument("--checkpoint", type=Path, default=CHECKPOINT)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    jitter = 0.0 if args.mesh == "structured" else 0.3
    if args.domain != "square":
        hole = (0.5, 0.5, 1.0, 1.0) if args.domain == "lshape" else (0.25, 0.25, 0.625, 0.625)
        pts, tri = punched_mesh(args.nodes, hole=hole, jitter=jitter, seed=args.seed)
    elif args.mesh == "structured":
        pts, tri = structured_triangle_mesh(args.nodes)
    else:
        pts, tri = jittered_delaunay_mesh(args.nodes, seed=args.seed)
    # a polygon does not fill its bounding box: the error is taken inside the mesh only
    interpolation_error = partial(_interpolation_error, ignore_outside=args.domain != "square")
    field = random_front_field(args.seed)
    values = field.value(pts)
    # the monitor sees the fronts widened to what this mesh resolves (about two cells)
    mfield = field.widened(1.6 / (args.nodes - 1))
    monitor = analytic_hessian_monitor(mfield.hessian_norm, args.alpha, mfield.max_hessian_norm())

    e0 = interpolation_error(pts, tri, field.value)["l2"]
    summary: dict = {"nodes": len(pts), "cells": len(tri), "mesh": args.mesh, "domain": args.domain,
                     "error_uniform": e0, "min_angle_uniform": minimum_angle(pts, tri)}
    draw(pts, tri, values, f"uniform mesh, interpolation error {e0:.2e}", args.out / "mesh_before.png")
    point_data = {"u": values}
    movers = {"classical": MongeAmpereMover(max_iterations=args.iterations)}
    if args.checkpoint.exists():
        movers["learned"] = geonop.load(args.checkpoint)
    for name, mover in movers.items():
        res = mover.move(pts, tri, monitor) if name == "classical" else mover.move(pts, values, tri)
        e = interpolation_error(res.points, tri, field.value)["l2"]
        summary[name] = {"error": e, "error_reduction": e0 / e, "seconds": res.seconds,
                         "tangled_cells": tangled_cells(res.points, tri),
                         "min_angle": minimum_angle(res.points, tri), "scale": res.scale}
        draw(res.points, tri, field.value(res.points),
             f"{name} mover, error {e:.2e} ({e0 / e:.2f}x lower), {res.seconds:.3f} s",
             args.out / f"mesh_{name}.png")
        point_data[f"displacement_{name}"] = np.c_[res.points - pts, np.zeros(len(pts))]
    mesh = geonop.Mesh(points=np.c_[pts, np.zeros(len(pts))], cells={"triangle": tri},
                       point_data=point_data)
    geonop.write(mesh, args.out / "moved.vtu")
    atomic_write_text(args.out / "summary.json", json.dumps(summary, indent=2))
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
