"""``geonop tour``: a tour of the shipped meshes, from files to graphs to pictures.

For every file in ``meshes/`` it reads the mesh (``geonop.read``), summarises it, and builds
the graphs an operator would use:

* the Gmsh airfoil mesh: mesh edges, boundary nodes of the ``airfoil`` group, and the
  signed distance of each node to the airfoil curve read from a Selig ``.dat`` file;
* the OpenFOAM airfoil case: the solved pressure field on the internal mesh;
* the CAD part (STL): area-weighted surface samples with normals, a farthest-point
  latent node set, the radius graph among latent nodes, and the bipartite encoder graph
  from the dense samples to the latent nodes;
* the tetrahedral bracket: mesh edges and boundary nodes;
* the point cloud: a k-nearest-neighbour graph.

It writes ``summary.json`` and ``summary.md``, PNG pictures, and VTU/VTP files for ParaView
into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: files the tour expects in the meshes folder
DEMO_FILES = (
    "airfoil_2d.msh",
    "naca2412_lednicer.dat",
    "airfoil_case",
    "part.stl",
    "bracket_tet.msh",
    "cloud.npz",
)


def default_meshes_dir() -> Path:
    """The ``meshes/`` folder of a source checkout (``pip install -e .``)."""
    return Path(__file__).resolve().parents[2] / "meshes"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "tour",
        help="a tour of the shipped example meshes: graphs, pictures, ParaView files",
        description="Read the example meshes shipped in meshes/, build their graphs (mesh "
        "edges, boundary nodes, signed distance, surface sampling, farthest-point latent "
        "nodes, radius/kNN/bipartite graphs) and write a summary, PNG pictures and "
        "VTU/VTP files for ParaView.",
    )
    p.add_argument("--meshes", type=Path, default=None,
                   help="folder with the example meshes (default: the checkout's meshes/)")
    p.add_argument("--out", type=Path, default=Path("out/tour"),
                   help="output folder (default: out/tour)")
    p.add_argument("--seed", type=int, default=0, help="random seed for sampling")
    p.set_defaults(func=run)


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def _degree_stats(edge_index: Any, num_nodes: int) -> dict[str, float]:
    deg = np.bincount(np.asarray(edge_index[1]), minlength=num_nodes)
    return {"edges": int(edge_index.shape[1]), "mean_degree": float(deg.mean()),
            "max_degree": int(deg.max()) if num_nodes else 0}


def _graph_as_mesh(points: np.ndarray, edge_index: Any, **point_data: np.ndarray):
    from geonop.io import Mesh

    ei = np.asarray(edge_index)
    lines = ei[:, ei[0] < ei[1]].T.astype(np.int64)
    return Mesh(points=np.asarray(points, dtype=np.float64), cells={"line": lines},
                point_data={k: np.asarray(v) for k, v in point_data.items()})


def _airfoil(meshes: Path, out: Path, report: dict) -> None:
    import geonop
    from geonop import viz
    from geonop.geometry import signed_distance
    from geonop.graph import boundary_nodes, mesh_edges

    mesh, t_read = _timed(lambda: geonop.read(meshes / "airfoil_2d.msh").planar_to_2d())
    curve = geonop.read(meshes / "naca2412_lednicer.dat")
    edges, t_edges = _timed(lambda: mesh_edges(mesh))
    wall = boundary_nodes(mesh, groups="airfoil").numpy()
    outer = boundary_nodes(mesh).numpy()
    sdf, t_sdf = _timed(lambda: signed_distance(mesh.points, curve))
    sdf = np.asarray(sdf)
    report["airfoil_2d.msh"] = {
        "points": mesh.num_points, "cells": mesh.cell_counts(), "read_s": t_read,
        "mesh_graph": {**_degree_stats(edges, mesh.num_points), "build_s": t_edges},
        "boundary_nodes": int(outer.sum()), "airfoil_wall_nodes": int(wall.sum()),
        "sdf": {"min": float(sdf.min()), "max": float(sdf.max()), "build_s": t_sdf,
                "max_abs_at_wall": float(np.abs(sdf[wall]).max())},
    }
    graph = _graph_as_mesh(mesh.points, edges, sdf=sdf, wall=wall.astype(np.int8),
                           boundary=outer.astype(np.int8))
    geonop.write(graph, out / "airfoil_graph.vtp")

    fig, (ax1, ax2) = viz.new_axes(2, size=6)
    window = (-0.3, 1.3, -0.45, 0.45)
    viz.plot_edges_2d(ax1, mesh.points, edges.numpy(), window=window)
    ax1.plot(*mesh.points[wall].T, ".", color="C3", ms=2.5, label="airfoil wall nodes")
    ax1.legend(loc="upper right", fontsize=8)
    ax1.set_title(f"mesh graph: {mesh.num_points} nodes, {edges.shape[1]} edges")
    viz.plot_field_2d(ax2, mesh.points, np.clip(sdf, -0.1, 0.4),
                      triangles=viz.triangulate_cells(mesh.cells), levels=np.linspace(-0.1, 0.4, 26),
                      label="signed distance [chord]", window=window, contour_zero=True,
                      cmap="coolwarm")
    ax2.set_title("signed distance to NACA 2412 (.dat curve)")
    viz.save_figure(fig, out / "airfoil_graph.png")


def _openfoam(meshes: Path, out: Path, report: dict) -> None:
    import geonop
    from geonop import viz

    case, t_read = _timed(lambda: geonop.read(meshes / "airfoil_case"))
    p = case.point_data["p"]
    U = case.point_data["U"]
    front = case.points[:, 2] <= case.points[:, 2].min() + 1e-9
    faces = viz.triangulate_cells(case.boundaries["frontAndBack"].cells)
    faces = faces[front[faces].all(axis=1)]
    u_max = float(np.linalg.norm(U[front], axis=1).max())
    report["airfoil_case"] = {
        "points": case.num_points, "cells": case.cell_counts(), "read_s": t_read,
        "time": case.meta.get("time"), "patches": sorted(case.boundaries),
        "fields": sorted(case.point_data), "p_range": [float(p.min()), float(p.max())],
    }
    geonop.write(case, out / "airfoil_case.vtu")
    fig, (ax,) = viz.new_axes(1, size=7)
    viz.plot_field_2d(ax, case.points, p, triangles=faces,
                      label="kinematic pressure p [m²/s²]", window=(-0.4, 1.6, -0.6, 0.6))
    ax.set_title(f"OpenFOAM simpleFoam pressure, time {case.meta.get('time')}, "
                 f"max |U| {u_max:.1f} m/s", fontsize=10)
    viz.save_figure(fig, out / "airfoil_case_pressure.png")


def _part(meshes: Path, out: Path, report: dict, seed: int) -> None:
    import torch

    import geonop
    from geonop import viz
    from geonop.geometry import sample_surface, signed_distance
    from geonop.graph import farthest_point_sample, radius, radius_graph

    part, t_read = _timed(lambda: geonop.read(meshes / "part.stl"))
    (pts, normals, _), t_sample = _timed(lambda: sample_surface(part, n=50_000, seed=seed))
    pos = torch.as_tensor(np.asarray(pts), dtype=torch.float32)
    latent_idx, t_fps = _timed(lambda: farthest_point_sample(pos, num_samples=1024))
    latent = pos[latent_idx]
    extent = float((pos.max(0).values - pos.min(0).values).max())
    r_latent = 0.08 * extent
    latent_edges, t_rg = _timed(lambda: radius_graph(latent, r_latent))
    encoder, t_bip = _timed(lambda: radius(latent, pos, r_latent))
    # a horizontal slice through the flange: signed distance on a 2D grid of query points
    lo, hi = part.bounds
    gx, gy = np.meshgrid(np.linspace(lo[0] * 1.1, hi[0] * 1.1, 160),
                         np.linspace(lo[1] * 1.1, hi[1] * 1.1, 160))
    z = lo[2] + 0.5 * (hi[2] - lo[2]) * 0.3
    grid = np.column_stack([gx.ravel(), gy.ravel(), np.full(gx.size, z)])
    sdf, t_sdf = _timed(lambda: np.asarray(signed_distance(grid, part)))
    report["part.stl"] = {
        "vertices": part.num_points, "triangles": part.cell_counts().get("triangle", 0),
        "read_s": t_read, "surface_samples": int(pos.shape[0]), "sample_s": t_sample,
        "latent_nodes": int(latent.shape[0]), "fps_s": t_fps, "latent_radius": r_latent,
        "latent_graph": {**_degree_stats(latent_edges, latent.shape[0]), "build_s": t_rg},
        "encoder_graph": {"edges": int(encoder.shape[1]), "build_s": t_bip,
                          "samples_without_latent_neighbour":
                              int(pos.shape[0] - torch.unique(encoder[0]).numel())},
        "sdf_slice": {"queries": int(grid.shape[0]), "inside": int((sdf < 0).sum()),
                      "build_s": t_sdf},
    }
    geonop.write(_graph_as_mesh(latent.numpy(), latent_edges), out / "part_latent_graph.vtp")
    samples = geonop.Mesh(points=np.asarray(pts, dtype=np.float64), cells={},
                          point_data={"normals": np.asarray(normals)})
    geonop.write(samples, out / "part_samples.vtp")

    fig = viz._pyplot().figure(figsize=(13, 5.5))
    ax1 = fig.add_subplot(1, 2, 1, projection="3d")
    ax2 = fig.add_subplot(1, 2, 2)
    sub = np.asarray(pts)[:: max(1, pos.shape[0] // 6000)]
    viz.plot_points_3d(ax1, sub, size=0.3, color="0.75")
    viz.plot_edges_3d(ax1, latent.numpy(), latent_edges.numpy(), color="C3", linewidth=0.5)
    ax1.set_title(f"STL part: {pos.shape[0]} surface samples, {latent.shape[0]} FPS latent "
                  f"nodes, {latent_edges.shape[1]} latent edges", fontsize=9)
    viz.plot_field_2d(ax2, grid, sdf, levels=30, cmap="coolwarm", contour_zero=True,
                      label="signed distance [mm]")
    ax2.set_title(f"signed distance on the slice z = {z:.1f} mm", fontsize=9)
    viz.save_figure(fig, out / "part_graph.png")


def _bracket(meshes: Path, out: Path, report: dict) -> None:
    import geonop
    from geonop.graph import boundary_nodes, mesh_edges

    mesh, t_read = _timed(lambda: geonop.read(meshes / "bracket_tet.msh"))
    edges, t_edges = _timed(lambda: mesh_edges(mesh))
    outer = boundary_nodes(mesh).numpy()
    report["bracket_tet.msh"] = {
        "points": mesh.num_points, "cells": mesh.cell_counts(), "read_s": t_read,
        "groups": sorted(mesh.boundaries),
        "mesh_graph": {**_degree_stats(edges, mesh.num_points), "build_s": t_edges},
        "boundary_nodes": int(outer.sum()),
    }
    geonop.write(_graph_as_mesh(mesh.points, edges, boundary=outer.astype(np.int8)),
                 out / "bracket_graph.vtp")


def _cloud(meshes: Path, out: Path, report: dict) -> None:
    import torch

    import geonop
    from geonop.graph import knn_graph

    cloud, t_read = _timed(lambda: geonop.read(meshes / "cloud.npz"))
    pos = torch.as_tensor(cloud.points, dtype=torch.float32)
    edges, t_knn = _timed(lambda: knn_graph(pos, k=16))
    d = torch.linalg.norm(pos[edges[0]] - pos[edges[1]], dim=1)
    report["cloud.npz"] = {
        "points": cloud.num_points, "read_s": t_read, "fields": sorted(cloud.point_data),
        "knn_graph": {"k": 16, "edges": int(edges.shape[1]), "build_s": t_knn,
                      "median_edge_length": float(d.median())},
    }


def _write_markdown(report: dict, path: Path) -> None:
    from geonop.io.write import atomic_write_text

    lines = ["# geonop tour: shipped meshes to graphs", ""]
    for name, entry in report["meshes"].items():
        lines.append(f"## {name}")
        for key, value in entry.items():
            lines.append(f"- **{key}**: {json.dumps(value)}")
        lines.append("")
    lines.append("Pictures: " + ", ".join(f"`{p}`" for p in report["pictures"]))
    lines.append("")
    lines.append("ParaView files: " + ", ".join(f"`{p}`" for p in report["paraview"]))
    atomic_write_text(path, "\n".join(lines) + "\n")


def run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from geonop.errors import MissingFileError
    from geonop.io.write import atomic_write_text

    meshes = Path(args.meshes) if args.meshes is not None else default_meshes_dir()
    for name in DEMO_FILES:
        if not (meshes / name).exists():
            raise MissingFileError(meshes / name, "example mesh not found; pass --meshes DIR "
                                   "(the meshes/ folder of a geonop checkout)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"meshes_dir": str(meshes), "meshes": {}}
    steps = [
        ("airfoil mesh graph + signed distance", lambda r: _airfoil(meshes, out, r)),
        ("OpenFOAM case", lambda r: _openfoam(meshes, out, r)),
        ("CAD part: sampling, FPS, radius graphs", lambda r: _part(meshes, out, r, args.seed)),
        ("tetrahedral bracket", lambda r: _bracket(meshes, out, r)),
        ("point cloud kNN graph", lambda r: _cloud(meshes, out, r)),
    ]
    t0 = time.perf_counter()
    bar = tqdm(steps, desc="geonop tour", unit="step")
    for label, step in bar:
        bar.set_postfix_str(label)
        step(report["meshes"])
    report["total_s"] = time.perf_counter() - t0
    report["pictures"] = sorted(p.name for p in out.glob("*.png"))
    report["paraview"] = sorted(p.name for p in out.iterdir() if p.suffix in (".vtu", ".vtp"))
    atomic_write_text(out / "summary.json", json.dumps(report, indent=2) + "\n")
    _write_markdown(report, out / "summary.md")
    print(f"geonop tour: wrote {out}/summary.md, {len(report['pictures'])} pictures and "
          f"{len(report['paraview'])} ParaView files in {report['total_s']:.1f} s")
    return 0
