"""Batches of sample keys, sharded across processes.

:class:`ShardedBatchSampler` does for variable-size graphs what
``torch.utils.data.DistributedSampler`` does for tensors, with three differences that
matter for geonop:

- it yields *batches of keys* ``(index, seed)``; the seed is
  :func:`~geonop.data.base.sample_seed` of ``(run seed, epoch, index)``, so the random
  view of a sample (e.g. its query-point subset) is the same whatever the number of
  processes or workers;
- rank ``r`` of ``W`` takes positions ``r, r + W, ...`` of the epoch's permutation
  (padded to a multiple of ``W``), so at every step the union of the ``W`` batches of
  size ``B`` is exactly the batch of size ``W * B`` a single process would see;
- :meth:`ShardedBatchSampler.set_epoch` takes the number of batches to skip, which is
  how a resumed run picks up in the middle of an epoch without reading those samples.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import torch

from geonop.data.base import sample_seed
from geonop.errors import InvalidArgumentError


class ShardedBatchSampler(torch.utils.data.Sampler):
    """Batches of ``(index, seed)`` keys for one process of a data-parallel run.

    Parameters
    ----------
    indices : sequence of int
        Dataset indices to draw from (e.g. the training split).
    batch_size : int
        Samples per batch on this process.
    rank, world_size : int
        This process and the number of processes.
    shuffle : bool
        Permute the indices every epoch (seeded by ``seed`` and the epoch).
    seed : int
        Run seed.
    training : bool
        Yield ``(index, seed)`` keys (random training views); ``False`` yields plain
        indices (full samples) and never pads, for evaluation.
    drop_last : bool
        Drop the last, smaller batch.
    """

    def __init__(
        self,
        indices: Sequence[int],
        batch_size: int,
        rank: int = 0,
        world_size: int = 1,
        shuffle: bool = True,
        seed: int = 0,
        training: bool = True,
        drop_last: bool = False,
    ) -> None:
        if batch_size < 1:
            raise InvalidArgumentError(f"batch_size must be >= 1, got {batch_size}")
        if world_size < 1 or not 0 <= rank < world_size:
            raise InvalidArgumentError(f"rank {rank} is not in a world of size {world_size}")
        self.indices = [int(i) for i in indices]
        self.batch_size = int(batch_size)
        self.rank, self.world_size = int(rank), int(world_size)
        self.shuffle, self.seed, self.training = shuffle, int(seed), training
        self.drop_last = drop_last
        self.epoch = 0
        self.start = 0

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        """Draw the permutation of ``epoch`` and skip its first ``start`` batches."""
        self.epoch, self.start = int(epoch), int(start)

    def _shard(self) -> list[int]:
        order = self.indices
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
            order = [order[i] for i in torch.randperm(len(order), generator=g).tolist()]
        if self.training and self.world_size > 1 and order:
            # every process must run the same number of steps: pad like DistributedSampler
            total = math.ceil(len(order) / self.world_size) * self.world_size
            order = (order * math.ceil(total / len(order)))[:total]
        return order[self.rank:: self.world_size]

    def __len__(self) -> int:
        n = len(self._shard()) if self.world_size > 1 else len(self.indices)
        full = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return max(0, full - self.start)

    def batches_per_epoch(self) -> int:
        """Batches in a full epoch on this process."""
        start, self.start = self.start, 0
        try:
            return len(self)
        finally:
            self.start = start

    def __iter__(self) -> Iterator[list]:
        shard = self._shard()
        n_batches = (len(shard) // self.batch_size if self.drop_last
                     else math.ceil(len(shard) / self.batch_size))
        for b in range(self.start, n_batches):
            chunk = shard[b * self.batch_size: (b + 1) * self.batch_size]
            if self.training:
                yield [(i, sample_seed(self.seed, self.epoch, i)) for i in chunk]
            else:
                yield chunk


def eval_sampler(
    indices: Sequence[int], batch_size: int, rank: int = 0, world_size: int = 1
) -> ShardedBatchSampler:
    """Unshuffled, unpadded batches of full samples; rank ``r`` takes every ``W``-th index."""
    return ShardedBatchSampler(indices, batch_size, rank, world_size, shuffle=False,
                               training=False)


def split_indices(
    n: int, val_fraction: float, seed: int = 0, test_fraction: float = 0.0
) -> tuple[list[int], list[int], list[int]]:
    """Random train / validation / test split of ``range(n)``.

    Returns
    -------
    train, val, test : list of int
        Sorted indices; validation and test get ``round(fraction * n)`` samples each,
        and at least one when their fraction is positive and ``n`` allows it.
    """
    if not 0 <= val_fraction < 1 or not 0 <= test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise InvalidArgumentError(
            f"val_fraction ({val_fraction}) and test_fraction ({test_fraction}) must be in [0, 1) "
            "and sum to less than 1"
        )
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    n_val = max(1, round(val_fraction * n)) if val_fraction > 0 and n > 1 else 0
    n_test = max(1, round(test_fraction * n)) if test_fraction > 0 and n > 2 else 0
    if n - n_val - n_test < 1:
        raise InvalidArgumentError(f"{n} samples are too few for this split")
    val, test, train = perm[:n_val], perm[n_val:n_val + n_test], perm[n_val + n_test:]
    return sorted(train), sorted(val), sorted(test)

