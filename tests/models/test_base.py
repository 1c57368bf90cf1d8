"""GeonopModel: models remember how they were built, and are found by name."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch_geometric.data import Batch, Data

from geonop.data import FieldStats
from geonop.errors import ConfigError
from geonop.models import FieldMLP, GeonopModel, StepOutput, build_model, model_class


class Affine(GeonopModel):
    def __init__(self, channels: int, scale: float = 2.0, *, bias: bool = True) -> None:
        super().__init__()
        self.lin = nn.Linear(2, channels, bias=bias)
        self.scale = scale

    def forward(self, data):
        return self.scale * self.lin(data.pos)


class NoInit(Affine):
    pass


class Fixed(Affine):
    def __init__(self, width: int = 4) -> None:
        super().__init__(width, scale=1.0, bias=False)


class Flexible(GeonopModel):
    def __init__(self, *sizes: int, **options) -> None:
        super().__init__()
        self.sizes, self.options = sizes, options

    def forward(self, data):
        return data.pos


def test_constructor_arguments_are_recorded_with_defaults():
    m = Affine(3, bias=False)
    assert m.config == {"class": f"{__name__}:Affine", "args": [],
                        "kwargs": {"channels": 3, "scale": 2.0, "bias": False}}
    rebuilt = model_class(m.config["class"])(*m.config["args"], **m.config["kwargs"])
    assert rebuilt.lin.bias is None and rebuilt.scale == 2.0


def test_subclasses_record_their_own_arguments():
    assert NoInit(5).config["kwargs"] == {"channels": 5, "scale": 2.0, "bias": True}
    assert NoInit(5).config["class"].endswith(":NoInit")
    assert Fixed(6).config["kwargs"] == {"width": 6}  # not the arguments given to super()
    f = Flexible(1, 2, mode="x")
    assert f.config["args"] == [1, 2] and f.config["kwargs"] == {"mode": "x"}


def test_registry_by_name_with_suggestions():
    assert model_class("FieldMLP") is FieldMLP
    assert model_class("geonop.models.field_mlp:FieldMLP") is FieldMLP
    with pytest.raises(ConfigError, match="did you mean 'FieldMLP'"):
        model_class("FieldMLp")
    with pytest.raises(ConfigError, match="cannot import"):
        model_class("geonop.models.nowhere:X")
    with pytest.raises(ConfigError, match="not a GeonopModel"):
        model_class("torch.nn:Linear")


def test_build_model_checks_arguments_against_the_signature():
    assert build_model("Affine", {"channels": 2}).lin.out_features == 2
    with pytest.raises(ConfigError, match="did you mean 'model.args.scale'"):
        build_model("Affine", {"channels": 2, "scal": 3.0})
    with pytest.raises(ConfigError, match="needs 'channels'"):
        build_model("Affine", {})
    assert build_model("Flexible", {"anything": 1}).options == {"anything": 1}


def _batch():
    g = torch.Generator().manual_seed(0)
    graphs = [Data(pos=torch.randn(n, 2, generator=g), y=torch.randn(n, 3, generator=g))
              for n in (3, 5)]
    return Batch.from_data_list(graphs)


def test_default_training_step_is_normalised_mse_weighted_by_values():
    torch.manual_seed(0)
    m = Affine(3)
    m.set_normalization({"y": FieldStats(torch.tensor([1.0, 0.0, -1.0]), torch.tensor([2.0, 1.0, 4.0]))})
    b = _batch()
    out = m.training_step(b)
    assert isinstance(out, StepOutput) and out.weight == 8 * 3
    target = (b.y - torch.tensor([1.0, 0.0, -1.0])) / torch.tensor([2.0, 1.0, 4.0])
    torch.testing.assert_close(out.loss, ((m(b) - target) ** 2).mean())


def test_default_validation_metrics_per_field():
    torch.manual_seed(0)
    m = Affine(3)
    m.output_fields = [["p", 1], ["v", 2]]
    b = _batch()
    metrics = m.validation_step(b)
    assert set(metrics) == {"loss", "mse/p", "nmse/p", "rel_l2/p", "mse/v", "nmse/v", "rel_l2/v"}
    pred = m.predict(b)
    s, c = metrics["mse/v"]
    assert c.item() == 16 and s.item() == pytest.approx(((pred[:, 1:] - b.y[:, 1:]) ** 2).sum().item())
    s, c = metrics["rel_l2/p"]
    first = (pred[:3, 0] - b.y[:3, 0]).norm() / b.y[:3, 0].norm()
    second = (pred[3:, 0] - b.y[3:, 0]).norm() / b.y[3:, 0].norm()
    assert c.item() == 2 and s.item() == pytest.approx((first + second).item(), rel=1e-5)


def test_shape_mismatch_is_an_error():
    m = Affine(2)
    with pytest.raises(ValueError, match="output has shape"):
        m.training_step(_batch())
