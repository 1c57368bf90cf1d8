"""mesh_edges / boundary_nodes / boundary_facets against known counts and brute force."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from geonop.errors import GeonopError, InvalidArgumentError, InvalidMeshError
from geonop.graph.mesh_edges import (
    CELL_EDGES,
    CELL_FACES,
    boundary_facets,
    boundary_nodes,
    mesh_edges,
)

# reference cells at their VTK coordinates (positive orientation)
HEX_PTS = np.array(
    [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]],
    float,
)
TET_PTS = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], float)
WEDGE_PTS = np.array([[0, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 1], [1, 0, 1]], float)
PYRAMID_PTS = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0.5, 0.5, 1]], float)


def _edge_set(edge_index: torch.Tensor) -> set[tuple[int, int]]:
    return {(int(a), int(b)) for a, b in edge_index.t().tolist()}


def _brute_edges(cells: dict) -> set[tuple[int, int]]:
    """Directed edge set from explicit per-cell loops."""
    out = set()
    for kind, conn in cells.items():
        for cell in conn:
            if kind in ("polygon",):
                ring = [(cell[i], cell[(i + 1) % len(cell)]) for i in range(len(cell))]
            else:
                ring = [(cell[a], cell[b]) for a, b in CELL_EDGES[kind]]
            for a, b in ring:
                if a != b:
                    out |= {(int(a), int(b)), (int(b), int(a))}
    return out


def _hex_grid(n: int, m: int | None = None, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    m = n if m is None else m
    k = n if k is None else k
    x, y, z = np.meshgrid(np.arange(n + 1), np.arange(m + 1), np.arange(k + 1), indexing="ij")
    pts = np.stack([x.ravel(), y.ravel(), z.ravel()], 1).astype(float)

    def nid(i, j, h):
        return (i * (m + 1) + j) * (k + 1) + h

    i, j, h = (
        a.ravel() for a in np.meshgrid(np.arange(n), np.arange(m), np.arange(k), indexing="ij")
    )
    hexes = np.stack(
        [
            nid(i, j, h),
            nid(i + 1, j, h),
            nid(i + 1, j + 1, h),
            nid(i, j + 1, h),
            nid(i, j, h + 1),
            nid(i + 1, j, h + 1),
            nid(i + 1, j + 1, h + 1),
            nid(i, j + 1, h + 1),
        ],
        axis=1,
    )
    return pts, hexes


def _quad_grid(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.meshgrid(np.arange(n + 1), np.arange(m + 1), indexing="ij")
    pts = np.stack([x.ravel(), y.ravel()], 1).astype(float)
    i, j = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(m), indexing="ij"))

    def nid(a, b):
        return a * (m + 1) + b

    quads = np.stack([nid(i, j), nid(i + 1, j), nid(i + 1, j + 1), nid(i, j + 1)], 1)
    return pts, quads


def _kuhn_tets(hexes: np.ndarray) -> np.ndarray:
    split = [(0, 1, 2, 6), (0, 2, 3, 6), (0, 3, 7, 6), (0, 7, 4, 6), (0, 4, 5, 6), (0, 5, 1, 6)]
    return np.concatenate([hexes[:, list(t)] for t in split])


# ------------------------------------------------------------------------------ mesh_edges


@pytest.mark.parametrize(
    "cells, expected",
    [
        ({"hexahedron": np.arange(8)[None]}, 24),
        ({"tetra": np.arange(4)[None]}, 12),
        ({"wedge": np.arange(6)[None]}, 18),
        ({"pyramid": np.arange(5)[None]}, 16),
        ({"triangle": np.array([[0, 1, 2], [1, 3, 2]])}, 10),
        ({"quad": _quad_grid(2, 2)[1]}, 24),
        ({"line": np.array([[0, 1], [1, 2], [2, 3]])}, 6),
        ({"polygon": [np.arange(5), np.array([4, 3, 5])]}, 14),
        ({"tetra10": np.arange(10)[None]}, 24),
        ({"quad9": np.arange(9)[None]}, 24),
        ({"vertex": np.arange(4)[:, None]}, 0),
    ],
)
def test_known_edge_counts(cells, expected):
    ei = mesh_edges(cells)
    assert ei.dtype == torch.long and ei.shape == (2, expected)


def test_quad_has_no_diagonals():
    assert _edge_set(mesh_edges({"quad": np.array([[0, 1, 2, 3]])})) == {
        (0, 1),
        (1, 0),
        (1, 2),
        (2, 1),
        (2, 3),
        (3, 2),
        (3, 0),
        (0, 3),
    }


def test_polyhedron_cube_equals_hexahedron():
    faces = [np.array(f) for f in CELL_FACES["hexahedron"]]
    cube = mesh_edges({"polyhedron": [faces]})
    assert torch.equal(cube, mesh_edges({"hexahedron": np.arange(8)[None]}))


def test_canonical_order_symmetry_and_no_self_loops():
    pts, hexes = _hex_grid(3, 2, 2)
    ei = mesh_edges({"hexahedron": hexes})
    src, dst = ei
    key = dst * len(pts) + src
    assert bool((key[1:] > key[:-1]).all())  # sorted by target then source, no duplicates
    assert bool((src != dst).all())
    assert _edge_set(ei) == {(b, a) for a, b in _edge_set(ei)}
    # a structured grid of (3,2,2) cells has 3*3*3 + 4*2*3 + 4*3*2 undirected edges
    assert ei.size(1) == 2 * (3 * 3 * 3 + 4 * 2 * 3 + 4 * 3 * 2)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 12).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.lists(st.integers(0, n - 1), min_size=4, max_size=4), max_size=8),
            st.lists(st.lists(st.integers(0, n - 1), min_size=3, max_size=3), max_size=8),
            st.lists(st.lists(st.integers(0, n - 1), min_size=3, max_size=6), max_size=4),
        )
    )
)
def test_matches_brute_force(case):
    n, tets, tris, polys = case
    cells = {
        "tetra": np.array(tets, dtype=np.int64).reshape(-1, 4),
        "triangle": np.array(tris, dtype=np.int64).reshape(-1, 3),
        "polygon": [np.array(p) for p in polys],
    }
    ei = mesh_edges(cells, num_nodes=n)
    assert _edge_set(ei) == _brute_edges(cells)
    assert ei.size(1) == len(_edge_set(ei))


def test_mixed_cell_types_and_duck_typed_meshes():
    cells = {"tetra": np.array([[0, 1, 2, 3]]), "triangle": np.array([[0, 1, 2]])}
    mesh = SimpleNamespace(points=np.zeros((6, 3)), cells=cells)  # nodes 4, 5 isolated
    assert torch.equal(mesh_edges(mesh), mesh_edges(cells))
    blocks = SimpleNamespace(
        points=np.zeros((4, 3)),
        cells=[
            SimpleNamespace(type="triangle", data=np.array([[0, 1, 2]])),
            SimpleNamespace(type="triangle", data=np.array([[1, 3, 2]])),
        ],
    )
    assert mesh_edges(blocks).size(1) == 10
    assert torch.equal(
        mesh_edges({"triangle": torch.tensor([[0, 1, 2]])}),
        mesh_edges({"triangle": np.array([[0, 1, 2]])}),
    )


def test_collapsed_cell_gives_no_self_loop():
    ei = mesh_edges({"quad": np.array([[0, 1, 2, 2]])})
    assert _edge_set(ei) == {(0, 1), (1, 0), (1, 2), (2, 1), (2, 0), (0, 2)}


def test_empty_mesh():
    assert mesh_edges({"triangle": np.zeros((0, 3), np.int64)}).shape == (2, 0)
    assert mesh_edges({}).shape == (2, 0)


def test_quadratic_edges_go_through_mid_nodes():
    assert _edge_set(mesh_edges({"line3": np.array([[0, 1, 2]])})) == {
        (0, 2),
        (2, 0),
        (2, 1),
        (1, 2),
    }


@pytest.mark.parametrize(
    "cells, num_nodes, error",
    [
        ({"hexagon": np.zeros((1, 6), np.int64)}, None, InvalidMeshError),
        ({"tetra": np.zeros((2, 3), np.int64)}, None, InvalidMeshError),
        ({"triangle": np.array([[0, 1, 5]])}, 4, InvalidMeshError),
        ({"triangle": np.array([[0, -1, 2]])}, None, InvalidMeshError),
        ({"triangle": np.array([[0.0, 1.0, 2.0]])}, None, InvalidMeshError),
        ({"polygon": [np.array([0, 1])]}, None, InvalidMeshError),
        ({"triangle": np.array([[0, 1, 2]])}, -1, InvalidArgumentError),
        ({"triangle": np.array([[0, 1, 2]])}, 2.5, InvalidArgumentError),
    ],
)
def test_bad_cells(cells, num_nodes, error):
    with pytest.raises(error) as info:
        mesh_edges(cells, num_nodes=num_nodes)
    assert isinstance(info.value, GeonopError)
    with pytest.raises(error):
        boundary_nodes(cells, num_nodes=num_nodes)


def test_not_a_mesh():
    with pytest.raises(InvalidArgumentError, match="mesh_or_cells"):
        mesh_edges(np.zeros((3, 3), np.int64))


# --------------------------------------------------------------------------- boundary nodes


def _on_box_surface(pts: np.ndarray) -> np.ndarray:
    lo, hi = pts.min(0), pts.max(0)
    return ((pts == lo) | (pts == hi)).any(1)


def test_boundary_nodes_of_structured_hex_grid():
    pts, hexes = _hex_grid(4, 3, 2)
    flags = boundary_nodes({"hexahedron": hexes})
    assert flags.dtype == torch.bool and flags.shape == (len(pts),)
    assert np.array_equal(flags.numpy(), _on_box_surface(pts))
    assert int(flags.sum()) == 5 * 4 * 3 - 3 * 2 * 1


def test_boundary_nodes_of_tets_2d_and_1d():
    pts, hexes = _hex_grid(3)
    tets = _kuhn_tets(hexes)
    assert np.array_equal(boundary_nodes({"tetra": tets}).numpy(), _on_box_surface(pts))
    qpts, quads = _quad_grid(4, 3)
    assert np.array_equal(boundary_nodes({"quad": quads}).numpy(), _on_box_surface(qpts))
    tris = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    assert np.array_equal(boundary_nodes({"triangle": tris}).numpy(), _on_box_surface(qpts))
    chain = {"line": np.array([[0, 1], [1, 2], [2, 3]])}
    assert boundary_nodes(chain).tolist() == [True, False, False, True]
    loop = {"line": np.array([[0, 1], [1, 2], [2, 0]])}
    assert not boundary_nodes(loop).any()


def test_boundary_ignores_lower_dimensional_cells():
    pts, hexes = _hex_grid(2)
    # a boundary triangle stored next to the volume cells must not change the answer,
    # and an interior one must not add interior nodes
    interior = np.array([[13, 4, 22]])
    cells = {"hexahedron": hexes, "triangle": interior, "vertex": np.array([[13]])}
    assert np.array_equal(boundary_nodes(cells).numpy(), _on_box_surface(pts))


def test_boundary_with_many_nodes_uses_hashed_keys():
    # num_nodes large enough that a quad's 4 node ids overflow one int64 key
    pts, hexes = _hex_grid(3)
    big = 60_000
    flags = boundary_nodes({"hexahedron": hexes}, num_nodes=big)
    assert np.array_equal(flags.numpy()[: len(pts)], _on_box_surface(pts))
    assert not flags[len(pts) :].any()


def test_boundary_of_polyhedra_matches_hexahedra():
    _, hexes = _hex_grid(2, 3, 1)
    faces = [[h[list(f)] for f in CELL_FACES["hexahedron"]] for h in hexes]
    assert torch.equal(boundary_nodes({"polyhedron": faces}), boundary_nodes({"hexahedron": hexes}))


def test_boundary_facets_of_stacked_pentagonal_prisms():
    ring = [np.arange(5) + 5 * level for level in range(3)]  # three pentagons, stacked

    def prism(bottom, top):
        sides = [
            np.array([bottom[i], bottom[(i + 1) % 5], top[(i + 1) % 5], top[i]]) for i in range(5)
        ]
        return [bottom[::-1], top] + sides

    facets = boundary_facets({"polyhedron": [prism(ring[0], ring[1]), prism(ring[1], ring[2])]})
    assert len(facets["quad"]) == 10
    assert sorted(sorted(p.tolist()) for p in facets["polygon"]) == [
        list(range(5)),
        list(range(10, 15)),
    ]


def test_boundary_of_quadratic_cells_includes_mid_nodes():
    cells = {"triangle6": np.array([[0, 1, 2, 3, 4, 5], [1, 6, 2, 7, 8, 4]])}
    assert boundary_nodes(cells).tolist() == [True, True, True, True, False, True, True, True, True]


def test_boundary_nodes_from_named_groups():
    cells = {"quad": _quad_grid(2, 1)[1]}
    boundaries = {
        "inlet": SimpleNamespace(cells={"line": np.array([[0, 1]])}),
        "wall": SimpleNamespace(cells={"line": np.array([[1, 3], [3, 5]])}),
        "outlet": np.array([4, 5]),
    }
    mesh = SimpleNamespace(points=np.zeros((6, 2)), cells=cells, boundaries=boundaries)
    assert boundary_nodes(mesh, groups="inlet").tolist() == [True, True, False, False, False, False]
    assert boundary_nodes(mesh, groups=["wall", "outlet"]).nonzero().flatten().tolist() == [
        1,
        3,
        4,
        5,
    ]
    with pytest.raises(InvalidArgumentError, match="'nozzle'"):
        boundary_nodes(mesh, groups="nozzle")
    with pytest.raises(InvalidArgumentError, match="groups"):
        boundary_nodes(cells, groups="inlet")
    bad = SimpleNamespace(points=np.zeros((6, 2)), cells=cells, boundaries={"x": np.array([9])})
    with pytest.raises(InvalidMeshError, match="'x'"):
        boundary_nodes(bad, groups="x")


# -------------------------------------------------------------------------- boundary facets


def test_boundary_facets_of_hex_grid():
    _, hexes = _hex_grid(3, 2, 2)
    facets = boundary_facets({"hexahedron": hexes})
    assert set(facets) == {"quad"}
    assert len(facets["quad"]) == 2 * (3 * 2 + 3 * 2 + 2 * 2)
    assert boundary_facets({"hexahedron": np.arange(8)[None], "triangle": np.zeros((0, 3), int)})
    closed = {"triangle": np.array([[0, 1, 2], [0, 3, 1], [1, 3, 2], [2, 3, 0]])}
    assert boundary_facets(closed) == {}


@pytest.mark.parametrize(
    "kind, pts",
    [("tetra", TET_PTS), ("hexahedron", HEX_PTS), ("wedge", WEDGE_PTS), ("pyramid", PYRAMID_PTS)],
)
def test_face_tables_cover_cell_and_point_outward(kind, pts):
    conn = np.arange(len(pts))[None]
    facets = boundary_facets({kind: conn})
    assert sum(len(v) for v in facets.values()) == len(CELL_FACES[kind])
    centre = pts.mean(0)
    for faces in facets.values():
        for face in faces:
            p = pts[face]
            normal = sum(np.cross(p[i], p[(i + 1) % len(p)]) for i in range(len(p)))  # Newell
            assert np.dot(normal, p.mean(0) - centre) > 0
    # every cell edge lies on a face perimeter, and vice versa
    face_edges = {
        frozenset((f[i], f[(i + 1) % len(f)])) for f in CELL_FACES[kind] for i in range(len(f))
    }
    assert face_edges == {frozenset(e) for e in CELL_EDGES[kind]}


def test_2d_boundary_edges_keep_cell_orientation():
    tris = np.array([[0, 1, 2], [1, 3, 2]])  # counter-clockwise
    edges = boundary_facets({"triangle": tris})["line"]
    assert {tuple(e) for e in edges.tolist()} == {(0, 1), (1, 3), (3, 2), (2, 0)}


def test_edges_of_all_fixed_types_are_consistent():
    for table in CELL_EDGES.values():
        pairs = {frozenset(p) for p in table}
        assert len(pairs) == len(table)
        assert all(len(p) == 2 for p in pairs)
    assert {len(CELL_EDGES[k]) for k in ("hexahedron", "wedge", "pyramid")} == {12, 9, 8}
    assert all(
        len(set(itertools.chain(*CELL_FACES[k])))
        == {"tetra": 4, "hexahedron": 8, "wedge": 6, "pyramid": 5}[k]
        for k in CELL_FACES
    )
