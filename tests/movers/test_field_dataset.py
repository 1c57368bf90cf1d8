"""FrontReconstructionDataset: sharp-front fields sampled on a grid, targets at query points."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from geonop.errors import CorruptFileError, InvalidArgumentError
from geonop.movers import FrontReconstructionDataset


def test_full_sample_and_training_view():
    ds = FrontReconstructionDataset(num_samples=3, input_resolution=10, query_points=20,
                                    eval_resolution=4, seed=1)
    full = ds[1]
    assert full.input_pos.shape == (100, 2) and full.input_x.shape == (100, 1)
    assert full.pos.shape == (16, 2) and full.y.shape == (16, 1)
    np.testing.assert_allclose(np.unique(full.pos[:, 0].numpy()), [0.125, 0.375, 0.625, 0.875])
    field = ds.field(1)
    np.testing.assert_allclose(full.y[:, 0].numpy(), field.value(full.pos.double().numpy()),
                               atol=1e-6)
    np.testing.assert_allclose(full.input_x[:, 0].numpy(),
                               field.value(full.input_pos.double().numpy()), atol=1e-6)
    view = ds[(1, 7)]
    assert view.pos.shape == (20, 2) and torch.equal(view.input_x, full.input_x)
    assert torch.equal(ds[(1, 7)].pos, view.pos) and not torch.equal(ds[(1, 8)].pos, view.pos)
    assert not torch.equal(ds[0].input_x, full.input_x)  # another field
    # a front is thinner than the input spacing: the field has a sharp jump somewhere
    assert float(full.input_x.max() - full.input_x.min()) > 0.5


def test_same_arguments_same_fields_and_statistics():
    a = FrontReconstructionDataset(num_samples=4, input_resolution=8, seed=5)
    b = FrontReconstructionDataset(num_samples=4, input_resolution=8, seed=5)
    c = FrontReconstructionDataset(num_samples=4, input_resolution=8, seed=6)
    assert torch.equal(a[3].y, b[3].y) and not torch.equal(a[3].y, c[3].y)
    stats = a.statistics()
    assert set(stats) == {"input_x", "y"}
    assert a.spec()["model_args"] == {"in_channels": 1, "out_channels": 1}


def test_root_keeps_a_copy_of_the_fields(tmp_path):
    a = FrontReconstructionDataset(tmp_path, num_samples=5, input_resolution=8, seed=2)
    files = list(tmp_path.glob("fronts-*.npz"))
    assert len(files) == 1
    with np.load(files[0]) as f:
        assert f["fronts"].shape == (5, 2, 6)
        np.testing.assert_array_equal(f["fronts"][3], a.field(3).params)
    # read back, not redrawn: edit the file and the dataset follows it
    with np.load(files[0]) as f:
        fronts = f["fronts"].copy()
    fronts[0, :, 1] = 0.0  # amplitudes: a flat field
    np.savez(files[0], fronts=fronts)
    b = FrontReconstructionDataset(tmp_path, num_samples=5, input_resolution=8, seed=2)
    assert float(b[0].y.abs().max()) == 0.0 and torch.equal(b[4].y, a[4].y)
    files[0].write_bytes(b"not an npz")
    with pytest.raises(CorruptFileError, match="fronts"):
        FrontReconstructionDataset(tmp_path, num_samples=5, input_resolution=8, seed=2)


def test_bad_arguments():
    for kwargs, word in [({"num_samples": 0}, "num_samples"), ({"input_resolution": 1}, "input"),
                         ({"query_points": 0}, "query_points"), ({"width_range": [0.0, 0.1]},
                                                                   "width_range"),
                         ({"width_range": [0.1]}, "width_range"), ({"max_fronts": 0}, "max_fronts")]:
        with pytest.raises(InvalidArgumentError, match=word):
            FrontReconstructionDataset(**kwargs)
