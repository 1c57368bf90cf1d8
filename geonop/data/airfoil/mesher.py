"""Wall-resolved 2D meshes around an airfoil, one cell thick, for OpenFOAM (Gmsh).

The domain is a disc of radius :attr:`MeshOptions.far_field_radius` chords centred at
mid-chord. Next to the wall a quad boundary layer (Gmsh ``BoundaryLayer`` field) grows
geometrically from :attr:`MeshOptions.first_cell`, with a fan of quads at the sharp trailing
edge; unstructured triangles (frontal-Delaunay) fill the rest, growing linearly with the
distance to the airfoil. The 2D mesh is extruded one cell thick along z (quads -> hexahedra,
triangles -> prisms) so ``gmshToFoam`` can read it.

Physical groups (patch names in OpenFOAM): ``airfoil`` (wall), ``farfield``,
``frontAndBack`` (the two z faces, ``empty``), volume ``fluid``.

Wall nodes follow a "Bump" law on each surface, dense at the leading and trailing edges, so
the leading-edge suction peak of thin sections is resolved with 200 wall faces in all. The first cell
height sets y+: :func:`first_cell_height` gives the height for a target y+ from the
flat-plate skin friction at the highest Reynolds number a mesh is used for.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Union

import numpy as np

from geonop.data.airfoil.naca import Airfoil
from geonop.errors import InvalidArgumentError, WriteError

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class MeshOptions:
    """Mesh parameters (lengths in chords; the chord is 1 m).

    Attributes
    ----------
    far_field_radius : float
        Radius of the circular outer boundary around mid-chord (at least 15).
    first_cell : float
        Height of the first wall cell.
    growth : float
        Geometric growth ratio of the boundary-layer cells.
    bl_thickness : float
        Total thickness of the quad boundary layer.
    wall_nodes : int
        Nodes on each surface (upper, lower), Bump-clustered at both edges.
    wall_bump : float
        Gmsh "Bump" coefficient of the wall nodes: the smaller, the denser at the edges
        (0.04 gives ~7e-4 m faces at the leading edge and ~1.5e-2 m at mid-chord with 100
        nodes, enough for the ~3e-3 m nose radius of a 5 % thick section).
    far_nodes : int
        Nodes on each quarter of the outer circle.
    near_size, size_growth, max_size : float
        Triangle size ``min(near_size + size_growth * d, max_size)`` at distance ``d``
        from the airfoil.
    le_size, le_growth : float
        Finer triangles around the leading edge: size at most ``le_size + le_growth * r``
        at distance ``r`` from it. Without them the cell size jumps tenfold at the edge of
        the boundary layer ahead of the nose and the flow loses ~5 % of its total pressure
        there (stagnation Cp 0.95 instead of 1).
    span : float
        Extrusion thickness along z (m).
    """

    far_field_radius: float = 20.0
    first_cell: float = 4.5e-6
    growth: float = 1.25
    bl_thickness: float = 0.04
    wall_nodes: int = 100
    wall_bump: float = 0.04
    far_nodes: int = 12
    near_size: float = 0.025
    size_growth: float = 0.15
    max_size: float = 2.5
    le_size: float = 0.003
    le_growth: float = 0.2
    span: float = 0.1

    def __post_init__(self) -> None:
        if self.far_field_radius < 15:
            raise InvalidArgumentError(
                f"far_field_radius: {self.far_field_radius} chords is too close (need >= 15)")
        if not 0 < self.first_cell < self.bl_thickness:
            raise InvalidArgumentError(
                f"first_cell: {self.first_cell} must be positive and below bl_thickness "
                f"{self.bl_thickness}")
        if not 1.0 < self.growth < 2.0:
            raise InvalidArgumentError(f"growth: {self.growth} must be in (1, 2)")
        if self.wall_nodes < 20 or self.far_nodes < 4:
            raise InvalidArgumentError(
                f"wall_nodes {self.wall_nodes} / far_nodes {self.far_nodes}: too few (>= 20 / >= 4)")
        if not 0 < self.wall_bump <= 1:
            raise InvalidArgumentError(f"wall_bump: {self.wall_bump} must be in (0, 1]")
        if min(self.near_size, self.size_growth, self.max_size, self.span, self.le_size,
               self.le_growth) <= 0:
            raise InvalidArgumentError("near_size, size_growth, max_size and span must be positive")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def first_cell_height(reynolds: float, y_plus: float = 1.0, nu: float = 1.56e-5) -> float:
    """Wall-cell height (m, chord 1 m) that gives ``y_plus`` at Reynolds number ``reynolds``.

    Uses the flat-plate skin friction ``Cf = (2 log10(Re) - 0.65)^-2.3`` (Schlichting), so
    ``u_tau = U sqrt(Cf / 2)`` and ``h = y+ nu / u_tau``. The local friction near the
    leading edge is higher, so the y+ there is up to a few times the target.
    """
    if reynolds <= 0 or y_plus <= 0 or nu <= 0:
        raise InvalidArgumentError("reynolds, y_plus and nu must be positive")
    cf = (2.0 * math.log10(reynolds) - 0.65) ** -2.3
    u = reynolds * nu  # chord 1 m
    return y_plus * nu / (u * math.sqrt(0.5 * cf))


def _start(name: str) -> ModuleType:
    from geonop.optional import require

    gmsh = require("gmsh", "meshing an airfoil")
    if gmsh.isInitialized():
        gmsh.finalize()
    gmsh.initialize(readConfigFiles=False, interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.option.setNumber("General.Verbosity", 1)
    gmsh.option.setNumber("General.NumThreads", 1)  # threaded meshing is not reproducible
    gmsh.model.add(name)
    return gmsh


def _canonicalise(gmsh: ModuleType) -> None:
    """Store each entity's elements in centroid order.

    ``gmshToFoam`` numbers cells and faces in file order; Gmsh orders boundary-layer
    elements by memory address. Sorting by centroid makes the OpenFOAM mesh (and hence the
    solver's iteration count) repeatable, and gives cells spatial locality.
    """
    tags, coords, _ = gmsh.model.mesh.getNodes()
    tags = tags.astype(np.int64)
    xyz = np.zeros((int(tags.max()) + 1, 3))
    xyz[tags] = coords.reshape(-1, 3)
    grid = 1e-10 * float(np.ptp(xyz[tags], axis=0).max())
    for dim, tag in gmsh.model.getEntities():
        types, _, nodes = gmsh.model.mesh.getElements(dim, tag)
        for etype, enodes in zip(types, nodes):
            k = gmsh.model.mesh.getElementProperties(etype)[3]
            centre = xyz[enodes.astype(np.int64).reshape(-1, k)].mean(axis=1)
            key = np.round(centre / grid).astype(np.int64)
            order = np.lexsort((key[:, 2], key[:, 1], key[:, 0]))
            gmsh.model.mesh.reorderElements(int(etype), tag, order.tolist())
    gmsh.model.mesh.renumberElements()


def write_airfoil_mesh(airfoil: Airfoil, path: PathLike, options: MeshOptions = MeshOptions()) -> dict[str, int]:
    """Mesh the flow domain around ``airfoil`` and write it as Gmsh 2.2 ASCII (``gmshToFoam``).

    Parameters
    ----------
    airfoil : Airfoil
        Unit chord, sharp trailing edge (:func:`~geonop.data.airfoil.naca.naca`).
    path : path
        Output ``.msh`` file.
    options : MeshOptions
        Sizes and counts.

    Returns
    -------
    dict
        ``{"nodes", "quads", "triangles", "wall_faces"}`` of the 2D mesh before extrusion.
    """
    gmsh = _start("airfoil")
    try:
        counts = _build(gmsh, airfoil, options)
        gmsh.option.setNumber("Mesh.Binary", 0)
        gmsh.option.setNumber("Mesh.MshFileVersion", 2.2)  # what gmshToFoam v1912 reads
        p = Path(path)
        try:
            gmsh.write(str(p))
        except Exception as exc:
            raise WriteError(p, f"Gmsh could not write the mesh ({exc})") from exc
        return counts
    finally:
        gmsh.finalize()


def _build(gmsh: ModuleType, airfoil: Airfoil, o: MeshOptions) -> dict[str, int]:
    g = gmsh.model.geo
    z0 = -0.5 * o.span
    up, lo = airfoil.upper, airfoil.lower
    le = g.addPoint(float(up[0, 0]), float(up[0, 1]), z0)
    te = g.addPoint(float(up[-1, 0]), float(up[-1, 1]), z0)
    c_up = g.addSpline([te] + [g.addPoint(x, y, z0) for x, y in up[-2:0:-1]] + [le])
    c_lo = g.addSpline([le] + [g.addPoint(x, y, z0) for x, y in lo[1:-1]] + [te])
    r, cx = o.far_field_radius, 0.5
    centre = g.addPoint(cx, 0.0, z0)
    ring = [g.addPoint(cx + r * math.cos(a), r * math.sin(a), z0)
            for a in (0.0, 0.5 * math.pi, math.pi, 1.5 * math.pi)]
    arcs = [g.addCircleArc(ring[i], centre, ring[(i + 1) % 4]) for i in range(4)]
    surf = g.addPlaneSurface([g.addCurveLoop(arcs), g.addCurveLoop([c_up, c_lo])])
    # extrude before setting mesh constraints: a later geo.synchronize() would drop them
    ext = g.extrude([(2, surf)], 0.0, 0.0, o.span, numElements=[1], recombine=True)
    g.synchronize()

    mesh = gmsh.model.mesh
    for c in (c_up, c_lo):
        mesh.setTransfiniteCurve(c, o.wall_nodes, "Bump", o.wall_bump)
    for a in arcs:
        mesh.setTransfiniteCurve(a, o.far_nodes)
    fld = mesh.field
    bl = fld.add("BoundaryLayer")
    fld.setNumbers(bl, "CurvesList", [c_up, c_lo])
    fld.setNumber(bl, "Size", o.first_cell)
    fld.setNumber(bl, "Ratio", o.growth)
    fld.setNumber(bl, "Thickness", o.bl_thickness)
    fld.setNumber(bl, "Quads", 1)
    fld.setNumbers(bl, "FanPointsList", [te])
    fld.setAsBoundaryLayer(bl)
    dist = fld.add("Distance")
    fld.setNumbers(dist, "CurvesList", [c_up, c_lo])
    fld.setNumber(dist, "Sampling", 400)
    nose = fld.add("Distance")
    fld.setNumbers(nose, "PointsList", [le])
    size = fld.add("MathEval")
    fld.setString(size, "F", f"min(min({o.near_size} + {o.size_growth} * F{dist}, "
                             f"{o.le_size} + {o.le_growth} * F{nose}), {o.max_size})")
    fld.setAsBackgroundMesh(size)
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
    gmsh.option.setNumber("Mesh.Algorithm", 6)

    lateral = [tag for dim, tag in ext[2:] if dim == 2]  # in the order of the surface's curves
    gmsh.model.addPhysicalGroup(2, lateral[4:], name="airfoil")
    gmsh.model.addPhysicalGroup(2, lateral[:4], name="farfield")
    gmsh.model.addPhysicalGroup(2, [surf, ext[0][1]], name="frontAndBack")
    gmsh.model.addPhysicalGroup(3, [ext[1][1]], name="fluid")
    mesh.generate(3)
    _canonicalise(gmsh)

    counts = {"nodes": 0, "quads": 0, "triangles": 0, "wall_faces": 0}
    types, elems, _ = mesh.getElements(2, surf)
    for t, e in zip(types, elems):
        name = gmsh.model.mesh.getElementProperties(t)[0].lower()
        counts["quads" if "quad" in name else "triangles"] += len(e)
    counts["nodes"] = len(mesh.getNodes(2, surf, includeBoundary=True)[0])
    for tag in lateral[4:]:
        counts["wall_faces"] += sum(len(e) for e in mesh.getElements(2, tag)[1])
    return counts
