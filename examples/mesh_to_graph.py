"""Turn any mesh or point cloud geonop reads into graphs, and save them for ParaView.

    python examples/mesh_to_graph.py meshes/airfoil_2d.msh --out out/airfoil_graphs
    python examples/mesh_to_graph.py meshes/part.stl --samples 20000 --latent 512

For a mesh with cells it builds the mesh-edge graph and flags boundary nodes; for any input
it draws points (area-weighted surface samples for a surface, the points otherwise), picks a
farthest-point latent set, and builds the latent radius graph and the bipartite encoder
graph (dense points -> latent nodes), as a GINO/GIOROM-style operator would use them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

import geonop
from geonop.geometry import sample_surface
from geonop.graph import (
    boundary_nodes,
    farthest_point_sample,
    knn_graph,
    mesh_edges,
    radius,
    radius_graph,
)


def edges_as_mesh(points: np.ndarray, edge_index: torch.Tensor, **point_data) -> geonop.Mesh:
    """A line mesh with one segment per undirected edge (for VTP output)."""
    ei = edge_index.numpy()
    return geonop.Mesh(points=np.asarray(points, dtype=np.float64),
                       cells={"line": ei[:, ei[0] < ei[1]].T.copy()},
                       point_data=point_data)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="meshes/airfoil_2d.msh")
    parser.add_argument("--out", type=Path, default=Path("out/mesh_to_graph"))
    parser.add_argument("--samples", type=int, default=20_000, help="surface samples")
    parser.add_argument("--latent", type=int, default=512, help="farthest-point latent nodes")
    parser.add_argument("--k", type=int, default=8, help="k of the kNN graph on the points")
    args = parser.parse_args(argv)

    mesh = geonop.read(args.path)
    if mesh.dim == 3 and np.ptp(mesh.points[:, 2]) == 0:
        mesh = mesh.planar_to_2d()
    report: dict = {"input": str(args.path), "points": mesh.num_points,
                    "cells": mesh.cell_counts()}
    args.out.mkdir(parents=True, exist_ok=True)

    if mesh.num_cells:
        edges = mesh_edges(mesh)
        on_boundary = boundary_nodes(mesh)
        report["mesh_edges"] = int(edges.shape[1])
        report["boundary_nodes"] = int(on_boundary.sum())
        geonop.write(edges_as_mesh(mesh.points, edges, boundary=on_boundary.numpy().astype(np.int8)),
                     args.out / "mesh_edges.vtp")

    if mesh.topological_dim == 2 and mesh.dim == 3:
        pts, _, _ = sample_surface(mesh, n=args.samples, seed=0)
    else:
        pts = mesh.points
    pos = torch.as_tensor(np.asarray(pts), dtype=torch.float32)
    latent_idx = farthest_point_sample(pos, num_samples=min(args.latent, pos.shape[0]))
    latent = pos[latent_idx]
    # radius: about twice the mean spacing of the latent nodes
    extent = (pos.max(0).values - pos.min(0).values).clamp_min(1e-12)
    spacing = float((extent.prod() / latent.shape[0]) ** (1.0 / pos.shape[1]))
    r = 2.0 * spacing
    latent_edges = radius_graph(latent, r)
    encoder = radius(latent, pos, r)                      # [dense index; latent index]
    knn_edges = knn_graph(pos, k=min(args.k, pos.shape[0] - 1))
    report.update({
        "graph_points": int(pos.shape[0]), "latent_nodes": int(latent.shape[0]),
        "radius": r, "latent_edges": int(latent_edges.shape[1]),
        "encoder_edges": int(encoder.shape[1]), "knn_edges": int(knn_edges.shape[1]),
    })
    geonop.write(edges_as_mesh(latent.numpy(), latent_edges), args.out / "latent_graph.vtp")
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
