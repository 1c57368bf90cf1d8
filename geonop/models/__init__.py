"""geonop's trainable operators.

Every model derives from :class:`GeonopModel`, which records its constructor arguments
so that :func:`geonop.load` rebuilds it from a checkpoint, and registers it by class
name for configs (``model.name: FieldMLP``).
"""

from geonop.models.base import (
    GeonopModel,
    StepOutput,
    build_model,
    check_arguments,
    model_class,
    registered_models,
)
from geonop.models.field_mlp import FieldMLP
from geonop.models.latent_grid import LatentGridOperator
from geonop.models.neural_field import NeuralFieldOperator
from geonop.models.particles import GNS, GraphInteractionOperator
from geonop.models.volume_surface import VolumeSurfaceModel

__all__ = [
    "GNS",
    "FieldMLP",
    "GeonopModel",
    "GraphInteractionOperator",
    "LatentGridOperator",
    "NeuralFieldOperator",
    "StepOutput",
    "VolumeSurfaceModel",
    "build_model",
    "check_arguments",
    "model_class",
    "registered_models",
]
