"""NeuralFieldOperator: shapes, batching, chunking, query independence, training, reload."""

from __future__ import annotations

import math

import pytest
import torch
from torch_geometric.data import Batch, Data

from geonop.data.base import GeometryDataset
from geonop.errors import InvalidArgumentError
from geonop.models.neural_field import NeuralFieldOperator
from geonop.train import Trainer


def _airfoil(n_query: int, seed: int, m: int = 40) -> Data:
    """An ellipse 'airfoil' with random query points and smooth synthetic fields (wall
    points jittered so that no two tokens are equally far from a query)."""
    g = torch.Generator().manual_seed(seed)
    th = torch.linspace(0, 2 * math.pi, m + 1)[:-1] + 0.05 * torch.rand(m, generator=g)
    a, b = 0.5, 0.06 + 0.04 * torch.rand(1, generator=g).item()
    sp = torch.stack([0.5 + a * torch.cos(th), b * torch.sin(th)], 1)
    sn = torch.stack([b * torch.cos(th), a * torch.sin(th)], 1)
    sn = sn / sn.norm(dim=1, keepdim=True)
    r = 0.2 + 2 * torch.rand(n_query, generator=g)
    ang = 2 * math.pi * torch.rand(n_query, generator=g)
    pos = torch.stack([0.5 + r * torch.cos(ang), r * torch.sin(ang)], 1)
    sdf = (r - 0.3).clamp_min(0.0)
    direction = torch.stack([torch.cos(ang), torch.sin(ang)], 1)
    aoa = 10 * torch.rand(1, generator=g).item()
    y = torch.stack([torch.cos(ang) * aoa / (1 + r), torch.sin(ang), 1 / r, sdf], 1)
    surface_y = torch.stack([torch.cos(th) * aoa, sn[:, 0], sn[:, 1]], 1)
    return Data(pos=pos, x=torch.cat([sdf[:, None], direction], 1), y=y,
                u=torch.tensor([[3.0, aoa]]), surface_pos=sp, surface_normal=sn, surface_y=surface_y)


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
