"""Random streams of a segment: one generator per stochastic source, from SeedSequence(seed).

Indices: 0-7 traffic attributes, 8 device failures (one child stream per device), 9 link outages
(one child stream per link), 10 cold starts, 11 load-balancer draws. Both engines (SimPy and
compiled) draw from these in the same order, so they see the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np

from simulations.inputs import SegmentInput

N_STREAMS = 12


def spawn_streams(inp: SegmentInput) -> list[np.random.Generator]:
    """One generator per stochastic source, from SeedSequence(seed)."""
    seeds = np.random.SeedSequence(inp.seed).spawn(N_STREAMS)
    return [np.random.default_rng(s) for s in seeds]


class LazyStreams(Sequence[np.random.Generator]):
    """``spawn_streams(inp)``'s generators, each built when first asked for, from its child's
    PCG64 state worked out alone (``child_state``): the same numbers, without the
    SeedSequences and without the generators a segment does not draw from. The compiled draws
    (``traffic_draws``) step a stream's state words themselves (``words``), so a stream only
    they draw from never becomes a numpy generator."""

    def __init__(self, inp: SegmentInput) -> None:
        self.seed = ChildSeeds(uint32_words(inp.seed), [])
        self.made: dict[int, np.random.Generator] = {}
        self.stepped: dict[int, np.ndarray] = {}
        """Streams drawn through their state words so far (and those words, stepped)."""

    @property
    def touched(self) -> set[int]:
        """The streams drawn from (or handed out) so far."""
        return self.made.keys() | self.stepped.keys()

    def __len__(self) -> int:
        return N_STREAMS

    @overload
    def __getitem__(self, i: int) -> np.random.Generator: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[np.random.Generator]: ...

    def __getitem__(self, i: int | slice) -> np.random.Generator | Sequence[np.random.Generator]:
        if isinstance(i, slice):
            return [self[k] for k in range(N_STREAMS)[i]]
        i = range(N_STREAMS)[i]
        if i not in self.made:
            words = self.stepped.pop(i, None)
            if words is None:
                self.made[i] = generator_at(*self.seed.state(i))
            else:  # where its words were stepped to (the next draw is the generator's)
                hi, lo, inc_hi, inc_lo, has_uint32, uinteger = words.tolist()
                state, inc = (hi << 64) | lo, (inc_hi << 64) | inc_lo
                self.made[i] = generator_at(state, inc, has_uint32, uinteger)
        return self.made[i]

    def words(self, i: int) -> np.random.Generator | np.ndarray:
        """Stream ``i`` for the compiled draws: its PCG64 state as six words (state and
        increment high and low, numpy's pending half word: ``traffic_kernels.S_HI`` ..),
        which they step in place; its generator once one was made."""
        i = range(N_STREAMS)[i]
        if i in self.made:
            return self.made[i]
        if i not in self.stepped:
            state, inc = self.seed.state(i)
            words = [state >> 64, state & MASK64, inc >> 64, inc & MASK64, 0, 0]
            self.stepped[i] = np.array(words, dtype=np.uint64)
        return self.stepped[i]


class ChildSeeds:
    """The PCG64 states of ``SeedSequence(entropy, spawn_key=key).spawn(n)``'s children's
    generators, one child at a time in plain integers: the parent's pool is mixed once, each
    child's index is mixed into a copy of it (``child_pools`` for one child), then its
    generate_state(4, uint64) and PCG's set-seq seeding (``pcg64_states`` for one)."""

    def __init__(self, entropy: list[int], key: list[int]) -> None:
        words = entropy + [0] * max(POOL_SIZE - len(entropy), 0) + key
        h = _Hash(INIT_A)
        pool = [h.mix(words[i]) for i in range(POOL_SIZE)]
        for i_src in range(POOL_SIZE):
            for i_dst in range(POOL_SIZE):
                if i_src != i_dst:
                    pool[i_dst] = _mix(pool[i_dst], h.mix(pool[i_src]))
        for i_src in range(POOL_SIZE, len(words)):
            for i_dst in range(POOL_SIZE):
                pool[i_dst] = _mix(pool[i_dst], h.mix(words[i_src]))
        self.pool, self.hash = pool, h.value

    def state(self, index: int) -> tuple[int, int]:
        """(state, increment) of child ``index``'s ``PCG64``."""
        h = _Hash(self.hash)
        pool = [_mix(p, h.mix(index)) for p in self.pool]
        hb, out = INIT_B, []
        for i in range(2 * POOL_SIZE):
            v = pool[i % POOL_SIZE] ^ hb
            hb = (hb * MULT_B) & 0xFFFFFFFF
            v = (v * hb) & 0xFFFFFFFF
            out.append(v ^ (v >> XSHIFT))
        s0, s1, i0, i1 = (out[2 * k] | (out[2 * k + 1] << 32) for k in range(POOL_SIZE))
        inc = ((((i0 << 64) | i1) << 1) | 1) & MASK128
        state = (inc + ((s0 << 64) | s1)) & MASK128  # from state 0: one step gives inc
        return (state * PCG_MULT + inc) & MASK128, inc


def generator_at(
    state: int, inc: int, has_uint32: int = 0, uinteger: int = 0
) -> np.random.Generator:
    """A PCG64 generator in the given state (and numpy's pending half word)."""
    bit_gen = np.random.PCG64(0)
    bit_gen.state = {
        "bit_generator": "PCG64",
        "state": {"state": state, "inc": inc},
        "has_uint32": has_uint32,
        "uinteger": uinteger,
    }
    return np.random.Generator(bit_gen)


def entity_streams(inp: SegmentInput, index: int, count: int) -> list[np.random.Generator]:
    """One generator per device (index 8) or link (index 9), children of stream ``index``: each
    entity's draws do not depend on the order in which the others make theirs."""
    children = np.random.SeedSequence(inp.seed).spawn(N_STREAMS)[index].spawn(count)
    return [np.random.default_rng(s) for s in children]


# numpy's SeedSequence (numpy/random/bit_generator.pyx) and PCG64 seeding, for many children at
# once: ``entity_states`` gives the very states ``entity_streams``' generators start from
POOL_SIZE = 4
INIT_A, MULT_A, INIT_B, MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
MIX_MULT_L, MIX_MULT_R, XSHIFT = 0xCA01F9DD, 0x4973F715, 16
PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645
MASK128 = (1 << 128) - 1
MASK64 = (1 << 64) - 1


def uint32_words(x: int | tuple[int, ...]) -> list[int]:
    """numpy's ``_coerce_to_uint32_array`` of a non-negative int or a tuple of them."""
    if isinstance(x, tuple):
        return [w for v in x for w in uint32_words(v)]
    if x < 0:
        raise ValueError("seed words must be non-negative")
    words = []
    while x:
        words.append(x & 0xFFFFFFFF)
        x >>= 32
    return words or [0]


class _Hash:
    """The hash constant SeedSequence carries from one mixing step to the next."""

    def __init__(self, value: int) -> None:
        self.value = value

    def mix(self, v: int) -> int:
        v ^= self.value
        self.value = (self.value * MULT_A) & 0xFFFFFFFF
        v = (v * self.value) & 0xFFFFFFFF
        return v ^ (v >> XSHIFT)

    def mix_words(self, v: np.ndarray) -> np.ndarray:
        v = v ^ np.uint32(self.value)
        self.value = (self.value * MULT_A) & 0xFFFFFFFF
        v = v * np.uint32(self.value)
        return v ^ (v >> np.uint32(XSHIFT))


def _mix(x: int, y: int) -> int:
    r = (MIX_MULT_L * x - MIX_MULT_R * y) & 0xFFFFFFFF
    return r ^ (r >> XSHIFT)


def _mix_words(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r: np.ndarray = np.subtract(np.multiply(x, np.uint32(MIX_MULT_L)), y * np.uint32(MIX_MULT_R))
    out: np.ndarray = r ^ (r >> np.uint32(XSHIFT))
    return out


def child_pools(entropy: list[int], key: list[int], count: int) -> list[np.ndarray]:
    """The pools of SeedSequence(entropy, spawn_key=key + [i]) for i < count: one array of
    ``count`` words per pool word. Every word but the child's index is the same for all
    children, and the index is mixed in last: the rest is mixed once, as plain ints."""
    words = entropy + [0] * max(POOL_SIZE - len(entropy), 0) + key
    h = _Hash(INIT_A)
    pool = [h.mix(words[i]) for i in range(POOL_SIZE)]
    for i_src in range(POOL_SIZE):
        for i_dst in range(POOL_SIZE):
            if i_src != i_dst:
                pool[i_dst] = _mix(pool[i_dst], h.mix(pool[i_src]))
    for i_src in range(POOL_SIZE, len(words)):
        for i_dst in range(POOL_SIZE):
            pool[i_dst] = _mix(pool[i_dst], h.mix(words[i_src]))
    index = np.arange(count, dtype=np.uint32)
    out = [np.full(count, w, dtype=np.uint32) for w in pool]
    for i_dst in range(POOL_SIZE):
        out[i_dst] = _mix_words(out[i_dst], h.mix_words(index))
    return out


def pcg64_states(pool: list[np.ndarray]) -> list[tuple[int, int]]:
    """(state, increment) of ``PCG64(seed_sequence)`` for each child's pool: generate_state(4,
    uint64), then PCG's set-seq seeding."""
    h = INIT_B
    out = []
    for i in range(2 * POOL_SIZE):
        v = pool[i % POOL_SIZE] ^ np.uint32(h)
        h = (h * MULT_B) & 0xFFFFFFFF
        v = v * np.uint32(h)
        out.append(v ^ (v >> np.uint32(XSHIFT)))
    w = [x.astype(np.uint64) for x in out]
    u64 = [(w[2 * k] | (w[2 * k + 1] << np.uint64(32))).tolist() for k in range(POOL_SIZE)]
    states = []
    for s0, s1, i0, i1 in zip(*u64, strict=True):
        inc = ((((i0 << 64) | i1) << 1) | 1) & MASK128
        state = (inc + ((s0 << 64) | s1)) & MASK128  # from state 0: one step gives inc
        states.append(((state * PCG_MULT + inc) & MASK128, inc))
    return states


def entity_draws(inp: SegmentInput, index: int, count: int, k: int) -> np.ndarray:
    """Per entity of ``entity_streams(inp, index, count)``: one uniform, then ``k`` standard
    exponentials from its generator -- the same numbers, without building ``count``
    SeedSequences and generators (a link's or device's were most of a segment's set-up)."""
    out = np.zeros((count, k + 1))
    if count == 0:
        return out
    pool = child_pools(uint32_words(inp.seed), [index], count)
    bit_gen = np.random.PCG64(0)
    rng = np.random.Generator(bit_gen)
    for i, (state, inc) in enumerate(pcg64_states(pool)):
        bit_gen.state = {
            "bit_generator": "PCG64",
            "state": {"state": state, "inc": inc},
            "has_uint32": 0,
            "uinteger": 0,
        }
        out[i, 0] = rng.random()
        out[i, 1:] = rng.standard_exponential(k)
    return out
