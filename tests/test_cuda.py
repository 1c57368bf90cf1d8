"""The CUDA path: every GPU code path gives what the CPU path gives, and the models train,
save and reload across devices.

These tests run only where a CUDA device is present (``pytest -m cuda``); elsewhere they
are skipped with that reason. CI has no GPU: run them by hand on a GPU machine.
"""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Batch, Data

import geonop
from geonop.data.base import GeometryDataset
from geonop.graph import neighbors
from geonop.graph.sampling import farthest_point_sample, random_sample, voxel_sample
from geonop.utils.scatter import scatter, scatter_softmax
from tests.models.synthetic_airfoil import ellipse_airfoil

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

CUDA = torch.device("cuda")


def _edge_set(e: torch.Tensor) -> set[tuple[int, int]]:
    return set(map(tuple, e.cpu().t().tolist()))


@pytest.mark.parametrize("periodic", [False, True])
def test_radius_and_knn_on_cuda_equal_the_cpu(periodic: bool) -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(3000, 3, generator=g)
    y = torch.rand(700, 3, generator=g)
    bx = torch.repeat_interleave(torch.arange(3), 1000)
    by = torch.sort(torch.randint(0, 3, (700,), generator=g)).values
    box = 1.0 if periodic else None
    cpu = neighbors.radius(x, y, 0.08, bx, by, box=box, backend="scipy")
    gpu = neighbors.radius(x.to(CUDA), y.to(CUDA), 0.08, bx.to(CUDA), by.to(CUDA), box=box)
    assert gpu.device.type == "cuda" and gpu.shape[1] > 1000
    assert torch.equal(gpu.cpu(), cpu)                  # same edges, same order
    cpu = neighbors.radius_graph(x, 0.06, bx, box=box, backend="scipy")
    gpu = neighbors.radius_graph(x.to(CUDA), 0.06, bx.to(CUDA), box=box)
    assert _edge_set(gpu) == _edge_set(cpu)
    cpu = neighbors.knn(x, y, 6, bx, by, box=box, backend="scipy")
    gpu = neighbors.knn(x.to(CUDA), y.to(CUDA), 6, bx.to(CUDA), by.to(CUDA), box=box)
    assert _edge_set(gpu) == _edge_set(cpu)


def test_large_radius_graph_on_cuda() -> None:
    """200k points: memory-bounded cell lists, the same edge count as scipy."""
    x = torch.rand(200_000, 3, generator=torch.Generator().manual_seed(1))
    r = 0.012
    cpu = neighbors.radius_graph(x, r, backend="scipy")
    gpu = neighbors.radius_graph(x.to(CUDA), r)
    assert gpu.shape == cpu.shape
    assert torch.equal(torch.sort(gpu[0] * len(x) + gpu[1]).values.cpu(),
                       torch.sort(cpu[0] * len(x) + cpu[1]).values)


def test_sampling_on_cuda() -> None:
    g = torch.Generator().manual_seed(2)
    pos = torch.rand(5000, 3, generator=g)
    batch = torch.repeat_interleave(torch.arange(2), 2500)
    idx_cpu = farthest_point_sample(pos, 200, batch=batch)
    idx_gpu = farthest_point_sample(pos.to(CUDA), 200, batch=batch.to(CUDA))
    assert idx_gpu.device.type == "cuda"
    assert torch.equal(idx_gpu.cpu(), idx_cpu)
    v = voxel_sample(pos.to(CUDA), 0.1)
    assert v.device.type == "cuda" and torch.equal(v.cpu(), voxel_sample(pos, 0.1))
    r = random_sample(pos.to(CUDA), 100, batch=batch.to(CUDA))
    assert r.device.type == "cuda" and len(torch.unique(r)) == 200


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min"])
def test_scatter_on_cuda(reduce: str) -> None:
    g = torch.Generator().manual_seed(3)
    src = torch.randn(10_000, 8, generator=g)
    index = torch.randint(0, 300, (10_000,), generator=g)
    cpu = scatter(src, index, dim=0, dim_size=300, reduce=reduce)
    gpu = scatter(src.to(CUDA), index.to(CUDA), dim=0, dim_size=300, reduce=reduce)
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-5, rtol=1e-5)
    soft = scatter_softmax(src.to(CUDA), index.to(CUDA), dim=0)
    torch.testing.assert_close(soft.cpu(), scatter_softmax(src, index, dim=0), atol=1e-6,
                               rtol=1e-5)


def test_neural_field_operator_on_cuda_equals_the_cpu() -> None:
    from geonop.models import NeuralFieldOperator

    torch.manual_seed(0)
    model = NeuralFieldOperator(4, 3, 2, 2, hidden_channels=32, heads=2, processor_layers=1,
                                decoder_layers=1, anchor_sources=8, far_anchors=4,
                                chunk_size=4096).eval()
    for name, p in model.named_parameters():
        if "modulation" in name or "gates" in name:
            torch.nn.init.normal_(p, std=0.3)
    samples = [ellipse_airfoil(20_000, 0, m=60), ellipse_airfoil(300, 1, m=60)]
    batch = Batch.from_data_list(samples, follow_batch=["surface_pos"])
    with torch.no_grad():
        v_cpu, s_cpu = model.forward_all(batch)
        v_gpu, s_gpu = model.to(CUDA).forward_all(batch.to(CUDA))
    assert v_gpu.device.type == "cuda"
    torch.testing.assert_close(v_gpu.cpu(), v_cpu, atol=2e-4, rtol=2e-4)
    torch.testing.assert_close(s_gpu.cpu(), s_cpu, atol=2e-4, rtol=2e-4)


def test_particle_models_on_cuda_equal_the_cpu() -> None:
    from geonop.models.particles import GNS, GraphInteractionOperator, rollout
    from tests.models.particles.particle_clouds import BOUNDS, smooth_cloud

    stats = {"velocity": {"mean": [0.0, -1e-3], "std": [1e-3, 2e-3]},
             "acceleration": {"mean": [0.0, 0.0], "std": [1e-4, 3e-4]}}
    cloud = smooth_cloud(400)
    # gravity_prior off: its zero-initialised last layer would make every model the prior
    shipped = {"relative_velocity": True, "reference_inputs": True, "acceleration_inputs": True}
    for model in (GraphInteractionOperator(bounds=BOUNDS, latent_dim=32, num_steps=2,
                                           sparse_ratio=0.25, sampling="fps", gravity_prior=False),
                  GraphInteractionOperator(bounds=BOUNDS, latent_dim=32, num_steps=2,
                                           sparse_ratio=0.25, sampling="fps", gravity_prior=False,
                                           **shipped),
                  GNS(bounds=BOUNDS, latent_dim=32, num_steps=2, gravity_prior=False)):
        model.set_normalization(stats)
        model.eval()
        hist = cloud.pos_history.transpose(0, 1)
        ref = hist[0] + 1e-3        # a rest state the deformation gradient can see
        with torch.no_grad():
            cpu = rollout(model, hist, cloud.particle_type, 5, reference=ref)
            gpu = rollout(model.to(CUDA), hist.to(CUDA), cloud.particle_type.to(CUDA), 5,
                          reference=ref.to(CUDA))
        assert gpu.device.type == "cuda"
        torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-5, rtol=1e-4)


def test_basis_decoder_torch_path_on_cuda_equals_numba_on_cpu() -> None:
    from geonop.models.particles import GraphInteractionOperator
    from tests.models.particles.particle_clouds import BOUNDS, smooth_cloud

    cloud = smooth_cloud(300)
    model = GraphInteractionOperator(bounds=BOUNDS, latent_dim=32, num_steps=1,
                                     sparse_ratio=0.25, sampling="fps", gravity_prior=False).eval()
    q = torch.rand(50_000, 2, generator=torch.Generator().manual_seed(4)) * 0.8 + 0.1
    with torch.no_grad():
        cpu = model.accelerations(cloud.pos_history, cloud.particle_type, query=q)
        model.to(CUDA)
        gpu = model.accelerations(cloud.pos_history.to(CUDA), cloud.particle_type.to(CUDA),
                                  query=q.to(CUDA))
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-5, rtol=1e-4)


class _Synthetic(GeometryDataset):
    normalized_fields = ("u", "y", "surface_y")

    def __init__(self, root: str = "") -> None:
        pass

    def __len__(self) -> int:
        return 16

    def get(self, index: int, seed: int | None = None) -> Data:
        return ellipse_airfoil(500, index, m=60)

    def spec(self) -> dict:
        return {"targets": [["a", 2], ["b", 1], ["c", 1]],
                "surface_targets": [["p", 1], ["t", 2]]}


@pytest.mark.parametrize("amp", ["off", "on"])
def test_trainer_on_cuda_saves_a_checkpoint_that_loads_on_the_cpu(tmp_path, amp: str) -> None:
    from geonop.models import NeuralFieldOperator
    from geonop.train import Trainer

    torch.manual_seed(0)
    model = NeuralFieldOperator(4, 3, 2, 2, hidden_channels=32, heads=2, processor_layers=1,
                                decoder_layers=1, anchor_sources=8, far_anchors=4)
    cfg = {"max_steps": 80, "lr": 3e-3, "eval_every": 0, "checkpoint_every": 0,
           "progress": "off", "tensorboard": "off", "warmup_steps": 5, "device": "cuda",
           "amp": amp}
    trainer = Trainer(model, _Synthetic(), val_dataset=_Synthetic(), config=cfg,
                      output_dir=tmp_path, batch_size=4, verbose=False)
    trainer.fit()
    assert trainer.metrics["loss"] < 1.0
    loaded = geonop.load(trainer.last_checkpoint)          # on the CPU
    batch = Batch.from_data_list([ellipse_airfoil(400, 20, m=60)], follow_batch=["surface_pos"])
    with torch.no_grad():
        v_gpu, _ = model.eval().predict_all(batch.to(CUDA))
        v_cpu, _ = loaded.predict_all(batch)
    assert next(loaded.parameters()).device.type == "cpu"
    torch.testing.assert_close(v_gpu.float().cpu(), v_cpu, atol=2e-4, rtol=2e-4)


def test_operators_with_a_mover_on_cuda_equal_the_cpu() -> None:
    """The mover places nodes on the CPU (numpy); the operators then run on the GPU."""
    from geonop.models import LatentGridOperator, NeuralFieldOperator
    from geonop.movers import FrontReconstructionDataset

    data = FrontReconstructionDataset(num_samples=2, seed=3)
    batch = Batch.from_data_list([data[0], data[1]], follow_batch=["input_pos"])
    torch.manual_seed(0)
    grid = LatentGridOperator(placement="computational", nodes_per_side=8).eval()
    torch.manual_seed(0)
    nfo = NeuralFieldOperator(4, 3, 2, 2, hidden_channels=32, heads=2, processor_layers=1,
                              anchor_placement="mover", anchor_box=(-1.0, -0.6, 1.0, 0.6)).eval()
    air = Batch.from_data_list([ellipse_airfoil(500, 0, m=120)], follow_batch=["surface_pos"])
    with torch.no_grad():
        g_cpu, (v_cpu, s_cpu) = grid(batch), nfo.forward_all(air)
        g_gpu = grid.to(CUDA)(batch.to(CUDA))
        v_gpu, s_gpu = nfo.to(CUDA).forward_all(air.to(CUDA))
    assert g_gpu.device.type == "cuda" and v_gpu.device.type == "cuda"
    torch.testing.assert_close(g_gpu.cpu(), g_cpu, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(v_gpu.cpu(), v_cpu, atol=2e-4, rtol=2e-4)
    torch.testing.assert_close(s_gpu.cpu(), s_cpu, atol=2e-4, rtol=2e-4)
