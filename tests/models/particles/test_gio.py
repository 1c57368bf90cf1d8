import pytest
import torch
from torch_geometric.data import Batch

import geonop
from geonop.errors import InvalidArgumentError
from geonop.models.particles import GraphInteractionOperator, rollout
from geonop.train import save_checkpoint
from tests.models.particles.particle_clouds import BOUNDS, smooth_cloud


def _model(**kw):
    torch.manual_seed(0)
    args = {"bounds": BOUNDS, "latent_dim": 16, "num_steps": 2, "kernel_hidden": 16,
            "sparse_ratio": 0.25, "gravity_prior": False}
    args.update(kw)
    return GraphInteractionOperator(**args)


def _stats(model):
    model.set_normalization({"velocity": {"mean": [0.0, -1e-3], "std": [1e-3, 2e-3]},
                             "acceleration": {"mean": [0.0, 0.0], "std": [1e-4, 3e-4]}})
    return model


def test_shapes_and_sparse_selection(one_thread, cloud):
    model = _model()
    assert model(cloud).shape == (120, 2)
    assert model.select(cloud.pos).shape == (30,)                  # ratio 1/4
    assert _model(num_sparse=17).select(cloud.pos).shape == (17,)
    idx = _model(sampling="fps").select(cloud.pos)
    assert torch.equal(idx, torch.sort(idx).values)
    q = torch.rand(333, 2) * 0.8 + 0.1
    sp, h, sb, _ = model.latent(cloud.pos_history, cloud.particle_type)
    assert sp.shape == (30, 2) and h.shape == (30, 16) and sb is None
    assert model.decode(sp, h, sb, q).shape == (333, 2)
    assert repr(model) == ("GraphInteractionOperator(pos_dim=2, history=5, latent_dim=16, "
                           "num_steps=2, sampling='random', sparse_ratio=0.25, decoder='basis')")


def test_eval_is_deterministic_training_resamples(one_thread, cloud):
    model = _model().eval()
    assert torch.equal(model(cloud), model(cloud))
    model.train()
    assert not torch.equal(model.select(cloud.pos), model.select(cloud.pos))


def test_batch_equals_single_calls(one_thread):
    model = _model(sampling="fps").eval()
    a, b = smooth_cloud(50, seed=1), smooth_cloud(70, seed=2)
    both = model(Batch.from_data_list([a, b]))
    assert torch.allclose(both[:50], model(a), atol=1e-5)
    assert torch.allclose(both[50:], model(b), atol=1e-5)


def test_chunked_decoding_equals_unchunked(one_thread, cloud):
    model = _model(chunk_size=None).eval()
    chunked = _model(chunk_size=37).eval()
    q = torch.rand(500, 2) * 0.8 + 0.1
    assert torch.allclose(chunked.accelerations(cloud.pos_history, cloud.particle_type, query=q),
                          model.accelerations(cloud.pos_history, cloud.particle_type, query=q),
                          atol=1e-5)


@torch.no_grad()
def test_query_resolution_consistency(one_thread):
    """Decoding at 1k and at 4k query points gives one field: the 1k values are reproduced
    inside the 4k set, and the 4k field varies smoothly between neighbouring queries."""
    model = _model(num_sparse=64, sampling="fps").eval()
    data = smooth_cloud(400, seed=3)
    g = torch.Generator().manual_seed(0)
    q4 = 0.32 + 0.16 * torch.rand(4000, 2, generator=g)
    pick = torch.randperm(4000, generator=g)[:1000]
    q1 = q4[pick]
    sp, h, sb, _ = model.latent(data.pos_history, data.particle_type)
    a1, a4 = model.decode(sp, h, sb, q1), model.decode(sp, h, sb, q4)
    from geonop.graph import knn
    assert torch.allclose(a4[pick], a1, atol=1e-5)
    nn = knn(q4, q1, 2)[1].view(-1, 2)                            # self and nearest other
    other = torch.where(nn[:, 0] == pick, nn[:, 1], nn[:, 0])
    jump = (a4[other] - a1).norm(dim=-1).median()
    assert float(jump) < 0.02 * float(a1.norm(dim=-1).median())


@torch.no_grad()
def test_different_input_resolution(one_thread):
    """A model built for one density runs on a 4x denser cloud of the same motion, and with a
    fixed sparse graph gives a similar field."""
    model = _model(num_sparse=48, sampling="fps", encode_radius=5.0, process_radius=6.0,
                   decode_radius=5.0).eval()
    q = 0.33 + 0.14 * torch.rand(300, 2, generator=torch.Generator().manual_seed(1))
    coarse, fine = smooth_cloud(300, seed=4), smooth_cloud(1200, seed=5)
    a_c = model.accelerations(coarse.pos_history, coarse.particle_type * 0 + 5, query=q)
    a_f = model.accelerations(fine.pos_history, fine.particle_type * 0 + 5, query=q)
    rel = float((a_c - a_f).norm() / a_f.norm())
    assert rel < 0.05      # measured 0.004


def test_save_load_round_trip(one_thread, tmp_path, cloud):
    model = _stats(_model())
    loaded = geonop.load(save_checkpoint(tmp_path / "gio.pt", model))
    assert isinstance(loaded, GraphInteractionOperator)
    assert loaded.config == model.config
    assert torch.equal(loaded.predict(cloud), model.predict(cloud))


def test_rollout_with_queries(one_thread, cloud):
    model = _stats(_model())
    hist = cloud.pos_history.transpose(0, 1)
    dense, queries = rollout(model, hist, cloud.particle_type, 4, query=hist[-2:, :40])
    assert dense.shape == (4, 120, 2) and queries.shape == (4, 40, 2)
    plain = rollout(model, hist, cloud.particle_type, 4)
    assert torch.allclose(plain, dense, atol=1e-6)
    with pytest.raises(InvalidArgumentError, match="positions"):
        rollout(model, hist[1:], cloud.particle_type, 2)


def test_kernel_decoder_option(one_thread, cloud):
    """The first decoder (kernel MLP per edge, MLP per query) stays available."""
    model = _stats(_model(decoder="kernel")).eval()
    assert model.head is not None and model(cloud).shape == (120, 2)
    q = torch.rand(50, 2) * 0.8 + 0.1
    sp, h, sb, _ = model.latent(cloud.pos_history, cloud.particle_type)
    assert model.decode(sp, h, sb, q).shape == (50, 2)
    basis = _model()
    assert basis.head is None and basis.num_parameters() < model.num_parameters()


def test_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="decoder"):
        GraphInteractionOperator(decoder="mlp")
    with pytest.raises(InvalidArgumentError, match="sampling"):
        GraphInteractionOperator(sampling="grid")
    with pytest.raises(InvalidArgumentError, match="sparse_ratio"):
        GraphInteractionOperator(sparse_ratio=0.0)
    model = _model()
    with pytest.raises(InvalidArgumentError, match="query"):
        model.decode(torch.rand(3, 2), torch.rand(3, 16), None, torch.rand(4, 3))


@torch.no_grad()
def test_relative_velocity_damps_a_particle_moving_against_its_neighbours(one_thread, cloud):
    """With ``relative_velocity`` the decoder sees each query's velocity relative to the
    nodes in reach: coefficients of -1 on that term give a damping force on a particle that
    moves against a uniformly moving cloud, and none on the others."""
    model = _stats(_model(relative_velocity=True, num_sparse=60)).eval()
    dec = model.decoder
    assert dec.relative_channels == 2
    last = dec.coefficients.net[-1]
    last.weight.zero_()
    last.bias.zero_()
    rel = last.bias.view(dec.num_basis, 2)[dec.num_basis - 2:]
    rel.copy_(-torch.eye(2))                     # a(y) = -(v(y) - v_j) / std, per node
    hist = cloud.pos_history.clone()
    n = hist.shape[0]
    hist[:, -1] = hist[:, -2] + torch.tensor([0.001, -0.002])   # all move alike ...
    sparse = set(model.select(hist[:, -1]).tolist())
    k = next(i for i in range(n) if i not in sparse)
    hist[k, -1] += torch.tensor([0.0005, 0.0])                 # ... but one, a dense particle
    acc = model.accelerations(hist, cloud.particle_type)
    others = torch.arange(n) != k
    assert float(acc[others].abs().max()) < 1e-6
    std = model.normalizer.std("velocity").float()
    assert torch.allclose(acc[k], -torch.tensor([0.0005, 0.0]) / std, rtol=1e-4, atol=1e-6)


def test_relative_velocity_queries_need_a_velocity(one_thread, cloud):
    model = _stats(_model(relative_velocity=True)).eval()
    hist = cloud.pos_history.transpose(0, 1)
    dense, queries = rollout(model, hist, cloud.particle_type, 3, query=hist[-2:, :40])
    assert torch.allclose(queries, dense[:, :40], atol=1e-6)   # a query on a particle follows it
    q = torch.rand(10, 2) * 0.8 + 0.1
    with pytest.raises(InvalidArgumentError, match="velocit"):
        model.accelerations(cloud.pos_history, cloud.particle_type, query=q)
    v = torch.zeros(10, 2)
    assert model.accelerations(cloud.pos_history, cloud.particle_type, query=q,
                               query_velocity=v).shape == (10, 2)
    with pytest.raises(InvalidArgumentError, match="basis"):
        GraphInteractionOperator(decoder="kernel", relative_velocity=True)


def _with_reference(data, seed):
    g = torch.Generator().manual_seed(seed)
    data.pos_reference = data.pos_history[:, 0] + 1e-3 * torch.randn(data.num_nodes, 2, generator=g)
    return data


def test_reference_inputs_batch_train_and_roll_out(one_thread):
    """With the rest positions as input: batched equals single calls (the deformation
    gradient looks only within each cloud), training reaches the new inputs, a rollout takes
    the first frame as the rest state, and a missing reference is a clear error."""
    model = _stats(_model(sampling="fps", relative_velocity=True, reference_inputs=True)).eval()
    a, b = _with_reference(smooth_cloud(50, seed=1), 1), _with_reference(smooth_cloud(70, seed=2), 2)
    both = model(Batch.from_data_list([a, b]))
    assert torch.allclose(both[:50], model(a), atol=1e-5)
    assert torch.allclose(both[50:], model(b), atol=1e-5)
    model.train()
    dense = _with_reference(smooth_cloud(400, seed=3), 3)       # enough neighbours within R
    model.training_step(dense).loss.backward()
    first = model.node_encoder.net[0].weight.grad
    assert first is not None and float(first[:, -16 - 4:-16].abs().sum()) > 0   # the F - I inputs
    model.eval()
    hist = a.pos_history.transpose(0, 1)
    assert torch.equal(rollout(model, hist, a.particle_type, 2),
                       rollout(model, hist, a.particle_type, 2, reference=hist[0]))
    with pytest.raises(InvalidArgumentError, match="reference must have shape"):
        rollout(model, hist, a.particle_type, 2, reference=hist[0, :10])
    a.pos_reference = None
    with pytest.raises(InvalidArgumentError, match="rest positions"):
        model(a)
