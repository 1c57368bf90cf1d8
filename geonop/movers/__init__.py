"""Mesh movers: r-adaptivity that keeps node count and connectivity.

- monitors (:mod:`~geonop.movers.monitor`): where resolution is needed, from a field;
- :class:`MongeAmpereMover`: the classical Monge-Ampere mover (relaxation, P1 elements);
- :class:`DataFreeMeshMover`: a learned mover trained on the Monge-Ampere equation alone,
  for any mesh or point cloud, that never tangles (:mod:`~geonop.movers.spectral`: its
  cosine-series Monge-Ampere relaxation);
- :class:`MoverPlacement`: latent/query node placement for operators, with a mover
  (:class:`~geonop.models.latent_grid.LatentGridOperator` takes it as ``placement="mover"``;
  :class:`FrontReconstructionDataset` is the sharp-front task it is measured on);
- quality measures (:mod:`~geonop.movers.quality`), the no-tangling check
  (:func:`untangle_scale`), test fields with sharp fronts and meshes of rectangles.

Domains: axis-aligned rectangles; polygons with straight sides (L-shapes, holes) are supported
with caveats (see ``docs/movers.md``).
"""

from geonop.movers.dataset import FrontFieldDataset, mesh_data, monitor_statistics
from geonop.movers.field_dataset import FrontReconstructionDataset
from geonop.movers.fields import FrontField, random_front_field
from geonop.movers.grids import (
    BoundarySegments,
    boundary_segments,
    boundary_sides,
    jittered_delaunay_mesh,
    orient_counterclockwise,
    punched_mesh,
    structured_triangle_mesh,
)
from geonop.movers.learned import DataFreeMeshMover
from geonop.movers.monge_ampere import MongeAmpereMover, MoveResult, monge_ampere_residual
from geonop.movers.monitor import (
    analytic_gradient_monitor,
    analytic_hessian_monitor,
    gradient_monitor,
    hessian_monitor,
    recovered_gradient,
    recovered_hessian,
)
from geonop.movers.placement import MoverPlacement, shipped_mover_checkpoint
from geonop.movers.quality import (
    equidistribution,
    interpolate_linear,
    interpolation_error,
    minimum_angle,
    signed_areas,
    tangled_cells,
)
from geonop.movers.untangle import untangle_scale

__all__ = [
    "BoundarySegments",
    "DataFreeMeshMover",
    "FrontField",
    "FrontFieldDataset",
    "FrontReconstructionDataset",
    "MongeAmpereMover",
    "MoveResult",
    "MoverPlacement",
    "analytic_gradient_monitor",
    "analytic_hessian_monitor",
    "boundary_segments",
    "boundary_sides",
    "equidistribution",
    "gradient_monitor",
    "hessian_monitor",
    "interpolate_linear",
    "interpolation_error",
    "jittered_delaunay_mesh",
    "mesh_data",
    "minimum_angle",
    "monge_ampere_residual",
    "monitor_statistics",
    "orient_counterclockwise",
    "punched_mesh",
    "random_front_field",
    "recovered_gradient",
    "recovered_hessian",
    "shipped_mover_checkpoint",
    "signed_areas",
    "structured_triangle_mesh",
    "tangled_cells",
    "untangle_scale",
]
