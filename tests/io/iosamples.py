"""Small meshes and file generators shared by the I/O tests (imported as ``tests.io.iosamples``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geonop.io import Boundary, Mesh


# --------------------------------------------------------------------------- meshes
def cube_tets() -> Mesh:
    """Unit cube split into 6 tetrahedra, with point/cell fields and a boundary group."""
    pts = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0],
                    [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]], dtype=float)
    tets = np.array([[0, 1, 2, 6], [0, 2, 3, 6], [0, 3, 7, 6],
                     [0, 7, 4, 6], [0, 4, 5, 6], [0, 5, 1, 6]])
    bottom = np.array([[0, 2, 1], [0, 3, 2]])
    return Mesh(
        pts,
        {"tetra": tets},
        point_data={"T": np.arange(8, dtype=float), "U": np.arange(24, dtype=float).reshape(8, 3)},
        cell_data={"rho": np.linspace(1, 2, 6)},
        boundaries={"bottom": Boundary({"triangle": bottom})},
        meta={"source": "cube"},
    )


def mixed_surface() -> Mesh:
    """A planar 2D mesh with two triangles and a quad, 2D points and fields."""
    pts = np.array([[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1], [1, 2]], dtype=float)
    return Mesh(
        pts,
        {"triangle": np.array([[3, 4, 6], [4, 5, 6]]), "quad": np.array([[0, 1, 4, 3]])},
        point_data={"p": np.linspace(0, 1, 7), "v": np.ones((7, 2))},
        cell_data={"id": np.array([10, 11, 12]), "w": np.array([0.5, 1.5, 2.5])},
    )


def random_surface(seed: int = 0) -> Mesh:
    """Triangulated unit sphere (icosphere) with a random point field; 3D triangles only."""
    import trimesh

    rng = np.random.default_rng(seed)
    s = trimesh.creation.icosphere(subdivisions=1)
    return Mesh(np.asarray(s.vertices), {"triangle": np.asarray(s.faces)},
                point_data={"f": rng.normal(size=len(s.vertices))},
                cell_data={"g": rng.normal(size=len(s.faces))})


def two_polyhedra() -> Mesh:
    """Two unit hexahedra side by side whose shared face is split in two triangles, so
    each cell has 7 faces and is a general polyhedron."""
    pts = np.array([[x, y, z] for z in (0, 1) for y in (0, 1) for x in (0, 1, 2)], dtype=float)
    # point index = x + 3*y + 6*z
    a = [[0, 3, 4, 1], [6, 7, 10, 9], [0, 1, 7, 6], [3, 9, 10, 4], [0, 6, 9, 3],
         [1, 4, 10], [1, 10, 7]]
    b = [[1, 4, 5, 2], [7, 8, 11, 10], [1, 2, 8, 7], [4, 10, 11, 5], [2, 5, 11, 8],
         [1, 10, 4], [1, 7, 10]]
    return Mesh(pts, {"polyhedron": [[np.array(f) for f in a], [np.array(f) for f in b]]},
                cell_data={"c": np.array([1.0, 2.0])})


def assert_same_mesh(a: Mesh, b: Mesh, atol: float = 0.0, boundaries: bool = True) -> None:
    """Equal points, cells by type, point data and per-type cell data (type order may differ)."""
    np.testing.assert_allclose(b.points, a.points, atol=atol, rtol=0)
    assert set(a.cells) == set(b.cells)
    for t in a.cells:
        if t == "polygon":
            assert [list(p) for p in a.cells[t]] == [list(p) for p in b.cells[t]]
        elif t == "polyhedron":
            assert [[list(f) for f in c] for c in a.cells[t]] == [[list(f) for f in c] for c in b.cells[t]]
        else:
            np.testing.assert_array_equal(b.cells[t], a.cells[t])
    assert set(a.point_data) == set(b.point_data)
    for k in a.point_data:
        np.testing.assert_allclose(b.point_data[k], a.point_data[k], atol=atol, rtol=0)
    assert set(a.cell_data) == set(b.cell_data)
    for k in a.cell_data:
        pa, pb = a.cell_data_by_type(k), b.cell_data_by_type(k)
        for t in pa:
            np.testing.assert_allclose(pb[t], pa[t], atol=atol, rtol=0)
    if boundaries:
        assert set(a.boundaries) == set(b.boundaries)
        for name in a.boundaries:
            for t, block in a.boundaries[name].cells.items():
                np.testing.assert_array_equal(b.boundaries[name].cells[t], block)


# --------------------------------------------------------------------------- Gmsh files
def gmsh_square(path: Path, version: float) -> None:
    import gmsh

    gmsh.initialize(readConfigFiles=False, interruptible=False)
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("square")
        s = gmsh.model.occ.addRectangle(0, 0, 0, 1, 1)
        gmsh.model.occ.synchronize()
        curves = [c for _, c in gmsh.model.getBoundary([(2, s)], oriented=False)]
        gmsh.model.addPhysicalGroup(2, [s], name="fluid")
        gmsh.model.addPhysicalGroup(1, curves[:1], name="inlet")
        gmsh.model.addPhysicalGroup(1, curves[1:], name="walls")
        gmsh.option.setNumber("Mesh.MeshSizeMax", 0.5)
        gmsh.model.mesh.generate(2)
        gmsh.option.setNumber("Mesh.MshFileVersion", version)
        gmsh.write(str(path))
    finally:
        gmsh.finalize()


def gmsh_box(path: Path) -> None:
    import gmsh

    gmsh.initialize(readConfigFiles=False, interruptible=False)
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("box")
        v = gmsh.model.occ.addBox(0, 0, 0, 1, 1, 1)
        gmsh.model.occ.synchronize()
        faces = [f for _, f in gmsh.model.getBoundary([(3, v)], oriented=False)]
        gmsh.model.addPhysicalGroup(3, [v], name="solid")
        gmsh.model.addPhysicalGroup(2, faces[:1], name="fixed")
        gmsh.model.addPhysicalGroup(2, faces[1:], name="free")
        gmsh.option.setNumber("Mesh.MeshSizeMax", 0.6)
        gmsh.model.mesh.generate(3)
        gmsh.option.setNumber("Mesh.MshFileVersion", 4.1)
        gmsh.write(str(path))
    finally:
        gmsh.finalize()


# --------------------------------------------------------------------------- OpenFOAM
_HEADER = """FoamFile
{{
    version     2.0;
    format      ascii;
    class       {cls};
    object      {obj};
}}
"""


def _foam(path: Path, cls: str, obj: str, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_HEADER.format(cls=cls, obj=obj) + body)


def _foam_list(items: list[str]) -> str:
    return f"{len(items)}\n(\n" + "\n".join(items) + "\n)\n"


def write_polymesh(case: Path, points: np.ndarray, faces: list, owner: list, neighbour: list,
                   patches: list[tuple[str, str, int]]) -> None:
    """Write ``constant/polyMesh`` and ``system/controlDict``: faces ordered internal first,
    then each patch (name, type, face count) in turn."""
    pm = case / "constant" / "polyMesh"
    _foam(pm / "points", "vectorField", "points",
          _foam_list([f"({p[0]:.17g} {p[1]:.17g} {p[2]:.17g})" for p in points]))
    _foam(pm / "faces", "faceList", "faces",
          _foam_list([f"{len(f)}(" + " ".join(map(str, f)) + ")" for f in faces]))
    _foam(pm / "owner", "labelList", "owner", _foam_list([str(o) for o in owner]))
    _foam(pm / "neighbour", "labelList", "neighbour", _foam_list([str(n) for n in neighbour]))
    start, entries = len(neighbour), []
    for name, kind, n in patches:
        entries.append(f"{name}\n{{\n type {kind};\n nFaces {n};\n startFace {start};\n}}")
        start += n
    _foam(pm / "boundary", "polyBoundaryMesh", "boundary", _foam_list(entries))
    _foam(case / "system" / "controlDict", "dictionary", "controlDict",
          "application icoFoam;\nstartFrom latestTime;\nstartTime 0;\nstopAt endTime;\n"
          "endTime 1;\ndeltaT 0.5;\nwriteControl timeStep;\nwriteInterval 1;\n")


def write_field(case: Path, time: str, name: str, internal: np.ndarray,
                patch_values: dict[str, np.ndarray]) -> None:
    """Write a volScalarField/volVectorField with nonuniform internal and fixed patch values."""
    vector = internal.ndim == 2
    kind = "vector" if vector else "scalar"
    fmt = (lambda v: "(" + " ".join(f"{x:.17g}" for x in v) + ")") if vector else (lambda v: f"{v:.17g}")
    body = "dimensions [0 0 0 0 0 0 0];\n"
    body += f"internalField nonuniform List<{kind}> " + _foam_list([fmt(v) for v in internal]) + ";\n"
    body += "boundaryField\n{\n"
    for patch, values in patch_values.items():
        body += (f"{patch}\n{{\n type fixedValue;\n value nonuniform List<{kind}> "
                 + _foam_list([fmt(v) for v in values]) + ";\n}\n")
    body += "}\n"
    _foam(case / time / name, f"vol{kind.capitalize()}Field", name, body)


def hex_grid_case(case: Path, nx: int = 3, ny: int = 2, nz: int = 1) -> dict:
    """Structured hex case on [0, nx] x [0, ny] x [0, nz] with patches xmin, xmax, walls.

    Returns the case's expected values: points, patch face point sets, field values.
    """
    idx = lambda i, j, k: i + (nx + 1) * (j + (ny + 1) * k)
    cid = lambda i, j, k: i + nx * (j + ny * k)
    points = np.array([[i, j, k] for k in range(nz + 1) for j in range(ny + 1)
                       for i in range(nx + 1)], dtype=float)
    tang = {0: (1, 2), 1: (2, 0), 2: (0, 1)}

    def quad(base, axis):
        b, c = tang[axis]
        eb, ec = np.eye(3, dtype=int)[b], np.eye(3, dtype=int)[c]
        corners = [base, base + eb, base + eb + ec, base + ec]
        return [idx(*p) for p in corners]

    internal = []
    for k in range(nz):
        for j in range(ny):
            for i in range(nx):
                for axis, (di, dj, dk) in enumerate([(1, 0, 0), (0, 1, 0), (0, 0, 1)]):
                    ni, nj, nk = i + di, j + dj, k + dk
                    if ni < nx and nj < ny and nk < nz:
                        base = np.array([ni, nj, nk])
                        internal.append((cid(i, j, k), cid(ni, nj, nk), quad(base, axis)))
    internal.sort(key=lambda f: (f[0], f[1]))
    patch_faces: dict[str, list] = {"xmin": [], "xmax": [], "walls": []}
    for k in range(nz):
        for j in range(ny):
            for i in range(nx):
                c = cid(i, j, k)
                for axis in range(3):
                    for side in (0, 1):
                        pos = [i, j, k]
                        limit = (nx, ny, nz)[axis]
                        if (side == 0 and pos[axis] != 0) or (side == 1 and pos[axis] != limit - 1):
                            continue
                        base = np.array(pos)
                        base[axis] += side
                        f = quad(base, axis)
                        if side == 0:
                            f = f[::-1]  # outward normal
                        name = "xmin" if (axis == 0 and side == 0) else "xmax" if axis == 0 else "walls"
                        patch_faces[name].append((c, f))
    faces = [f for _, _, f in internal]
    owner = [o for o, _, _ in internal]
    neighbour = [n for _, n, _ in internal]
    patches = []
    for name, kind in (("xmin", "patch"), ("xmax", "patch"), ("walls", "wall")):
        faces += [f for _, f in patch_faces[name]]
        owner += [c for c, _ in patch_faces[name]]
        patches.append((name, kind, len(patch_faces[name])))
    write_polymesh(case, points, faces, owner, neighbour, patches)
    ncell = nx * ny * nz
    values = {}
    for time, scale in (("0", 0.0), ("0.5", 1.0)):
        p = scale * np.arange(ncell, dtype=float) + 1.0
        inlet = scale * np.arange(len(patch_faces["xmin"]), dtype=float) + 100.0
        fields = {"xmin": inlet, "xmax": np.full(len(patch_faces["xmax"]), 7.0),
                  "walls": np.zeros(len(patch_faces["walls"]))}
        write_field(case, time, "p", p, fields)
        U = np.stack([p, -p, np.zeros(ncell)], axis=1)
        write_field(case, time, "U", U, {k: np.stack([v, v, v], 1) for k, v in fields.items()})
        values[time] = {"p": p, "xmin": inlet}
    return {"points": points, "patch_faces": patch_faces, "values": values, "ncell": ncell}
