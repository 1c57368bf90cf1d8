"""Data loaders that batch variable-size graphs with :class:`torch_geometric.data.Batch`."""

from __future__ import annotations

import signal
from collections.abc import Sequence

import torch
from torch_geometric.data import Batch, Data

from geonop.data.sampler import ShardedBatchSampler


class GraphCollater:
    """Collates a list of :class:`Data` into one :class:`Batch` (picklable for workers).

    Node-level tensors are concatenated, ``edge_index`` and ``face`` are offset by the
    node counts, and ``batch`` maps each node to its sample; attributes named in
    ``follow_batch`` get their own ``<name>_batch`` vector.
    """

    def __init__(self, follow_batch: Sequence[str] | None = None) -> None:
        self.follow_batch = list(follow_batch or [])

    def __call__(self, samples: Sequence[Data]) -> Batch:
        return Batch.from_data_list(list(samples), follow_batch=self.follow_batch)


def _worker_init(_: int) -> None:
    # Ctrl-C reaches every process of the terminal's group; workers must leave it to the
    # main process, which finishes its step, saves a checkpoint and shuts them down
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def make_loader(
    dataset: torch.utils.data.Dataset,
    batch_sampler: ShardedBatchSampler,
    num_workers: int = 0,
    follow_batch: Sequence[str] | None = None,
    pin_memory: bool = False,
) -> torch.utils.data.DataLoader:
    """A ``DataLoader`` yielding :class:`Batch` objects for the keys of ``batch_sampler``.

    Workers are persistent, so the sampler's epoch (set in the main process) is what
    decides the order; workers only read and collate.
    """
    return torch.utils.data.DataLoader(
        dataset,
        batch_sampler=batch_sampler,
        collate_fn=GraphCollater(follow_batch),
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        pin_memory=pin_memory,
        worker_init_fn=_worker_init if num_workers > 0 else None,
    )
