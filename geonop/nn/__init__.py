"""Neural-network layers of geonop's operators.

* :class:`MLP`: perceptron with LayerNorm (GNS block).
* :class:`InteractionNetwork`, :class:`InteractionProcessor`: residual message passing.
* :class:`KernelIntegral`: graph-neural-operator kernel integral over a radius ball,
  between point sets of any sizes (chunked over queries).
"""

from geonop.nn.interaction_network import InteractionNetwork, InteractionProcessor
from geonop.nn.kernel_integral import KernelIntegral
from geonop.nn.mlp import MLP

__all__ = ["MLP", "InteractionNetwork", "InteractionProcessor", "KernelIntegral"]
