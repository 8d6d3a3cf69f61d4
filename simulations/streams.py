"""Random streams of a segment: one generator per stochastic source, from SeedSequence(seed).

Indices: 0-7 traffic attributes, 8 device failures (one child stream per device), 9 link outages
(one child stream per link), 10 cold starts, 11 load-balancer draws. Both engines (SimPy and
compiled) draw from these in the same order, so they see the same numbers.
"""

from __future__ import annotations

import numpy as np

from simulations.inputs import SegmentInput

N_STREAMS = 12


def spawn_streams(inp: SegmentInput) -> list[np.random.Generator]:
    """One generator per stochastic source, from SeedSequence(seed)."""
    seeds = np.random.SeedSequence(inp.seed).spawn(N_STREAMS)
    return [np.random.default_rng(s) for s in seeds]


def entity_streams(inp: SegmentInput, index: int, count: int) -> list[np.random.Generator]:
    """One generator per device (index 8) or link (index 9), children of stream ``index``: each
    entity's draws do not depend on the order in which the others make theirs."""
    children = np.random.SeedSequence(inp.seed).spawn(N_STREAMS)[index].spawn(count)
    return [np.random.default_rng(s) for s in children]
