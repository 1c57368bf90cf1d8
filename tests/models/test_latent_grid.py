"""LatentGridOperator: a graph operator whose latent grid a mesh mover places."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch_geometric.data import Batch, Data

import geonop
from geonop.errors import InvalidArgumentError, MissingFileError
from geonop.models.latent_grid import LatentGridOperator
from geonop.movers.field_dataset import FrontReconstructionDataset
from geonop.movers.placement import shipped_mover_checkpoint
from geonop.train import Trainer

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "examples" / "configs" / "latent_grid_fronts.yaml"

pytestmark = pytest.mark.usefixtures("one_thread")


def _small(**kwargs) -> LatentGridOperator:
    torch.manual_seed(0)
    args = {"nodes_per_side": 8, "hidden_channels": 16, "processor_layers": 1,
            "encoder_radius": 0.1, "decoder_radius": 0.2, "kernel_hidden": 16}
    return LatentGridOperator(**{**args, **kwargs})


def _front_sample(n: int = 24, queries: int = 50, seed: int = 0) -> Data:
    """A vertical front at x = 0.5 sampled on an n x n grid, random queries."""
    s = np.linspace(0.0, 1.0, n)
    pts = np.stack(np.meshgrid(s, s), -1).reshape(-1, 2)
    q = np.random.default_rng(seed).random((queries, 2))
    f = lambda p: np.tanh((p[:, 0] - 0.5) / 0.03)
    as32 = lambda a: torch.as_tensor(a, dtype=torch.float32)
    return Data(input_pos=as32(pts), input_x=as32(f(pts))[:, None], pos=as32(q),
                y=as32(f(q))[:, None])


@pytest.fixture(scope="module")
def data() -> FrontReconstructionDataset:
    return FrontReconstructionDataset(num_samples=8, input_resolution=16, query_points=64,
                                      eval_resolution=8, seed=3)


def test_shapes_and_repr(data):
    model = _small(placement="computational")
    batch = Batch.from_data_list([data[(0, 1)], data[(1, 1)]], follow_batch=["input_pos"])
    out = model(batch)
    assert out.shape == (128, 1) and torch.isfinite(out).all()
    assert model.num_latent == 64
    assert repr(model) == ("LatentGridOperator(out_channels=1, in_channels=1, nodes_per_side=8, "
                           "placement='computational', hidden_channels=16, processor_layers=1)")
    assert model.grid_edges.shape[0] == 2
    # the grid's triangle edges, both directions: 2 * (horizontal + vertical + diagonal)
    assert model.grid_edges.shape[1] == 2 * (2 * 8 * 7 + 7 * 7)


@pytest.mark.parametrize("placement", ["uniform", "computational"])
def test_a_batch_of_two_equals_each_alone(data, placement):
    model = _small(placement=placement).eval()
    a, b = data[(2, 5)], data[(3, 6)]
    with torch.no_grad():
        both = model(Batch.from_data_list([a, b], follow_batch=["input_pos"]))
        alone = torch.cat([model(a), model(b)])
    torch.testing.assert_close(both, alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("mover", ["learned", "classical"])
def test_mover_gathers_latent_nodes_at_the_front_and_uniform_does_not(mover):
    sample = _front_sample()
    pts, u = sample.input_pos.double().numpy(), sample.input_x[:, 0].double().numpy()
    near = lambda z: int((np.abs(z[:, 0] - 0.5) < 0.1).sum())
    uniform = _small(placement="uniform", nodes_per_side=12).latent_positions(pts, u)
    moved = _small(placement="mover", mover=mover, nodes_per_side=12).latent_positions(pts, u)
    s = np.linspace(0.0, 1.0, 12)
    grid = np.stack(np.meshgrid(s, s), -1).reshape(-1, 2)
    np.testing.assert_allclose(uniform, grid, atol=1e-12)
    assert moved.shape == uniform.shape
    assert near(moved) > 1.5 * near(uniform)
    assert moved.min() >= 0.0 and moved.max() <= 1.0


def test_computational_coordinates_zoom_in_at_the_front():
    model = _small(placement="computational", nodes_per_side=12)
    sample = _front_sample()
    pts, u = sample.input_pos.double().numpy(), sample.input_x[:, 0].double().numpy()
    q = np.array([[0.49, 0.5], [0.51, 0.5], [0.09, 0.5], [0.11, 0.5]])
    latent, _, q_comp, box = model._sample(pts, u, q)
    np.testing.assert_allclose(latent, model.placer.reference(pts)[0])  # the uniform grid
    np.testing.assert_allclose(box, [0.0, 0.0, 1.0, 1.0])
    at_front = np.linalg.norm(q_comp[1] - q_comp[0])
    far_away = np.linalg.norm(q_comp[3] - q_comp[2])
    assert at_front > 2 * 0.02 and far_away < 0.6 * 0.02  # stretched at the front, shrunk away


def test_placements_are_cached_per_sample():
    model = _small(placement="mover")
    sample = _front_sample()
    pts, u = sample.input_pos.double().numpy(), sample.input_x[:, 0].double().numpy()
    first = model.latent_positions(pts, u)
    assert model.latent_positions(pts, u) is first
    assert model.latent_positions(pts, -u) is not first
    assert len(model._cache) == 2


def test_trains_saves_and_reloads(data, tmp_path):
    model = _small(placement="mover")
    evaluate = Batch.from_data_list([data[i] for i in range(6)], follow_batch=["input_pos"])

    def loss() -> float:
        with torch.no_grad():
            model.eval()
            return float(model.training_step(evaluate).loss)

    model.set_normalization(data.statistics(range(6)))  # what the Trainer would set
    before = loss()
    Trainer(model, data, train_indices=range(6), val_indices=[6, 7],
            config={"max_steps": 25, "lr": 1e-2, "scheduler": "constant", "eval_every": 0,
                    "checkpoint_every": 0, "progress": "off"},
            output_dir=tmp_path / "run", batch_size=3, verbose=False).fit()
    after = loss()
    assert after < 0.6 * before, (before, after)

    loaded = geonop.load(tmp_path / "run" / "checkpoints" / "last.pt")
    assert isinstance(loaded, LatentGridOperator) and loaded.placement == "mover"
    assert loaded.config["kwargs"]["placement"] == "mover"
    sample = data[7]
    torch.testing.assert_close(loaded.predict(sample), model.predict(sample))


def test_bad_arguments_raise():
    for kwargs, word in [({"placement": "moved"}, "placement"), ({"mover": "spring"}, "mover"),
                         ({"nodes_per_side": 2}, "nodes_per_side"),
                         ({"encoder_radius": 0.0}, "radius"), ({"hidden_channels": 0}, "channels"),
                         ({"bounds": [0, 0, 0, 1]}, "bounds"), ({"bounds": [0, 1]}, "bounds"),
                         ({"alpha": -1.0}, "alpha"), ({"processor_layers": -1}, "processor")]:
        with pytest.raises(InvalidArgumentError, match=word):
            LatentGridOperator(**kwargs)
    with pytest.raises(MissingFileError, match="mover checkpoint"):
        LatentGridOperator(placement="mover", mover_checkpoint="/nonexistent/mover.pt")
    model = _small()
    sample = _front_sample()
    with pytest.raises(InvalidArgumentError, match="input_x"):
        model(Data(input_pos=sample.input_pos, pos=sample.pos))
    with pytest.raises(InvalidArgumentError, match="input_pos"):
        model(Data(input_x=sample.input_x, pos=sample.pos))
    with pytest.raises(InvalidArgumentError, match="pos"):
        model(Data(input_pos=sample.input_pos, input_x=sample.input_x, pos=torch.zeros(3, 3)))


def test_the_shipped_mover_is_the_default():
    assert shipped_mover_checkpoint().is_file()
    assert _small(placement="mover").mover_checkpoint == shipped_mover_checkpoint()


def test_geonop_train_runs_the_example_config(tmp_path, capsys):
    from geonop.cli.main import main

    code = main(["train", str(CONFIG), f"output_dir={tmp_path / 'run'}",
                 f"data.root={tmp_path / 'fields'}", "data.args.num_samples=10",
                 "data.args.eval_resolution=8", "training.max_steps=3",
                 "training.eval_every=3", "--no-progress", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "completed at step 3" in out
    model = geonop.load(tmp_path / "run" / "checkpoints" / "last.pt")
    assert isinstance(model, LatentGridOperator) and model.placement == "computational"
    assert len(list((tmp_path / "fields").glob("fronts-*.npz"))) == 1
