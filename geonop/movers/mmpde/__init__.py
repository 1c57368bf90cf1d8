"""MM-PDE: a neural solver of 2D viscous Burgers on a moving mesh, and its data.

- :mod:`~geonop.movers.mmpde.burgers`: the finite-difference reference solver
  (:func:`solve_burgers`), its exact Cole-Hopf solution and random initial conditions;
- :mod:`~geonop.movers.mmpde.dataset`: trajectories (the shipped
  ``datasets/burgers/burgers_32.npz``) and one-step samples with moved nodes
  (:class:`BurgersTransitions`);
- :mod:`~geonop.movers.mmpde.moving`: the nodes the classical Monge-Ampere mover places
  from a state (:func:`move_grid`);
- :mod:`~geonop.movers.mmpde.interpolation`: learnable interpolation exact on linear fields;
- :mod:`~geonop.movers.mmpde.model`: :class:`MMPDE`, the two-branch solver (``mover=
  "identity"`` gives the fixed-mesh baseline).

See ``docs/mmpde.md``.
"""

from geonop.movers.mmpde.burgers import (
    burgers_rhs,
    cole_hopf_solution,
    grid_points,
    random_initial_condition,
    solve_burgers,
    stable_time_step,
)
from geonop.movers.mmpde.dataset import (
    DEFAULT_SETUP,
    DEFAULT_TEST_TRAJECTORIES,
    BurgersTransitions,
    default_data_path,
    generate_burgers_data,
    load_burgers_data,
    save_burgers_data,
    split_trajectories,
)
from geonop.movers.mmpde.interpolation import LearnableInterpolation, knn_indices
from geonop.movers.mmpde.model import MMPDE, periodic_grid_edges
from geonop.movers.mmpde.moving import MOVERS, grid_mesh, move_grid

__all__ = [
    "DEFAULT_SETUP",
    "DEFAULT_TEST_TRAJECTORIES",
    "MMPDE",
    "MOVERS",
    "BurgersTransitions",
    "LearnableInterpolation",
    "burgers_rhs",
    "cole_hopf_solution",
    "default_data_path",
    "generate_burgers_data",
    "grid_mesh",
    "grid_points",
    "knn_indices",
    "load_burgers_data",
    "move_grid",
    "periodic_grid_edges",
    "random_initial_condition",
    "save_burgers_data",
    "solve_burgers",
    "split_trajectories",
    "stable_time_step",
]
