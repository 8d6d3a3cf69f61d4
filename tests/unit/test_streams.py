"""The compiled engine's pre-drawn entity numbers are those of the SimPy model's generators.

``streams.entity_draws`` rebuilds numpy's SeedSequence children and PCG64 seeding for many
devices or links at once; these tests hold it to ``entity_streams``' own generators (what the
SimPy model draws from) on seeds of one and several words, large and empty.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulations.compiled.warmup import tiny_segment
from simulations.streams import (
    LazyStreams,
    entity_draws,
    entity_streams,
    spawn_streams,
    uint32_words,
)

SEEDS = [(0,), (4, 0, 1), (2**40 + 7, 3, 2), (), (123_456_789, 19, 0, 5), (2**64 - 1,)]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("index", "count", "k"), [(8, 50, 8), (9, 3, 40), (9, 1, 0), (8, 0, 5)])
def test_entity_draws_are_the_generators_numbers(
    seed: tuple[int, ...], index: int, count: int, k: int
) -> None:
    inp = replace(tiny_segment()[0], seed=seed)
    want = np.zeros((count, k + 1))
    for i, rng in enumerate(entity_streams(inp, index, count)):
        want[i, 0] = rng.random()
        want[i, 1:] = rng.standard_exponential(k)
    np.testing.assert_array_equal(entity_draws(inp, index, count, k), want)


def test_seed_words_are_numpys() -> None:
    from numpy.random.bit_generator import _coerce_to_uint32_array

    for seed in SEEDS:
        assert uint32_words(seed) == _coerce_to_uint32_array(seed).tolist()


@pytest.mark.parametrize("seed", SEEDS)
def test_lazy_streams_are_spawn_streams(seed: tuple[int, ...]) -> None:
    inp = replace(tiny_segment()[0], seed=seed)
    lazy = LazyStreams(inp)
    assert len(lazy) == len(spawn_streams(inp))
    for i in (11, 0, 7, 3):  # any order, each built once
        want = spawn_streams(inp)[i]
        assert lazy[i] is lazy[i]
        np.testing.assert_array_equal(lazy[i].random(5), want.random(5))
        np.testing.assert_array_equal(lazy[i].standard_normal(5), want.standard_normal(5))
    assert lazy[-1] is lazy[11] and len(lazy[2:5]) == 3


@pytest.mark.parametrize("seed", SEEDS)
def test_a_stream_stepped_as_words_hands_its_state_to_its_generator(seed: tuple[int, ...]) -> None:
    """The compiled draws step a stream's state words without a generator; a generator made
    afterwards (and its words asked again) starts where they left it, pending half word too."""
    from simulations.traffic_draws import bounded_integers, standard_normals

    inp = replace(tiny_segment()[0], seed=seed)
    lazy, want = LazyStreams(inp), spawn_streams(inp)
    for i in (5, 10, 11):
        words = lazy.words(i)
        assert lazy.words(i) is words and i in lazy.touched and i not in lazy.made
        np.testing.assert_array_equal(standard_normals(words, 9), want[i].standard_normal(9))
        np.testing.assert_array_equal(bounded_integers(words, 7, 3), want[i].integers(0, 7, 3))
        assert lazy[i].bit_generator.state == want[i].bit_generator.state
        assert lazy.words(i) is lazy[i] and lazy[i].random() == want[i].random()
