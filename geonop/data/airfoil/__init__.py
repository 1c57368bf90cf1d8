"""RANS airfoil data: NACA geometry, Gmsh meshes, OpenFOAM cases, and the stored dataset.

- :mod:`~geonop.data.airfoil.naca`: NACA 4- and 5-digit coordinates, ``.dat`` airfoils.
- :mod:`~geonop.data.airfoil.mesher`: wall-resolved one-cell-thick meshes (Gmsh).
- :mod:`~geonop.data.airfoil.openfoam_case`: write, run and monitor a ``simpleFoam`` case.
- :mod:`~geonop.data.airfoil.extract`: fields and wall quantities of a solved case; force
  re-integration.
- :mod:`~geonop.data.airfoil.generate`: many cases in parallel, resumable.
- :mod:`~geonop.data.airfoil.dataset`: :class:`AirfoilRANSDataset`, the stored dataset.
- :mod:`~geonop.data.airfoil.potential`: :class:`PotentialFlow`, the inviscid flow of a
  panel method (the surrogate's physical prior).
"""

from geonop.data.airfoil.dataset import AirfoilRANSDataset, default_root
from geonop.data.airfoil.extract import CaseFields, extract_case, integrate_coefficients
from geonop.data.airfoil.generate import (
    CaseSpec,
    ShapeSpec,
    generate_dataset,
    plan_cases,
    run_shape,
    summarize,
    write_index,
)
from geonop.data.airfoil.mesher import MeshOptions, first_cell_height, write_airfoil_mesh
from geonop.data.airfoil.naca import (
    Airfoil,
    airfoil_from_points,
    mean_line,
    naca,
    naca4,
    naca5,
    read_airfoil_dat,
)
from geonop.data.airfoil.openfoam_case import (
    NU_AIR,
    FlowConditions,
    OpenFOAMNotFoundError,
    SolverError,
    SolveResult,
    SolverSettings,
    build_polymesh,
    find_foam_bashrc,
    openfoam_available,
    solve,
    write_case,
)
from geonop.data.airfoil.potential import PotentialFlow

__all__ = [
    "NU_AIR",
    "Airfoil",
    "AirfoilRANSDataset",
    "CaseFields",
    "CaseSpec",
    "FlowConditions",
    "MeshOptions",
    "OpenFOAMNotFoundError",
    "PotentialFlow",
    "ShapeSpec",
    "SolveResult",
    "SolverError",
    "SolverSettings",
    "airfoil_from_points",
    "build_polymesh",
    "default_root",
    "extract_case",
    "find_foam_bashrc",
    "first_cell_height",
    "generate_dataset",
    "integrate_coefficients",
    "mean_line",
    "naca",
    "naca4",
    "naca5",
    "openfoam_available",
    "plan_cases",
    "read_airfoil_dat",
    "run_shape",
    "solve",
    "summarize",
    "write_airfoil_mesh",
    "write_case",
    "write_index",
]
