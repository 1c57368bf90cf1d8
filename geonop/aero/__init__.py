"""Aerodynamics surrogates: train, evaluate and use models of flows around airfoils.

- :mod:`~geonop.aero.metrics`: AirfRANS-style accuracy (fields, surface, C_L/C_D).
- :mod:`~geonop.aero.training`: train any model on the airfoil data for a time budget.
- :mod:`~geonop.aero.surrogate`: :class:`AirfoilSurrogate`, predictions from a shape alone.
- :mod:`~geonop.aero.plots`: field, Cp and C_L/C_D pictures.
- :mod:`~geonop.aero.demo`: the main job (``geonop demo``).
"""

from geonop.aero.metrics import AeroReport, evaluate_surrogate, force_coefficients
from geonop.aero.surrogate import AirfoilPrediction, AirfoilSurrogate
from geonop.aero.training import airfoil_datasets, model_predictor, train_for_budget

__all__ = ["AeroReport", "AirfoilPrediction", "AirfoilSurrogate", "airfoil_datasets", "evaluate_surrogate", "force_coefficients",
           "model_predictor", "train_for_budget"]
