"""Neural-network layers of geonop's operators.

* :class:`MLP`: perceptron with LayerNorm (GNS block).
* :class:`InteractionNetwork`, :class:`InteractionProcessor`: residual message passing.
* :class:`KernelIntegral`: graph-neural-operator kernel integral over a radius ball,
  between point sets of any sizes (chunked over queries).
* :class:`ModulatedAttentionBlock`: attention between point sets anchored in space, with a
  learned spatial bias per head and adaptive-LayerNorm conditioning.
* :class:`FourierEncoding`, :class:`DistanceEncoding`: fixed position and distance features.
"""

from geonop.nn.attention import ModulatedAttentionBlock
from geonop.nn.encodings import DistanceEncoding, FourierEncoding
from geonop.nn.interaction_network import InteractionNetwork, InteractionProcessor
from geonop.nn.kernel_integral import KernelIntegral
from geonop.nn.mlp import MLP

__all__ = ["MLP", "DistanceEncoding", "FourierEncoding", "InteractionNetwork",
           "InteractionProcessor", "KernelIntegral", "ModulatedAttentionBlock"]
