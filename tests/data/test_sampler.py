"""Sharded batches of variable-size graphs."""

from __future__ import annotations

import pytest

from geonop.data import ShardedBatchSampler, eval_sampler, split_indices
from geonop.errors import InvalidArgumentError


def _batches(sampler, epoch=0, start=0):
    sampler.set_epoch(epoch, start)
    return list(sampler)


@pytest.mark.parametrize("n", [8, 10, 11])
def test_world_of_two_sees_the_batches_of_one_process(n):
    one = _batches(ShardedBatchSampler(range(n), 4, seed=3), epoch=1)
    ranks = [_batches(ShardedBatchSampler(range(n), 2, rank=r, world_size=2, seed=3), epoch=1)
             for r in (0, 1)]
    assert len(ranks[0]) == len(ranks[1])  # every process runs the same number of steps
    for step, batch in enumerate(one):
        union = sorted(ranks[0][step] + ranks[1][step])
        if n % 2 == 0:
            assert union == sorted(batch)  # same samples and the same per-sample seeds
        else:
            assert set(batch) <= set(union)  # odd n: one sample padded, as DistributedSampler


def test_epochs_reshuffle_and_start_skips_batches():
    s = ShardedBatchSampler(range(10), 3, seed=0)
    e0, e1 = _batches(s, 0), _batches(s, 1)
    assert [i for b in e0 for i, _ in b] != [i for b in e1 for i, _ in b]
    assert sorted(i for b in e0 for i, _ in b) == list(range(10))
    assert _batches(s, 1, start=2) == e1[2:]
    assert len(s) == len(e1) - 2 and s.batches_per_epoch() == 4
    # seeds differ across epochs, so random point subsets do too
    assert {k for b in e0 for k in b}.isdisjoint({k for b in e1 for k in b})


def test_evaluation_batches_are_whole_unshuffled_and_unpadded():
    a = list(eval_sampler(range(7), 2, rank=0, world_size=2))
    b = list(eval_sampler(range(7), 2, rank=1, world_size=2))
    assert a == [[0, 2], [4, 6]] and b == [[1, 3], [5]]


def test_split_is_seeded_disjoint_and_complete():
    tr, va, te = split_indices(20, 0.2, seed=1, test_fraction=0.1)
    assert (len(tr), len(va), len(te)) == (14, 4, 2)
    assert sorted(tr + va + te) == list(range(20))
    assert split_indices(20, 0.2, seed=1, test_fraction=0.1) == (tr, va, te)
    assert split_indices(20, 0.2, seed=2)[1] != va
    assert split_indices(3, 0.01)[1] != []  # a positive fraction gets at least one sample
    with pytest.raises(InvalidArgumentError):
        split_indices(10, 0.6, test_fraction=0.5)
    with pytest.raises(InvalidArgumentError):
        ShardedBatchSampler(range(3), 0)
