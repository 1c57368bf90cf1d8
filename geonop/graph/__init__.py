"""Sparse graphs from meshes and point clouds.

* Neighbour search, PyG-compatible: :func:`radius_graph`, :func:`knn_graph` (within one
  point set) and :func:`radius`, :func:`knn` (bipartite, queries to sources); batched,
  periodic, with scipy and torch backends giving identical results.
* Mesh connectivity: :func:`mesh_edges`, :func:`boundary_nodes`, :func:`boundary_facets`.
* Subsampling (indices): :func:`farthest_point_sample`, :func:`voxel_sample`,
  :func:`random_sample`.
* Edge features and PyG containers: :func:`edge_features`, :func:`to_data`, :func:`to_batch`.
"""

from geonop.graph.features import edge_features, to_batch, to_data
from geonop.graph.mesh_edges import boundary_facets, boundary_nodes, mesh_edges
from geonop.graph.neighbors import knn, knn_graph, radius, radius_graph
from geonop.graph.sampling import farthest_point_sample, random_sample, voxel_sample

__all__ = [
    "radius",
    "radius_graph",
    "knn",
    "knn_graph",
    "mesh_edges",
    "boundary_nodes",
    "boundary_facets",
    "farthest_point_sample",
    "voxel_sample",
    "random_sample",
    "edge_features",
    "to_data",
    "to_batch",
]
