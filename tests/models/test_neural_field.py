"""NeuralFieldOperator: shapes, batching, chunking, query independence, training, reload."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Batch, Data

from geonop.data.base import GeometryDataset
from geonop.errors import InvalidArgumentError
from geonop.models.neural_field import NeuralFieldOperator
from geonop.train import Trainer
from tests.models.synthetic_airfoil import ellipse_airfoil as _airfoil


def _model(**kw) -> NeuralFieldOperator:
    torch.manual_seed(0)
    args = {"hidden_channels": 16, "heads": 2, "processor_layers": 1, "decoder_layers": 1,
                "anchor_sources": 8, "far_anchors": 4}
    args.update(kw)
    m = NeuralFieldOperator(4, 3, 2, 2, **args)
    # random gates so that every block contributes (they start at zero)
    for name, p in m.named_parameters():
        if "modulation" in name or "gates" in name:
            torch.nn.init.normal_(p, std=0.3)
    return m.eval()


def _batch(*data: Data) -> Batch:
    return Batch.from_data_list(list(data), follow_batch=["surface_pos"])


def test_shapes_and_repr() -> None:
    m = _model()
    vol, surf = m.forward_all(_batch(_airfoil(30, 0), _airfoil(20, 1)))
    assert vol.shape == (50, 4) and surf.shape == (80, 3)
    assert m(_batch(_airfoil(30, 0))).shape == (30, 4)
    assert repr(m).startswith("NeuralFieldOperator(out_channels=4, surface_channels=3")


@pytest.mark.parametrize("neighbors", [0, 32])
def test_batch_equals_single_samples(neighbors: int) -> None:
    m = _model(decoder_neighbors=neighbors)
    d0, d1 = _airfoil(30, 0), _airfoil(25, 1, m=36)  # different surface sizes: padded tokens
    vol, surf = m.forward_all(_batch(d0, d1))
    v0, s0 = m.forward_all(_batch(d0))
    v1, s1 = m.forward_all(_batch(d1))
    torch.testing.assert_close(vol, torch.cat([v0, v1]), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(surf, torch.cat([s0, s1]), atol=1e-5, rtol=1e-4)


def test_chunked_decoding_and_query_independence() -> None:
    """A point's prediction depends on the geometry and conditions, not on the other
    queries: chunks of 7 and any subset give the same values (zero-shot resolution)."""
    d = _airfoil(100, 2)
    full = _model()(_batch(d))
    chunked = _model(chunk_size=7)(_batch(d))
    torch.testing.assert_close(chunked, full, atol=1e-5, rtol=1e-4)
    sub = d.clone()
    keep = torch.arange(0, 100, 3)
    sub.pos, sub.x, sub.y = d.pos[keep], d.x[keep], d.y[keep]
    torch.testing.assert_close(_model()(_batch(sub)), full[keep], atol=1e-5, rtol=1e-4)


def test_local_decoder_option() -> None:
    d = _airfoil(40, 3)
    dense = _model()(_batch(d))
    local = _model(decoder_neighbors=6)(_batch(d))
    assert local.shape == dense.shape and not torch.allclose(local, dense)


def test_conditions_change_the_prediction() -> None:
    m = _model()
    d = _airfoil(20, 4)
    d2 = d.clone()
    d2.u = torch.tensor([[3.0, -5.0]])
    assert not torch.allclose(m(_batch(d)), m(_batch(d2)))


def test_bad_inputs() -> None:
    m = _model()
    d = _airfoil(10, 5)
    bad = d.clone()
    bad.x = d.x[:, :1]
    with pytest.raises(InvalidArgumentError, match="signed distance"):
        m(_batch(bad))
    bad = d.clone()
    del bad.surface_normal
    with pytest.raises(InvalidArgumentError, match="surface_normal"):
        m(_batch(bad))
    bad = d.clone()
    bad.u = torch.zeros(1, 5)
    with pytest.raises(InvalidArgumentError, match="u of shape"):
        m(_batch(bad))
    with pytest.raises(InvalidArgumentError):
        NeuralFieldOperator(4, pos_dim=4)


class _Synthetic(GeometryDataset):
    normalized_fields = ("u", "y", "surface_y")

    def __init__(self, root: str = "", n: int = 6) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def get(self, index: int, seed: int | None = None) -> Data:
        return _airfoil(64, index)

    def spec(self) -> dict:
        return {"targets": [["a", 2], ["b", 1], ["c", 1]], "surface_targets": [["p", 1], ["t", 2]]}


def test_trains_through_the_trainer_and_reloads(tmp_path, one_thread) -> None:
    import geonop

    torch.manual_seed(0)
    m = NeuralFieldOperator(4, 3, 2, 2, hidden_channels=16, heads=2, processor_layers=1,
                            decoder_layers=1, anchor_sources=8, far_anchors=4)
    ds = _Synthetic()
    cfg = {"max_steps": 60, "lr": 3e-3, "eval_every": 0, "checkpoint_every": 0,
           "progress": "off", "tensorboard": "off", "warmup_steps": 5}
    trainer = Trainer(m, ds, val_dataset=ds, config=cfg, output_dir=tmp_path, batch_size=2,
                      verbose=False)
    trainer.fit()
    metrics = trainer.metrics
    assert {"nmse/a", "nmse/surface/p", "rel_l2/surface/t", "loss"} <= set(metrics)
    assert metrics["loss"] < 1.0  # normalised MSE well below predicting the mean (= 1 + 1)
    loaded = geonop.load(trainer.last_checkpoint)
    assert loaded.surface_fields == [["p", 1], ["t", 2]]
    b = _batch(ds[0], ds[1])
    v0, s0 = m.eval().predict_all(b)
    v1, s1 = loaded.predict_all(b)
    torch.testing.assert_close(v1, v0)
    torch.testing.assert_close(s1, s0)


def _with_prior(d: Data, seed: int) -> Data:
    g = torch.Generator().manual_seed(100 + seed)
    d = d.clone()
    d.prior = torch.randn(d.pos.shape[0], 3, generator=g)
    d.surface_prior = torch.randn(d.surface_pos.shape[0], 3, generator=g)
    return d


def test_prior_residual_is_added_in_the_output_units() -> None:
    """With the last layers zeroed the outputs are exactly the prior on the residual
    channels (in raw units, through the normaliser) and the mean elsewhere."""
    from geonop.data.normalization import FieldStats

    m = _model(prior_channels=3, residual=[[0, 0], [2, 2]], surface_residual=[[0, 2]])
    stats = {"y": FieldStats(torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([2.0, 1.0, 4.0, 1.0]), 10),
             "surface_y": FieldStats(torch.tensor([0.5, 0.0, 0.0]), torch.tensor([2.0, 1.0, 1.0]), 10),
             "prior": FieldStats(torch.zeros(3), torch.ones(3), 10),
             "surface_prior": FieldStats(torch.zeros(3), torch.ones(3), 10)}
    m.set_normalization(stats)
    for head in (m.volume_head, m.surface_head):
        last = [mod for mod in head.modules() if isinstance(mod, torch.nn.Linear)][-1]
        torch.nn.init.zeros_(last.weight)
        torch.nn.init.zeros_(last.bias)
    d = _with_prior(_airfoil(12, 0), 0)
    vol, surf = m.predict_all(_batch(d))
    torch.testing.assert_close(vol[:, 0], d.prior[:, 0])
    torch.testing.assert_close(vol[:, 2], d.prior[:, 2])
    torch.testing.assert_close(vol[:, 1], torch.full((12,), 2.0))   # no residual: the mean
    torch.testing.assert_close(surf[:, 0], d.surface_prior[:, 2])
    # the prior is also an input: changing it changes the non-residual channels
    d2 = d.clone()
    d2.prior = d.prior + 1.0
    m2 = _model(prior_channels=3)
    assert not torch.allclose(m2(_batch(d)), m2(_batch(d2)))


def test_prior_batching_and_errors() -> None:
    m = _model(prior_channels=3, residual=[[0, 0], [1, 1]], surface_residual=[[0, 2]])
    d0, d1 = _with_prior(_airfoil(30, 0), 0), _with_prior(_airfoil(25, 1, m=36), 1)
    vol, surf = m.forward_all(_batch(d0, d1))
    v0, s0 = m.forward_all(_batch(d0))
    torch.testing.assert_close(vol[:30], v0, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(surf[:40], s0, atol=1e-5, rtol=1e-4)
    with pytest.raises(InvalidArgumentError, match="potential_flow"):
        m(_batch(_airfoil(10, 2)))
    with pytest.raises(InvalidArgumentError, match="out of range"):
        NeuralFieldOperator(4, 3, 2, 2, prior_channels=3, residual=[[4, 0]])
    with pytest.raises(InvalidArgumentError, match="twice"):
        NeuralFieldOperator(4, 3, 2, 2, prior_channels=3, residual=[[0, 0], [0, 1]])


def _force_batch() -> Batch:
    """One synthetic airfoil with the wall geometry a force loss needs."""
    d = _airfoil(16, 3)
    d.surface_length = torch.full((40,), 0.08)
    d.aoa_deg = torch.tensor([4.0], dtype=torch.float64)
    return _batch(d)


def test_force_loss_trains_the_integrated_coefficients() -> None:
    """The force term is the squared error of C_L and drag_scale * C_D integrated from the
    wall outputs, and its gradient reaches the surface head."""
    from geonop.models.volume_surface import force_coefficients

    m = _model(force_weight=2.0).train()
    b = _force_batch()
    out = m.training_step(b)
    _, surf = m.forward_all(b)
    err = force_coefficients(surf, b, 1) - force_coefficients(b.surface_y, b, 1)
    expected = err[0, 0] ** 2 + (10.0 * err[0, 1]) ** 2
    assert out.metrics["loss_force"] == pytest.approx(float(expected.detach()), rel=1e-5)
    out.loss.backward()
    last = [mod for mod in m.surface_head.modules() if isinstance(mod, torch.nn.Linear)][-1]
    assert last.weight.grad is not None and last.weight.grad.abs().sum() > 0
    # lift of a flat plate at 90 degrees to a uniform Cp jump: C_L = Cp jump * chord
    plate = Data(surface_y=torch.tensor([[-1.0, 0, 0], [1.0, 0, 0]]),
                 surface_normal=torch.tensor([[0.0, 1.0], [0.0, -1.0]]),
                 surface_length=torch.tensor([1.0, 1.0]), aoa_deg=torch.tensor([0.0]))
    torch.testing.assert_close(force_coefficients(plate.surface_y, plate, 1),
                               torch.tensor([[2.0, 0.0]]))


def test_force_loss_needs_the_wall_geometry() -> None:
    from geonop.models.volume_surface import force_coefficients

    d = _airfoil(8, 4)                      # no surface_length, no aoa_deg
    with pytest.raises(InvalidArgumentError, match="surface_length"):
        _model(force_weight=1.0).train().training_step(_batch(d))
    with pytest.raises(InvalidArgumentError, match="force loss"):
        force_coefficients(d.surface_y[:, :2], d, 1)


def test_relative_force_loss_divides_by_the_coefficients() -> None:
    """force_floor > 0: each case's lift error over |C_L| + floor, drag over
    C_D + floor / drag_scale, so a near-zero-lift case weighs as the metric counts it."""
    from geonop.models.volume_surface import force_coefficients

    m = _model(force_weight=1.0, force_floor=0.1).train()
    b = _force_batch()
    out = m.training_step(b)
    _, surf = m.forward_all(b)
    true = force_coefficients(b.surface_y, b, 1)[0]
    err = force_coefficients(surf, b, 1)[0] - true
    expected = ((err[0] / (true[0].abs() + 0.1)) ** 2
                + (err[1] / (true[1].abs() + 0.01)) ** 2)
    assert out.metrics["loss_force"] == pytest.approx(float(expected.detach()), rel=1e-5)
    with pytest.raises(InvalidArgumentError, match="force_floor"):
        _model(force_floor=-1.0)


def test_anchor_grid_moved_towards_the_wall() -> None:
    """anchor_placement: the grid's nodes outside the body; the mover's nearer the wall
    than the unmoved grid's, computed once per geometry; the predictions stay batchable."""
    d = _airfoil(50, 0, m=120)
    sp, sn = d.surface_pos, d.surface_normal
    box = (-1.0, -0.6, 1.0, 0.6)
    grid = _model(anchor_placement="grid", anchor_box=box, anchor_grid=10)
    mover = _model(anchor_placement="mover", anchor_box=box, anchor_grid=10)
    pg, dg, _ = grid._grid_anchors(sp, sn)
    pm, dm, _ = mover._grid_anchors(sp, sn)
    assert 80 <= len(pg) < 100 and 80 <= len(pm) < 100     # a few nodes inside the body dropped
    assert float(dm.median()) < 0.85 * float(dg.median())
    inside = ((pm[:, 0] - 0.5) / 0.5) ** 2 + (pm[:, 1] / 0.1) ** 2 < 0.8
    assert not bool(inside.any())
    assert len(mover._anchor_cache) == 1
    mover._grid_anchors(sp, sn)
    assert len(mover._anchor_cache) == 1
    both = mover.forward_all(_batch(d, _airfoil(30, 1, m=120)))[0]
    torch.testing.assert_close(both[:50], mover.forward_all(_batch(d))[0], atol=1e-5, rtol=1e-4)
    for bad in ({"anchor_placement": "voronoi"}, {"anchor_placement": "grid", "anchor_grid": 2},
                {"anchor_placement": "grid", "anchor_box": (1, 0, 0, 1)},
                {"anchor_placement": "mover", "mover": "magic"}):
        with pytest.raises(InvalidArgumentError):
            _model(**bad)
