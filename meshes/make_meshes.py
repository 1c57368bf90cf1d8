"""Regenerate geonop's small example meshes with real meshing tools.

Usage (from the repository root)::

    .venv/bin/python meshes/make_meshes.py                  # everything, into meshes/
    .venv/bin/python meshes/make_meshes.py --only part      # one item (repeat --only for more)
    .venv/bin/python meshes/make_meshes.py --out /tmp/m     # somewhere else
    .venv/bin/python meshes/make_meshes.py --check          # only validate existing files
    .venv/bin/python meshes/make_meshes.py --list           # item names and their files

Items and the files they write (all lengths in metres unless stated):

``airfoil_dat``
    ``naca0012.dat`` (Selig format) and ``naca2412_lednicer.dat`` (Lednicer format), both
    from the NACA 4-digit formula, cosine spacing, closed (sharp) trailing edge, chord 1.
``airfoil_2d``
    ``airfoil_2d.msh`` (Gmsh 4.1) and ``airfoil_2d_v2.msh`` (Gmsh 2.2): NACA 2412 in a
    circular far field of radius 20 chords. A quad boundary layer (Gmsh ``BoundaryLayer``
    field, first cell 1e-3 c, ratio 1.2, fan at the trailing edge) and triangles outside.
    Physical groups: curves ``airfoil``, ``inlet`` (x < 0.5), ``outlet`` (x > 0.5),
    surface ``fluid``.
``bracket``
    ``bracket_tet.msh`` (Gmsh 4.1) and ``bracket_tet.vtu``: an L-shaped bracket (OpenCASCADE
    boolean of boxes and cylinders, filleted inner edge, two bolt holes in the base and a
    load hole in the upright), in millimetres,
    meshed with linear tetrahedra. Physical surfaces ``fixed`` (base underside),
    ``bolt_holes``, ``load_hole``, ``free``; physical volume ``solid``. The VTU holds the
    tetrahedra only, with a point field ``height`` (z, mm) and a cell field ``cell_id``.
``part``
    ``part.stl`` (binary): a flange (disk, hub, bore, six bolt holes, chamfered rim) built
    with OpenCASCADE booleans, surface-meshed by Gmsh, outward-oriented and checked
    watertight with trimesh. Millimetres.
``cloud``
    ``cloud.npz`` (``points`` [N, 3] float32, ``normals`` [N, 3] float32, ``radius``
    [N] float32 = distance to the flange axis) and ``cloud.xyz`` (``x y z`` per line):
    N = 4096 points sampled area-uniformly from ``part.stl`` with a fixed seed.
``airfoil_case``
    ``airfoil_case/``: an OpenFOAM (v1912) case. The ``airfoil_2d`` mesh extruded one cell
    thick (z in [-0.05, 0.05]) in Gmsh, converted by ``gmshToFoam``, patches retyped
    (``airfoil`` wall, ``inlet``/``outlet`` patch, ``frontAndBack`` empty), solved with
    ``simpleFoam`` (SIMPLEC, Spalart-Allmaras, Spalding wall function) at Re = 1e6,
    AoA 4 deg, with a ``forceCoeffs`` function object. Only ``0/``, the last time
    directory, ``constant/``, ``system/``, ``postProcessing/`` and ``log.summary`` are kept,
    plus an empty ``airfoil_case.foam`` for ParaView. Needs OpenFOAM's ``etc/bashrc``
    (found in ``$FOAM_BASHRC``, ``/usr/share/openfoam/etc/bashrc``,
    ``/usr/lib/openfoam/*/etc/bashrc`` or ``/opt/openfoam*/etc/bashrc``).

After making an item the script re-reads its files with meshio / pyvista / trimesh and
validates them (counts, no degenerate cells, no duplicate points, watertight STL, OpenFOAM
``checkMesh``, plausible C_L and C_D); ``--check`` does only that, on existing files.

Re-running gives byte-identical files: each item runs in a fresh interpreter (Gmsh keeps
global numbering state between models), Gmsh runs single-threaded with elements stored in
centroid order, the point cloud uses a fixed seed, OpenFOAM runs serially, and no file records
a date or a host name. Other Gmsh (here 4.15.2) or OpenFOAM (v1912) versions, or edits to
this script, can change a few elements (Gmsh's mesher depends slightly on memory layout) and
the solver's iteration count, not the cell counts or groups. Set ``MAKE_MESHES_WORKDIR=DIR``
to keep the untrimmed OpenFOAM case and its full logs in ``DIR`` for debugging.
"""

from __future__ import annotations

import argparse
import glob
import math
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import trimesh

HERE = Path(__file__).resolve().parent

#: free-stream set-up of the OpenFOAM case (chord 1 m)
U_INF = 15.0  # m/s
NU = 1.5e-5  # m^2/s, air; Re = U_INF * 1 / NU = 1e6
AOA_DEG = 4.0
SPAN = 0.1  # extrusion thickness, m
FAR_FIELD_RADIUS = 20.0  # chords
CLOUD_POINTS = 4096
CLOUD_SEED = 0


# --------------------------------------------------------------------------------------
# NACA 4-digit coordinates
# --------------------------------------------------------------------------------------


def naca4(code: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower surface of a NACA 4-digit airfoil of unit chord.

    Parameters
    ----------
    code : str
        Four digits, e.g. ``"2412"``: max camber (% chord), its position (tenths of chord),
        thickness (% chord).
    n : int
        Points per surface, cosine-spaced in x so the leading and trailing edges are dense.

    Returns
    -------
    upper, lower : np.ndarray of shape [n, 2]
        Both ordered from the leading edge (index 0) to the trailing edge (index n - 1).
        The trailing edge is closed (coefficient -0.1036), so ``upper[-1] == lower[-1]``.
    """
    if len(code) != 4 or not code.isdigit():
        raise ValueError(f"NACA code must be 4 digits, got {code!r}")
    m, p, t = int(code[0]) / 100, int(code[1]) / 10, int(code[2:]) / 100
    beta = np.linspace(0.0, np.pi, n)
    x = 0.5 * (1.0 - np.cos(beta))
    x[0], x[-1] = 0.0, 1.0
    yt = 5 * t * (0.2969 * np.sqrt(x) - 0.1260 * x - 0.3516 * x**2 + 0.2843 * x**3 - 0.1036 * x**4)
    yc = np.zeros_like(x)
    dyc = np.zeros_like(x)
    if m > 0 and p > 0:
        front = x < p
        back = ~front
        yc[front] = m / p**2 * (2 * p * x[front] - x[front] ** 2)
        dyc[front] = 2 * m / p**2 * (p - x[front])
        yc[back] = m / (1 - p) ** 2 * ((1 - 2 * p) + 2 * p * x[back] - x[back] ** 2)
        dyc[back] = 2 * m / (1 - p) ** 2 * (p - x[back])
    theta = np.arctan(dyc)
    upper = np.c_[x - yt * np.sin(theta), yc + yt * np.cos(theta)]
    lower = np.c_[x + yt * np.sin(theta), yc - yt * np.cos(theta)]
    # The closed-TE polynomial leaves ~1e-17 residue; make the trailing edge exactly shared.
    upper[-1] = lower[-1] = (1.0, yc[-1])
    return upper, lower


def _fmt_xy(xy: np.ndarray) -> str:
    return "".join(f"{x: .7f} {y: .7f}\n" for x, y in xy)


def make_airfoil_dat(out: Path) -> list[Path]:
    """Write ``naca0012.dat`` (Selig) and ``naca2412_lednicer.dat`` (Lednicer)."""
    upper, lower = naca4("0012", 81)
    # Selig: one loop from the trailing edge over the upper surface to the leading edge and
    # back along the lower surface; the leading-edge point appears once.
    selig = np.vstack([upper[::-1], lower[1:]])
    p1 = out / "naca0012.dat"
    p1.write_text("NACA 0012\n" + _fmt_xy(selig))
    upper, lower = naca4("2412", 61)
    p2 = out / "naca2412_lednicer.dat"
    p2.write_text(
        "NACA 2412\n"
        f"{len(upper):>8d}.{len(lower):>8d}.\n\n" + _fmt_xy(upper) + "\n" + _fmt_xy(lower)
    )
    return [p1, p2]


# --------------------------------------------------------------------------------------
# Gmsh helpers
# --------------------------------------------------------------------------------------


def _gmsh_start(name: str) -> ModuleType:
    """Initialise Gmsh quietly with one empty model; return the ``gmsh`` module."""
    import gmsh

    gmsh.initialize(readConfigFiles=False)
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.option.setNumber("General.Verbosity", 2)
    gmsh.option.setNumber("General.NumThreads", 1)  # threaded meshing is not reproducible
    gmsh.model.add(name)
    return gmsh


def _canonicalise(gmsh: ModuleType) -> None:
    """Store every entity's elements in centroid order and number them consecutively.

    Gmsh keeps some elements (those of extruded boundary-layer meshes, for one) in an order
    that follows memory addresses, and ``gmshToFoam`` numbers cells and faces in file order,
    so the same mesh could reach OpenFOAM permuted (which changes the solver's iteration
    count). Sorting by centroid removes that; it also gives cells spatial locality. Gmsh's
    mesher itself is not fully independent of memory layout either: another build or a
    different allocation history can flip a few triangles.
    """
    node_tags, coords, _ = gmsh.model.mesh.getNodes()
    xyz = np.zeros((int(node_tags.max()) + 1, 3))
    xyz[node_tags.astype(np.int64)] = coords.reshape(-1, 3)
    # Round to a grid far below the smallest cell so last-bit noise cannot decide the order.
    grid = 1e-9 * float(np.ptp(xyz[node_tags.astype(np.int64)], axis=0).max())
    for dim, tag in gmsh.model.getEntities():
        types, _, nodes = gmsh.model.mesh.getElements(dim, tag)
        for etype, enodes in zip(types, nodes):
            n_nodes = gmsh.model.mesh.getElementProperties(etype)[3]
            centre = xyz[enodes.astype(np.int64).reshape(-1, n_nodes)].mean(axis=1)
            key = np.round(centre / grid).astype(np.int64)
            order = np.lexsort((key[:, 2], key[:, 1], key[:, 0]))
            gmsh.model.mesh.reorderElements(int(etype), tag, order.tolist())
    gmsh.model.mesh.renumberElements()


def _airfoil_model(gmsh: ModuleType, code: str, extrude: float | None, refine: float = 1.0) -> None:
    """Build and mesh the airfoil-in-far-field model in the current Gmsh model.

    ``refine`` > 1 divides the wall-tangential and far-field spacing and the boundary-layer
    growth rate by that factor while keeping the first cell height (for mesh-convergence
    checks; the shipped meshes use 1). With ``extrude`` set, the 2D mesh is extruded one cell thick along z (from -extrude/2
    to +extrude/2) and the physical groups are 3D: ``airfoil``, ``inlet``, ``outlet``,
    ``frontAndBack`` surfaces and a ``fluid`` volume.
    """
    g = gmsh.model.geo
    z0 = -0.5 * extrude if extrude else 0.0
    upper, lower = naca4(code, 121)
    le = g.addPoint(0.0, 0.0, z0)
    te = g.addPoint(1.0, 0.0, z0)
    up_pts = [te] + [g.addPoint(x, y, z0) for x, y in upper[-2:0:-1]] + [le]
    lo_pts = [le] + [g.addPoint(x, y, z0) for x, y in lower[1:-1]] + [te]
    c_up = g.addSpline(up_pts)  # TE -> LE
    c_lo = g.addSpline(lo_pts)  # LE -> TE
    r = FAR_FIELD_RADIUS
    cx = 0.5
    centre = g.addPoint(cx, 0.0, z0)
    p_top = g.addPoint(cx, r, z0)
    p_front = g.addPoint(cx - r, 0.0, z0)
    p_bot = g.addPoint(cx, -r, z0)
    p_back = g.addPoint(cx + r, 0.0, z0)
    arcs_in = [g.addCircleArc(p_top, centre, p_front), g.addCircleArc(p_front, centre, p_bot)]
    arcs_out = [g.addCircleArc(p_bot, centre, p_back), g.addCircleArc(p_back, centre, p_top)]
    outer = g.addCurveLoop(arcs_in + arcs_out)
    wall = g.addCurveLoop([c_up, c_lo])
    surf = g.addPlaneSurface([outer, wall])
    if extrude:
        # Extrude before setting mesh constraints: a later geo synchronize() would drop them.
        ext = g.extrude([(2, surf)], 0.0, 0.0, extrude, numElements=[1], recombine=True)
    g.synchronize()

    mesh = gmsh.model.mesh
    # Wall nodes: a transfinite "Bump" law clusters nodes at both ends of each surface, i.e. at
    # the leading and trailing edges, so the LE curvature is resolved with few nodes.
    for c in (c_up, c_lo):
        mesh.setTransfiniteCurve(c, round(80 * refine), "Bump", 0.2)
    for a in arcs_in + arcs_out:
        mesh.setTransfiniteCurve(a, round(12 * refine))
    fld = mesh.field
    bl = fld.add("BoundaryLayer")
    fld.setNumbers(bl, "CurvesList", [c_up, c_lo])
    fld.setNumber(bl, "Size", 1e-3)  # first cell: y+ ~ 20-40 at Re 1e6 (wall-function range)
    fld.setNumber(bl, "Ratio", 1.2 ** (1.0 / refine))
    fld.setNumber(bl, "Thickness", 0.05)
    fld.setNumber(bl, "Quads", 1)
    fld.setNumbers(bl, "FanPointsList", [te])
    fld.setAsBoundaryLayer(bl)
    dist = fld.add("Distance")
    fld.setNumbers(dist, "CurvesList", [c_up, c_lo])
    fld.setNumber(dist, "Sampling", 200)
    size = fld.add("MathEval")
    fld.setString(size, "F", f"(0.035 + 0.16 * F{dist}) / {refine:g}")
    fld.setAsBackgroundMesh(size)
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
    gmsh.option.setNumber("Mesh.Algorithm", 6)  # frontal-Delaunay: well-shaped triangles

    if extrude is None:
        gmsh.model.addPhysicalGroup(1, [c_up, c_lo], name="airfoil")
        gmsh.model.addPhysicalGroup(1, arcs_in, name="inlet")
        gmsh.model.addPhysicalGroup(1, arcs_out, name="outlet")
        gmsh.model.addPhysicalGroup(2, [surf], name="fluid")
        mesh.generate(2)
        _canonicalise(gmsh)
        return

    top = ext[0][1]
    vol = ext[1][1]
    # Lateral surfaces come back in the order of the source surface's boundary curves.
    lateral = [tag for dim, tag in ext[2:] if dim == 2]
    n_in, n_out = len(arcs_in), len(arcs_out)
    gmsh.model.addPhysicalGroup(2, lateral[n_in + n_out :], name="airfoil")
    gmsh.model.addPhysicalGroup(2, lateral[:n_in], name="inlet")
    gmsh.model.addPhysicalGroup(2, lateral[n_in : n_in + n_out], name="outlet")
    gmsh.model.addPhysicalGroup(2, [surf, top], name="frontAndBack")
    gmsh.model.addPhysicalGroup(3, [vol], name="fluid")
    mesh.generate(3)
    _canonicalise(gmsh)


def make_airfoil_2d(out: Path) -> list[Path]:
    """Write ``airfoil_2d.msh`` (Gmsh 4.1) and ``airfoil_2d_v2.msh`` (Gmsh 2.2)."""
    gmsh = _gmsh_start("airfoil_2d")
    try:
        _airfoil_model(gmsh, "2412", extrude=None)
        p4, p2 = out / "airfoil_2d.msh", out / "airfoil_2d_v2.msh"
        gmsh.option.setNumber("Mesh.Binary", 0)
        gmsh.option.setNumber("Mesh.MshFileVersion", 4.1)
        gmsh.write(str(p4))
        gmsh.option.setNumber("Mesh.MshFileVersion", 2.2)
        gmsh.write(str(p2))
    finally:
        gmsh.finalize()
    return [p4, p2]


# --------------------------------------------------------------------------------------
# Bracket (tetrahedral volume mesh)
# --------------------------------------------------------------------------------------


def _surface_centres(gmsh: ModuleType, dim_tags: list[tuple[int, int]]) -> dict[int, np.ndarray]:
    return {t: np.array(gmsh.model.occ.getCenterOfMass(d, t)) for d, t in dim_tags}


def make_bracket(out: Path) -> list[Path]:
    """Write ``bracket_tet.msh`` and ``bracket_tet.vtu``: an L-bracket, linear tets, mm."""
    import meshio

    gmsh = _gmsh_start("bracket")
    try:
        occ = gmsh.model.occ
        # Base plate 80 x 50 x 10 and an upright 10 x 50 x 50 at x in [0, 10].
        base = occ.addBox(0, 0, 0, 80, 50, 10)
        upright = occ.addBox(0, 0, 0, 10, 50, 50)
        (solid,), _ = occ.fuse([(3, base)], [(3, upright)])
        occ.synchronize()
        # Fillet the inner (concave) edge along y at x = 10, z = 10.
        inner = [
            t
            for d, t in gmsh.model.getEntities(1)
            if np.allclose(occ.getCenterOfMass(1, t), (10, 25, 10), atol=1e-6)
        ]
        (solid,) = occ.fillet([solid[1]], inner, [6.0])
        holes = [occ.addCylinder(x, y, -1, 0, 0, 12, 4.0) for x, y in ((55, 13), (55, 37))]
        holes.append(occ.addCylinder(-1, 25, 35, 12, 0, 0, 6.0))
        (solid,), _ = occ.cut([solid], [(3, h) for h in holes])
        occ.synchronize()

        centres = _surface_centres(gmsh, gmsh.model.getEntities(2))
        groups: dict[str, list[int]] = {"fixed": [], "bolt_holes": [], "load_hole": [], "free": []}
        for tag, c in centres.items():
            kind = gmsh.model.getType(2, tag)
            if kind == "Cylinder" and abs(c[0] - 55) < 1e-6:
                groups["bolt_holes"].append(tag)
            elif kind == "Cylinder" and abs(c[2] - 35) < 1e-6:
                groups["load_hole"].append(tag)
            elif kind == "Plane" and abs(c[2]) < 1e-9:
                groups["fixed"].append(tag)
            else:
                groups["free"].append(tag)
        for name, tags in groups.items():
            gmsh.model.addPhysicalGroup(2, sorted(tags), name=name)
        gmsh.model.addPhysicalGroup(3, [solid[1]], name="solid")

        gmsh.option.setNumber("Mesh.MeshSizeMin", 1.5)
        gmsh.option.setNumber("Mesh.MeshSizeMax", 4.0)
        gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 12)  # elements per 2*pi radius
        gmsh.option.setNumber("Mesh.Algorithm3D", 1)  # Delaunay
        gmsh.option.setNumber("Mesh.Optimize", 1)
        gmsh.model.mesh.generate(3)
        _canonicalise(gmsh)
        p_msh = out / "bracket_tet.msh"
        gmsh.option.setNumber("Mesh.Binary", 0)
        gmsh.option.setNumber("Mesh.MshFileVersion", 4.1)
        gmsh.write(str(p_msh))
    finally:
        gmsh.finalize()

    m = meshio.read(p_msh)
    tets = np.vstack([c.data for c in m.cells if c.type == "tetra"])
    used = np.unique(tets)
    remap = np.full(len(m.points), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    pts = m.points[used]
    p_vtu = out / "bracket_tet.vtu"
    meshio.write(
        p_vtu,
        meshio.Mesh(
            pts,
            [("tetra", remap[tets])],
            point_data={"height": pts[:, 2].copy()},
            cell_data={"cell_id": [np.arange(len(tets), dtype=np.int32)]},
        ),
        binary=True,
        compression="zlib",
    )
    return [p_msh, p_vtu]


# --------------------------------------------------------------------------------------
# STL part and point cloud
# --------------------------------------------------------------------------------------


def _flange_surface() -> tuple[np.ndarray, np.ndarray]:
    """Surface-mesh the flange solid with Gmsh; return (points [N, 3], triangles [F, 3])."""
    gmsh = _gmsh_start("flange")
    try:
        occ = gmsh.model.occ
        disk = occ.addCylinder(0, 0, 0, 0, 0, 12, 50.0)
        hub = occ.addCylinder(0, 0, 12, 0, 0, 18, 24.0)
        (solid,), _ = occ.fuse([(3, disk)], [(3, hub)])
        occ.synchronize()
        rim = [
            t
            for d, t in gmsh.model.getEntities(1)
            if np.allclose(occ.getCenterOfMass(1, t), (0, 0, 12), atol=1e-6)
            and abs(gmsh.model.occ.getMass(1, t) - 2 * np.pi * 50.0) < 1e-3
        ]
        # A chamfer distance is measured on one face per edge: the flat top of the disk.
        faces = [
            t
            for t in gmsh.model.getAdjacencies(1, rim[0])[0]
            if gmsh.model.getType(2, t) == "Plane"
        ]
        (solid,) = occ.chamfer([solid[1]], rim, faces[:1], [2.0])
        cutters = [(3, occ.addCylinder(0, 0, -1, 0, 0, 32, 14.0))]
        for k in range(6):
            a = k * np.pi / 3
            cutters.append((3, occ.addCylinder(37 * np.cos(a), 37 * np.sin(a), -1, 0, 0, 14, 4.5)))
        (solid,), _ = occ.cut([solid], cutters)
        occ.synchronize()
        gmsh.option.setNumber("Mesh.MeshSizeMin", 1.0)
        gmsh.option.setNumber("Mesh.MeshSizeMax", 6.0)
        gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 16)
        gmsh.option.setNumber("Mesh.Algorithm", 6)
        gmsh.model.mesh.generate(2)
        gmsh.model.mesh.removeDuplicateNodes()
        _canonicalise(gmsh)
        node_tags, coords, _ = gmsh.model.mesh.getNodes()
        points = coords.reshape(-1, 3)
        index = np.full(int(node_tags.max()) + 1, -1, dtype=np.int64)
        index[node_tags.astype(np.int64)] = np.arange(len(node_tags))
        tris = []
        for _, tag in gmsh.model.getEntities(2):
            types, _, enodes = gmsh.model.mesh.getElements(2, tag)
            for t, en in zip(types, enodes):
                if t == 2:  # 3-node triangle
                    tris.append(index[en.astype(np.int64)].reshape(-1, 3))
        return points, np.vstack(tris)
    finally:
        gmsh.finalize()


def make_part(out: Path) -> list[Path]:
    """Write ``part.stl`` (binary, watertight, outward normals)."""
    import trimesh

    points, tris = _flange_surface()
    mesh = trimesh.Trimesh(points, tris, process=True)
    # OpenCASCADE face orientation is not necessarily outward; make winding consistent.
    trimesh.repair.fix_normals(mesh)
    if not (mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0):
        raise RuntimeError("part: the flange surface is not a closed, outward-oriented shell")
    p = out / "part.stl"
    p.write_bytes(trimesh.exchange.stl.export_stl(mesh))
    return [p]


def _sample_surface(mesh: trimesh.Trimesh, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Area-uniform samples and face normals; independent of trimesh's sampler."""
    rng = np.random.default_rng(seed)
    tri = mesh.triangles  # [F, 3, 3]
    area = mesh.area_faces
    face = rng.choice(len(area), size=n, p=area / area.sum())
    u, v = rng.random(n), rng.random(n)
    flip = u + v > 1
    u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
    t = tri[face]
    pts = t[:, 0] + u[:, None] * (t[:, 1] - t[:, 0]) + v[:, None] * (t[:, 2] - t[:, 0])
    return pts, mesh.face_normals[face]


def make_cloud(out: Path) -> list[Path]:
    """Write ``cloud.npz`` and ``cloud.xyz`` sampled from ``part.stl`` (made if missing)."""
    import trimesh

    stl = out / "part.stl"
    if not stl.exists():
        make_part(out)
    mesh = trimesh.load_mesh(stl, process=True)
    pts, nrm = _sample_surface(mesh, CLOUD_POINTS, CLOUD_SEED)
    pts = pts.astype(np.float32)
    radius = np.hypot(pts[:, 0], pts[:, 1]).astype(np.float32)
    p_npz, p_xyz = out / "cloud.npz", out / "cloud.xyz"
    with open(p_npz, "wb") as f:
        np.savez_compressed(f, points=pts, normals=nrm.astype(np.float32), radius=radius)
    p_xyz.write_text("".join(f"{x:.5f} {y:.5f} {z:.5f}\n" for x, y, z in pts))
    return [p_npz, p_xyz]


# --------------------------------------------------------------------------------------
# OpenFOAM airfoil case
# --------------------------------------------------------------------------------------

_FOAM_HEADER = """\
/*--------------------------------*- C++ -*----------------------------------*\\
  Written by geonop meshes/make_meshes.py for OpenFOAM v1912
\\*---------------------------------------------------------------------------*/
FoamFile
{{
    version     2.0;
    format      ascii;
    class       {cls};
    location    "{loc}";
    object      {obj};
}}
// * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * //

"""


def _foam_file(case: Path, rel: str, cls: str, body: str) -> None:
    path = case / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    loc, obj = os.path.split(rel)
    path.write_text(_FOAM_HEADER.format(cls=cls, loc=loc, obj=obj) + body.strip() + "\n")


def _field(internal: str, inlet: str, wall: str) -> str:
    return f"""
internalField   {internal};

boundaryField
{{
    inlet
    {{
{inlet}
    }}
    outlet
    {{
{inlet}
    }}
    airfoil
    {{
{wall}
    }}
    frontAndBack
    {{
        type            empty;
    }}
}}
"""


def _write_case_dicts(case: Path) -> None:
    a = math.radians(AOA_DEG)
    ux, uy = U_INF * math.cos(a), U_INF * math.sin(a)
    nu_tilda = 4.0 * NU  # free-stream SA level recommended by Spalart & Rumsey: 3-5 nu
    chi3 = (nu_tilda / NU) ** 3
    nut = nu_tilda * chi3 / (chi3 + 7.1**3)
    u = f"uniform ({ux:.10g} {uy:.10g} 0)"
    _foam_file(
        case,
        "0/U",
        "volVectorField",
        "dimensions      [0 1 -1 0 0 0 0];\n"
        + _field(
            u,
            f"        type            freestreamVelocity;\n        freestreamValue {u};",
            "        type            noSlip;",
        ),
    )
    _foam_file(
        case,
        "0/p",
        "volScalarField",
        "dimensions      [0 2 -2 0 0 0 0];\n"
        + _field(
            "uniform 0",
            "        type            freestreamPressure;\n        freestreamValue uniform 0;",
            "        type            zeroGradient;",
        ),
    )
    _foam_file(
        case,
        "0/nuTilda",
        "volScalarField",
        "dimensions      [0 2 -1 0 0 0 0];\n"
        + _field(
            f"uniform {nu_tilda:.6g}",
            f"        type            freestream;\n        freestreamValue uniform {nu_tilda:.6g};",
            "        type            fixedValue;\n        value           uniform 0;",
        ),
    )
    _foam_file(
        case,
        "0/nut",
        "volScalarField",
        "dimensions      [0 2 -1 0 0 0 0];\n"
        + _field(
            f"uniform {nut:.6g}",
            f"        type            freestream;\n        freestreamValue uniform {nut:.6g};",
            "        type            nutUSpaldingWallFunction;\n        value           uniform 0;",
        ),
    )
    _foam_file(
        case,
        "constant/transportProperties",
        "dictionary",
        f"transportModel  Newtonian;\n\nnu              {NU:g};",
    )
    _foam_file(
        case,
        "constant/turbulenceProperties",
        "dictionary",
        """
simulationType  RAS;

RAS
{
    RASModel        SpalartAllmaras;
    turbulence      on;
    printCoeffs     off;
}
""",
    )
    _foam_file(
        case,
        "system/controlDict",
        "dictionary",
        f"""
application     simpleFoam;
startFrom       latestTime;
startTime       0;
stopAt          endTime;
endTime         2000;
deltaT          1;
writeControl    timeStep;
writeInterval   2000;
purgeWrite      1;
writeFormat     ascii;
writePrecision  7;
writeCompression off;
timeFormat      general;
timePrecision   6;
runTimeModifiable false;

functions
{{
    forceCoeffs
    {{
        type            forceCoeffs;
        libs            ("libforces.so");
        writeControl    timeStep;
        writeInterval   1;
        log             false;
        patches         (airfoil);
        rho             rhoInf;
        rhoInf          1;
        CofR            (0.25 0 0);
        liftDir         ({-math.sin(a):.10g} {math.cos(a):.10g} 0);
        dragDir         ({math.cos(a):.10g} {math.sin(a):.10g} 0);
        pitchAxis       (0 0 1);
        magUInf         {U_INF:g};
        lRef            1;
        Aref            {SPAN:g};
    }}
}}
""",
    )
    _foam_file(
        case,
        "system/fvSchemes",
        "dictionary",
        """
ddtSchemes
{
    default         steadyState;
}

gradSchemes
{
    default         Gauss linear;
    // Limited for the turbulence variable only: unlimited, its residual stalls near 1e-5;
    // limiting grad(U) as well leaves U and p in a two-iteration limit cycle at ~1e-4.
    grad(nuTilda)   cellLimited Gauss linear 1;
}

divSchemes
{
    default         none;
    div(phi,U)      bounded Gauss linearUpwind grad(U);
    div(phi,nuTilda) bounded Gauss linearUpwind grad(nuTilda);
    div((nuEff*dev2(T(grad(U))))) Gauss linear;
}

laplacianSchemes
{
    default         Gauss linear limited corrected 0.5;
}

interpolationSchemes
{
    default         linear;
}

snGradSchemes
{
    default         limited corrected 0.5;
}

wallDist
{
    method          meshWave;
}
""",
    )
    _foam_file(
        case,
        "system/fvSolution",
        "dictionary",
        """
solvers
{
    p
    {
        solver          GAMG;
        smoother        GaussSeidel;
        tolerance       1e-08;
        relTol          0.05;
    }

    "(U|nuTilda)"
    {
        solver          smoothSolver;
        smoother        symGaussSeidel;
        tolerance       1e-09;
        relTol          0.1;
    }
}

SIMPLE
{
    consistent      yes;   // SIMPLEC: plain SIMPLE diverges on such meshes
    nNonOrthogonalCorrectors 0;
    residualControl
    {
        // nuTilda levels off at ~5e-6 on this mesh while U and p drop to ~1e-8; C_L and
        // C_D are then steady to 7 digits.
        p               1e-7;
        U               1e-7;
        nuTilda         1e-5;
    }
}

relaxationFactors
{
    equations
    {
        U               0.9;
        nuTilda         0.8;
    }
}
""",
    )


class MissingToolError(RuntimeError):
    """An external program that an item needs is not installed."""


def _find_foam_bashrc() -> str:
    cands = [os.environ.get("FOAM_BASHRC", "")]
    cands += ["/usr/share/openfoam/etc/bashrc", "/usr/lib/openfoam/openfoam/etc/bashrc"]
    cands += sorted(glob.glob("/usr/lib/openfoam/*/etc/bashrc"))
    cands += sorted(glob.glob("/opt/openfoam*/etc/bashrc"))
    for c in cands:
        if c and os.path.isfile(c):
            return c
    raise MissingToolError(
        "OpenFOAM not found (looked for etc/bashrc in $FOAM_BASHRC, "
        "/usr/share/openfoam, /usr/lib/openfoam/*, /opt/openfoam*). Install it "
        "(Debian: apt-get install openfoam) or make the other items only: --only airfoil_2d --only part ..."
    )


def _foam(bashrc: str, case: Path, cmd: str, log: Path) -> str:
    """Run one OpenFOAM utility in ``case`` with its environment; return its output."""
    script = f"source '{bashrc}' >/dev/null 2>&1 || true; cd '{case}' && {cmd}"
    res = subprocess.run(
        ["bash", "-c", script],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )
    log.write_text(res.stdout + res.stderr)
    if res.returncode != 0 or "FOAM FATAL" in res.stdout + res.stderr:
        tail = "\n".join((res.stdout + res.stderr).splitlines()[-30:])
        raise RuntimeError(f"OpenFOAM command failed in {case}: {cmd}\n{tail}")
    return res.stdout


_PATCH_TYPES = {
    "airfoil": ("wall", "wall"),
    "inlet": ("patch", None),
    "outlet": ("patch", None),
    "frontAndBack": ("empty", "empty"),
}


def _retype_patches(boundary: Path) -> None:
    """Rewrite polyMesh/boundary with the patch types gmshToFoam cannot know."""
    text = boundary.read_text()
    header, _, rest = text.partition("// * * ")
    entries = re.findall(r"(\w+)\s*\{([^}]*)\}", rest)
    keep = []
    for name, body in entries:
        n = int(re.search(r"nFaces\s+(\d+);", body).group(1))
        start = int(re.search(r"startFace\s+(\d+);", body).group(1))
        if name not in _PATCH_TYPES:
            if n:
                raise RuntimeError(f"airfoil_case: unexpected non-empty patch {name!r}")
            continue  # gmshToFoam's empty defaultFaces
        keep.append((name, n, start))
    out = [
        header,
        "// * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * * //\n\n",
    ]
    out.append(f"{len(keep)}\n(\n")
    for name, n, start in keep:
        typ, group = _PATCH_TYPES[name]
        out.append(f"    {name}\n    {{\n        type            {typ};\n")
        if group:
            out.append(f"        inGroups        List<word> 1({group});\n")
        out.append(f"        nFaces          {n};\n        startFace       {start};\n    }}\n")
    out.append(
        ")\n\n// ************************************************************************* //\n"
    )
    boundary.write_text("".join(out))


def _checkmesh_ok(text: str) -> None:
    if "Mesh OK." not in text:
        raise RuntimeError("airfoil_case: checkMesh did not report 'Mesh OK.'\n" + text[-3000:])


def make_airfoil_case(out: Path) -> list[Path]:
    """Build, solve and trim the OpenFOAM case ``airfoil_case/``."""
    bashrc = _find_foam_bashrc()
    case = out / "airfoil_case"
    with tempfile.TemporaryDirectory(prefix="geonop_case_") as tmp:
        tmp = os.environ.get("MAKE_MESHES_WORKDIR", tmp)  # keep the raw case for debugging
        work = Path(tmp) / "airfoil_case"
        _write_case_dicts(work)
        gmsh = _gmsh_start("airfoil_case")
        try:
            _airfoil_model(gmsh, "2412", extrude=SPAN)
            gmsh.option.setNumber("Mesh.Binary", 0)
            gmsh.option.setNumber("Mesh.MshFileVersion", 2.2)  # what gmshToFoam v1912 reads
            gmsh.write(str(Path(tmp) / "airfoil_3d.msh"))
        finally:
            gmsh.finalize()
        logs = Path(tmp)
        _foam(bashrc, work, "gmshToFoam ../airfoil_3d.msh", logs / "log.gmshToFoam")
        _retype_patches(work / "constant/polyMesh/boundary")
        check = _foam(bashrc, work, "checkMesh", logs / "log.checkMesh")
        _checkmesh_ok(check)
        solve = _foam(bashrc, work, "simpleFoam", logs / "log.simpleFoam")
        yplus = _foam(
            bashrc, work, "simpleFoam -postProcess -func yPlus -latestTime", logs / "log.yPlus"
        )
        summary = _summarise(work, check, solve, yplus)
        # Trim: keep 0/, the last time directory, constant/, system/, postProcessing/.
        times = [p for p in work.iterdir() if p.is_dir() and _is_time(p.name) and p.name != "0"]
        last = max(times, key=lambda p: float(p.name))
        for p in times:
            if p != last:
                shutil.rmtree(p)
        for p in work.glob("processor*"):
            shutil.rmtree(p)
        shutil.rmtree(last / "uniform", ignore_errors=True)
        # Diagnostics: the y+ range is in log.summary; sets/ repeats the 'fluid' cellZone.
        (last / "yPlus").unlink(missing_ok=True)
        shutil.rmtree(work / "postProcessing" / "yPlus", ignore_errors=True)
        shutil.rmtree(work / "constant" / "polyMesh" / "sets", ignore_errors=True)
        (work / "log.summary").write_text(summary)
        (work / "airfoil_case.foam").write_text("")
        if case.exists():
            shutil.rmtree(case)
        shutil.copytree(work, case)
    print(summary, end="")
    return sorted(p for p in case.rglob("*") if p.is_file())


def _is_time(name: str) -> bool:
    try:
        float(name)
    except ValueError:
        return False
    return True


def _summarise(case: Path, check: str, solve: str, yplus: str) -> str:
    """Iterations, final residuals and averaged force coefficients, for log.summary."""
    iters = re.findall(r"^Time = (\d+)$", solve, flags=re.MULTILINE)
    n_iter = int(iters[-1]) if iters else 0
    converged = "SIMPLE solution converged" in solve
    final = {}
    for var in ("Ux", "Uy", "p", "nuTilda"):
        r = re.findall(rf"Solving for {var}, Initial residual = ([0-9.eE+-]+)", solve)
        final[var] = float(r[-1]) if r else float("nan")
    coef = _read_coefficients(case)
    tail = coef[-100:]
    cells = re.search(r"cells:\s+(\d+)", check)
    yp = re.search(r"patch airfoil y\+ : min = (\S+), max = (\S+), average = (\S+)", yplus)
    lines = [
        "geonop example case: NACA 2412, simpleFoam + Spalart-Allmaras (SIMPLEC)",
        f"Re = {U_INF / NU:.3g}  AoA = {AOA_DEG:g} deg  U_inf = {U_INF:g} m/s  nu = {NU:g} m^2/s",
        f"cells = {cells.group(1) if cells else '?'}  checkMesh: Mesh OK",
        f"iterations = {n_iter}  residualControl met (p, U 1e-7; nuTilda 1e-5) = {converged}",
        "final initial residuals: " + "  ".join(f"{k} {v:.2e}" for k, v in final.items()),
        f"Cd = {tail[-1, 1]:.5f}  Cl = {tail[-1, 2]:.5f}  Cm(c/4) = {tail[-1, 0]:.5f}",
        "airfoil y+ (min / mean / max) = "
        + (
            " / ".join(f"{float(v):.1f}" for v in (yp.group(1), yp.group(3), yp.group(2)))
            if yp
            else "?"
        ),
        (
            f"spread over last {len(tail)} iterations: "
            f"dCl = {np.ptp(tail[:, 2]):.2e}  dCd = {np.ptp(tail[:, 1]):.2e}"
        ),
    ]
    return "\n".join(lines) + "\n"


def _read_coefficients(case: Path) -> np.ndarray:
    """Columns [Cm, Cd, Cl] from the forceCoeffs output, one row per iteration."""
    files = sorted(case.glob("postProcessing/forceCoeffs/*/coefficient*.dat"))
    files += sorted(case.glob("postProcessing/forceCoeffs/*/forceCoeffs*.dat"))
    if not files:
        raise RuntimeError("airfoil_case: no forceCoeffs output found")
    header: list[str] = []
    rows = []
    for line in files[0].read_text().splitlines():
        if line.startswith("#"):
            h = line.lstrip("#").split()
            if h and h[0] == "Time":
                header = h
            continue
        if line.strip():
            rows.append([float(v) for v in line.split()])
    data = np.array(rows)
    col = {name: i for i, name in enumerate(header)}
    return data[:, [col["CmPitch" if "CmPitch" in col else "Cm"], col["Cd"], col["Cl"]]]


# --------------------------------------------------------------------------------------
# Checks: every item is re-read with an independent library and validated
# --------------------------------------------------------------------------------------

MAX_BYTES = 2 * 1024 * 1024


class CheckError(RuntimeError):
    """A generated file failed validation."""


def _require(cond: bool, msg: str) -> None:
    if not cond:
        raise CheckError(msg)


def _no_duplicate_points(points: np.ndarray, what: str) -> None:
    scale = float(np.ptp(points, axis=0).max()) or 1.0
    key = np.round(points / (1e-9 * scale)).astype(np.int64)
    n_unique = len(np.unique(key, axis=0))
    _require(n_unique == len(points), f"{what}: {len(points) - n_unique} duplicate points")


def _tri_area(p: np.ndarray, tri: np.ndarray) -> np.ndarray:
    a, b, c = p[tri[:, 0]], p[tri[:, 1]], p[tri[:, 2]]
    return 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)


def _tet_volume(p: np.ndarray, tet: np.ndarray) -> np.ndarray:
    a, b, c, d = (p[tet[:, i]] for i in range(4))
    return np.einsum("ij,ij->i", np.cross(b - a, c - a), d - a) / 6.0


def _read_dat(path: Path) -> np.ndarray:
    rows = [line.split() for line in path.read_text().splitlines()[1:] if line.strip()]
    return np.array(rows, dtype=float)


def check_airfoil_dat(out: Path) -> str:
    selig = _read_dat(out / "naca0012.dat")
    _require(selig.shape == (161, 2), f"naca0012.dat: shape {selig.shape}")
    _require(np.allclose(selig[0], (1, 0)) and np.allclose(selig[-1], (1, 0)), "Selig: TE")
    _require(np.allclose(selig[80], (0, 0)), "Selig: leading edge not at the middle row")
    _require(abs(selig[:, 1].max() - 0.06) < 1e-3, "NACA 0012: max half-thickness != 6%")
    led = _read_dat(out / "naca2412_lednicer.dat")
    n_up, n_lo = (int(float(v)) for v in led[0])
    up, lo = led[1 : 1 + n_up], led[1 + n_up :]
    _require(len(lo) == n_lo, "Lednicer: counts line does not match the data")
    _require(np.allclose(up[0], lo[0]) and np.allclose(up[-1], lo[-1]), "Lednicer: ends")
    _require(bool(np.all(np.diff(up[:, 0]) > 0) and np.all(np.diff(lo[:, 0]) > 0)), "x order")
    camber = 0.5 * (np.interp(0.4, up[:, 0], up[:, 1]) + np.interp(0.4, lo[:, 0], lo[:, 1]))
    _require(abs(camber - 0.02) < 1e-3, f"NACA 2412: camber at x=0.4 is {camber:.4f}")
    return f"naca0012.dat {len(selig)} points; naca2412_lednicer.dat {n_up}+{n_lo} points"


def check_airfoil_2d(out: Path) -> str:
    import meshio

    lines = []
    for name in ("airfoil_2d.msh", "airfoil_2d_v2.msh"):
        m = meshio.read(out / name)
        _require({"airfoil", "inlet", "outlet", "fluid"} <= set(m.field_data), f"{name}: groups")
        p = m.points[:, :2]
        _no_duplicate_points(p, name)
        counts: dict[str, int] = {}
        for cb in m.cells:
            counts[cb.type] = counts.get(cb.type, 0) + len(cb.data)
            if cb.type == "triangle":
                area = _tri_area(m.points, cb.data)
            elif cb.type == "quad":  # both diagonal splits positive: non-degenerate, convex
                q = cb.data
                area = np.minimum(
                    np.minimum(
                        _tri_area(m.points, q[:, [0, 1, 2]]), _tri_area(m.points, q[:, [0, 2, 3]])
                    ),
                    np.minimum(
                        _tri_area(m.points, q[:, [0, 1, 3]]), _tri_area(m.points, q[:, [1, 2, 3]])
                    ),
                )
            else:
                continue
            _require(
                float(area.min()) > 1e-12, f"{name}: degenerate {cb.type} (area {area.min():.2e})"
            )
        r = np.hypot(p[:, 0] - 0.5, p[:, 1])
        _require(abs(r.max() - FAR_FIELD_RADIUS) < 1e-6, f"{name}: far-field radius")
        lines.append(
            f"{name} {len(p)} points, {counts.get('quad', 0)} quads, "
            f"{counts.get('triangle', 0)} triangles, {counts.get('line', 0)} boundary edges"
        )
    return "; ".join(lines)


def check_bracket(out: Path) -> str:
    import meshio
    import pyvista as pv

    m = meshio.read(out / "bracket_tet.msh")
    _require({"fixed", "bolt_holes", "load_hole", "free", "solid"} <= set(m.field_data), "groups")
    tets = np.vstack([c.data for c in m.cells if c.type == "tetra"])
    tris = np.vstack([c.data for c in m.cells if c.type == "triangle"])
    _require(5_000 <= len(tets) <= 30_000, f"bracket: {len(tets)} tets")
    vol = np.abs(_tet_volume(m.points, tets))
    _require(float(vol.min()) > 1e-6, f"bracket: degenerate tet (volume {vol.min():.2e} mm^3)")
    _require(float(_tri_area(m.points, tris).min()) > 1e-6, "bracket: degenerate triangle")
    _no_duplicate_points(m.points, "bracket_tet.msh")
    g = pv.read(out / "bracket_tet.vtu")
    _require(g.n_cells == len(tets), "bracket_tet.vtu: tet count differs from the .msh")
    _require(abs(g.volume - vol.sum()) < 1e-6 * vol.sum(), "bracket_tet.vtu: volume differs")
    _no_duplicate_points(np.asarray(g.points), "bracket_tet.vtu")
    return (
        f"bracket_tet.msh/.vtu {g.n_points} points, {len(tets)} tets, {len(tris)} boundary "
        f"triangles, volume {vol.sum():.0f} mm^3"
    )


def check_part(out: Path) -> str:
    import trimesh

    raw = (out / "part.stl").read_bytes()
    n_faces = int(np.frombuffer(raw[80:84], dtype="<u4")[0])
    _require(len(raw) == 84 + 50 * n_faces, "part.stl: not a binary STL")
    mesh = trimesh.load_mesh(out / "part.stl", process=True)
    _require(len(mesh.faces) == n_faces, "part.stl: faces lost when merging vertices")
    _require(mesh.is_watertight and mesh.is_winding_consistent, "part.stl: not watertight")
    _require(mesh.volume > 0, "part.stl: normals point inwards")
    _require(float(mesh.area_faces.min()) > 1e-8, "part.stl: degenerate triangle")
    genus = (2 - mesh.euler_number) // 2
    _require(genus == 7, f"part.stl: genus {genus}, expected 7 (bore + six bolt holes)")
    return f"part.stl {len(mesh.vertices)} vertices, {n_faces} triangles, genus {genus}"


def check_cloud(out: Path) -> str:
    import trimesh

    with np.load(out / "cloud.npz") as z:
        pts, nrm, rad = z["points"], z["normals"], z["radius"]
    _require(pts.shape == (CLOUD_POINTS, 3) and nrm.shape == pts.shape, "cloud.npz: shapes")
    _require(rad.shape == (CLOUD_POINTS,) and bool(np.isfinite(pts).all()), "cloud.npz: values")
    _require(np.allclose(np.linalg.norm(nrm, axis=1), 1, atol=1e-5), "cloud.npz: unit normals")
    xyz = np.loadtxt(out / "cloud.xyz")
    _require(np.allclose(xyz, pts, atol=1e-4), "cloud.xyz differs from cloud.npz")
    mesh = trimesh.load_mesh(out / "part.stl")
    _, dist, _ = trimesh.proximity.closest_point(mesh, pts.astype(np.float64))
    _require(float(dist.max()) < 1e-3, f"cloud: a point is {dist.max():.2e} mm off the part")
    return f"cloud.npz/.xyz {len(pts)} points, max distance to part.stl {dist.max():.1e} mm"


def check_airfoil_case(out: Path) -> str:
    import pyvista as pv

    case = out / "airfoil_case"
    total = sum(p.stat().st_size for p in case.rglob("*") if p.is_file())
    _require(total < MAX_BYTES, f"airfoil_case: {total} bytes")
    times = sorted((p.name for p in case.iterdir() if p.is_dir() and _is_time(p.name)), key=float)
    _require(len(times) == 2 and times[0] == "0", f"airfoil_case: time directories {times}")
    boundary = (case / "constant/polyMesh/boundary").read_text()
    for name, (typ, _) in _PATCH_TYPES.items():
        _require(re.search(rf"{name}\s*\{{\s*type\s+{typ};", boundary) is not None, f"patch {name}")
    reader = pv.OpenFOAMReader(str(case / "airfoil_case.foam"))
    reader.set_active_time_value(reader.time_values[-1])
    blocks = reader.read()
    internal = blocks["internalMesh"]
    _require({"U", "p", "nut", "nuTilda"} <= set(internal.cell_data), "airfoil_case: fields")
    _require(bool(np.isfinite(internal.cell_data["U"]).all()), "airfoil_case: non-finite U")
    coef = _read_coefficients(case)
    _, cd, cl = coef[-1]
    _require(0.45 < cl < 0.8 and 0.006 < cd < 0.03, f"implausible Cl {cl:.3f} / Cd {cd:.4f}")
    try:
        bashrc = _find_foam_bashrc()
    except MissingToolError:
        bashrc = ""
    if bashrc:
        with tempfile.TemporaryDirectory() as tmp:
            _checkmesh_ok(_foam(bashrc, case, "checkMesh -noFunctionObjects", Path(tmp) / "log"))
    return (
        f"airfoil_case {internal.n_cells} cells, {len(coef)} iterations, Cl {cl:.4f}, "
        f"Cd {cd:.5f}, {total / 1024:.0f} KiB" + ("" if bashrc else " (checkMesh skipped)")
    )


CHECKS: dict[str, Callable[[Path], str]] = {
    "airfoil_dat": check_airfoil_dat,
    "airfoil_2d": check_airfoil_2d,
    "bracket": check_bracket,
    "part": check_part,
    "cloud": check_cloud,
    "airfoil_case": check_airfoil_case,
}


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------

ITEMS: dict[str, Callable[[Path], list[Path]]] = {
    "airfoil_dat": make_airfoil_dat,
    "airfoil_2d": make_airfoil_2d,
    "bracket": make_bracket,
    "part": make_part,
    "cloud": make_cloud,
    "airfoil_case": make_airfoil_case,
}


def _in_fresh_process(fn: Callable[[Path], list[Path]], out: Path) -> list[Path]:
    """Run one item in a new interpreter.

    Gmsh keeps global node and element counters across ``initialize``/``finalize``, and the
    boundary-layer mesher orders nodes by them, so an item's mesh would depend on which items
    ran before it in the same process.
    """
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, (out,))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--only",
        action="append",
        choices=list(ITEMS),
        metavar="NAME",
        help=f"make only this item (repeatable): {', '.join(ITEMS)}",
    )
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: meshes/)")
    ap.add_argument("--check", action="store_true", help="only validate existing files")
    ap.add_argument("--list", action="store_true", help="list the items and exit")
    args = ap.parse_args(argv)
    if args.list:
        for name, fn in ITEMS.items():
            print(f"{name:14s} {(fn.__doc__ or '').splitlines()[0]}")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    failed = False
    for name in args.only or list(ITEMS):
        if not args.check:
            try:
                files = _in_fresh_process(ITEMS[name], args.out)
            except MissingToolError as exc:
                print(f"{name}: SKIPPED: {exc}")
                failed = True
                continue
            except RuntimeError as exc:
                print(f"{name}: FAILED: {exc}")
                failed = True
                continue
            big = [p for p in files if p.stat().st_size >= MAX_BYTES]
            if big:
                print(f"{name}: FAILED: over 2 MiB: {big}")
                failed = True
        try:
            print(f"{name}: OK: {CHECKS[name](args.out)}")
        except (CheckError, OSError, KeyError, ValueError) as exc:
            print(f"{name}: FAILED: {exc}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
