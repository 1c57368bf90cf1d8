"""AirfRANS-style metrics of airfoil surrogates."""

from __future__ import annotations

import numpy as np
import pytest

from geonop.aero.metrics import evaluate_surrogate, force_coefficients
from geonop.data.airfoil import AirfoilRANSDataset
from geonop.errors import InvalidArgumentError


@pytest.fixture(scope="module")
def test_split() -> AirfoilRANSDataset:
    return AirfoilRANSDataset(split="test", nondimensional=True)


@pytest.fixture(scope="module")
def stats() -> dict:
    train = AirfoilRANSDataset(split="train", nondimensional=True)
    return train.statistics(range(0, len(train), 10))


def test_force_coefficients_reproduce_openfoam(test_split) -> None:
    for i in (0, 5, 17):
        d = test_split[i]
        c = force_coefficients(d.surface_pos.numpy(), d.surface_normal.numpy(),
                               d.surface_length.numpy(), d.surface_y.numpy(), float(d.aoa_deg))
        assert c["cl"] == pytest.approx(float(d.cl), rel=1e-3, abs=1e-4)
        assert c["cd"] == pytest.approx(float(d.cd), rel=1e-3)


def test_oracle_scores_perfectly_and_a_mean_predictor_does_not(test_split, stats) -> None:
    idx = [0, 4, 9, 13]
    oracle = evaluate_surrogate(lambda d: (d.y.numpy(), d.surface_y.numpy()), test_split, stats,
                                idx).summary()
    assert oracle["nmse/volume"] == 0 and oracle["nmse/surface"] == 0
    assert oracle["cl_rel_error"] < 1e-6 and oracle["cl_spearman"] == pytest.approx(1.0)
    assert oracle["cases"] == 4
    vm = stats["y"].mean.numpy()
    sm = stats["surface_y"].mean.numpy()
    mean = evaluate_surrogate(lambda d: (np.tile(vm, (len(d.y), 1)), np.tile(sm, (len(d.surface_y), 1))),
                              test_split, stats, idx).summary()
    # predicting the training mean scores about the field variance: nmse ~ 1
    assert 0.3 < mean["nmse/volume/p"] < 3
    assert mean["cl_rel_error"] > 0.5


def test_needs_nondimensional_data_and_matching_shapes(test_split, stats) -> None:
    with pytest.raises(InvalidArgumentError, match="nondimensional"):
        evaluate_surrogate(lambda d: None, AirfoilRANSDataset(split="test"), stats, [0])
    with pytest.raises(InvalidArgumentError, match="do not match"):
        evaluate_surrogate(lambda d: (d.y.numpy()[:5], d.surface_y.numpy()), test_split, stats, [0])
