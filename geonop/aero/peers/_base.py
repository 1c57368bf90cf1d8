"""What every trained peer of the airfoil benchmark shares with the neural-field operator.

A peer predicts normalised volume fields at ``data.pos`` and surface fields at
``data.surface_pos`` in one call (``forward_all``). Inputs, the loss, the validation metrics
and ``predict_all`` (what :func:`~geonop.aero.training.model_predictor` calls) come from
:class:`~geonop.models.volume_surface.VolumeSurfaceModel`, the base of
:class:`~geonop.models.neural_field.NeuralFieldOperator` too, so every model of the
benchmark is trained and scored the same way.
"""

from __future__ import annotations

from geonop.models.volume_surface import VolumeSurfaceModel


class AeroPeer(VolumeSurfaceModel):
    """Base class of the benchmark's peers (2D, Reynolds number and angle of attack as
    global inputs): subclasses implement ``forward_all`` and set ``surface_weight``."""

    pos_dim: int = 2
    global_channels: int = 2
