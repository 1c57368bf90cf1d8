"""Peers of the neural-field operator in the airfoil benchmark (``benchmarks/bench_aero.py``).

Trained peers (:class:`~geonop.models.base.GeonopModel` subclasses with ``predict_all``,
trained by :func:`~geonop.aero.training.train_for_budget`):

- :class:`PointwiseMLP`: position, signed distance, wall direction and inflow -> fields;
- :class:`GraphSAGEPeer`: GraphSAGE on the kNN graph of the CFD mesh points and wall faces;
- :class:`GINOPeer`: ``neuralop.models.GINO`` (``neuraloperator==2.0.0``, extra ``bench``).

Untrained: :func:`nearest_case_predictor`, the nearest training case interpolated onto the
test points.
"""

from geonop.aero.peers._base import AeroPeer
from geonop.aero.peers.gino import GINOPeer, neuralop_available, wall_signed_distance
from geonop.aero.peers.graph_sage import GraphSAGEPeer
from geonop.aero.peers.nearest import (
                                       NearestCasePredictor,
                                       nearest_case_predictor,
                                       shape_descriptor,
                                       wall_arc_parameter,
)
from geonop.aero.peers.pointwise import PointwiseMLP

__all__ = ["AeroPeer", "GINOPeer", "GraphSAGEPeer", "NearestCasePredictor", "PointwiseMLP",
           "nearest_case_predictor", "neuralop_available", "shape_descriptor",
           "wall_arc_parameter", "wall_signed_distance"]
