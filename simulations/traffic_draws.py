"""numpy's own gamma and normal draws, computed faster: the very numbers, from the same stream.

Like copying a recipe word for word but cooking in one pot: numpy's ``Generator.gamma`` (for a
shape above 1: Marsaglia and Tsang's method) and ``Generator.standard_normal`` (its 256-layer
ziggurat) read 64-bit words from the generator one at a time through a function pointer; here
a compiled loop steps the generator's PCG64 state itself (``traffic_kernels``: the 128-bit
multiply and add and the output function of numpy's ``pcg64.h``, with a machine multiply) and
runs the same steps, with numpy's ziggurat tables, over the words as it makes them; the state
is put back into the generator after, so every draw is the number numpy would have drawn and
the generator ends where numpy would have left it. (A block of words from
``bit_generator.random_raw`` cost more than the draws: numpy makes a word through a function
pointer, and a block had to be longer than the draws need and stepped back.) The token counts'
rounding is done in the same loop. Nothing here changes what is
drawn (tests hold it to numpy's numbers); it changes what a draw costs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from simulations.compiled import loads_without_refresh, scipy_left_out
from simulations.inputs import SegmentInput
from simulations.streams import INIT_B, MULT_A, MULT_B, POOL_SIZE, ChildSeeds, uint32_words

MASK64 = (1 << 64) - 1
Source = np.random.Generator | np.ndarray
"""What the draws read: a numpy generator, or a stream's PCG64 state words that they step in
place (``streams.LazyStreams.words``: a stream only they draw from needs no generator)."""


def rounded_gammas(rng: Source, shape: float, scale: float, n: int) -> np.ndarray:
    """``max(1, rint(rng.gamma(shape, scale, n)))`` as int64, for a shape above 1."""
    return rounded_gammas_in_turn(rng, [(shape, scale)], n)[0]


def rounded_gammas_in_turn(
    rng: Source, params: list[tuple[float, float]], n: int
) -> list[np.ndarray]:
    """``[rounded_gammas(rng, shape, scale, n) for shape, scale in params]`` (every shape
    above 1): the same draws one after another, the generator's state read and put back
    once."""
    if not all(shape > 1.0 for shape, _ in params):
        raise ValueError(f"shapes must be above 1 (numpy's other gamma method below): {params}")
    if (g := numpy_only(rng)) is not None:
        return [np.maximum(np.rint(g.gamma(a, b, n)), 1.0).astype(np.int64) for a, b in params]
    out = [np.empty(n, dtype=np.int64) for _ in params]
    with stepped(rng) as (K, state), loads_without_refresh():  # a fresh process: the cache
        for (shape, scale), sizes in zip(params, out, strict=True):
            _fill(K, state, K.GAMMAS, np.empty(0), sizes, shape, scale)
    return out


def standard_normals(rng: Source, n: int) -> np.ndarray:
    """``rng.standard_normal(n)``."""
    if (g := numpy_only(rng)) is not None:
        return g.standard_normal(n)
    out = np.empty(n)
    with stepped(rng) as (K, state), loads_without_refresh():  # a fresh process: the cache
        _fill(K, state, K.NORMALS, out, np.empty(0, dtype=np.int64))
    return out


def uniforms(rng: Source, n: int) -> np.ndarray:
    """``rng.random(n)``."""
    g = numpy_only(rng)
    return _simple(rng, 2, 0, n)[0] if g is None else g.random(n)


def standard_exponentials(rng: Source, n: int) -> np.ndarray:
    """``rng.standard_exponential(n)`` (and ``rng.exponential(1.0, n)``: the same numbers)."""
    g = numpy_only(rng)
    return _simple(rng, 3, 0, n)[0] if g is None else g.standard_exponential(n)


def bounded_integers(rng: Source, high: int, n: int) -> np.ndarray:
    """``rng.integers(0, high, n)`` (int64), for 1 <= high <= 2^32 - 1."""
    if not 1 <= high < 1 << 32:
        raise ValueError(f"high must be in [1, 2^32 - 1], got {high}")
    if high == 1:  # numpy draws nothing for a range of one value
        return np.zeros(n, dtype=np.int64)
    g = numpy_only(rng)
    return _simple(rng, 4, high, n)[1] if g is None else g.integers(0, high, n)


def _simple(rng: Source, kind: int, high: int, n: int) -> tuple[np.ndarray, ...]:
    """``traffic_kernels.fill`` of kind 2 (uniforms), 3 (exponentials) or 4 (bounded)."""
    floats = np.empty(n if kind != 4 else 0)
    ints = np.empty(n if kind == 4 else 0, dtype=np.int64)
    with stepped(rng) as (K, state), loads_without_refresh():  # a fresh process: the cache
        _fill(K, state, kind, floats, ints, high=high)
    return floats, ints


def _fill(
    K: Any, state: np.ndarray, kind: int, floats: np.ndarray, ints: np.ndarray,
    shape: float = 1.0, scale: float = 1.0, high: int = 0,
) -> None:  # fmt: skip
    K.fill(state, kind, shape, scale, high, K.KI, K.WI, K.FI, K.KE, K.WE, K.FE, floats, ints)


def numpy_only(rng: Source) -> np.random.Generator | None:
    """``rng`` where the compiled loops cannot step it (a generator whose bit generator is not
    numpy's PCG64, which every stream of the engines is): it draws with numpy's own methods;
    else None."""
    if isinstance(rng, np.ndarray) or type(rng.bit_generator) is np.random.PCG64:
        return None
    return rng


@contextmanager
def stepped(rng: Source) -> Iterator[tuple[Any, np.ndarray]]:
    """The kernels' module and ``rng``'s PCG64 state as six words (``traffic_kernels``'
    ``S_HI`` .. ``S_U32``) for them to step; the state is put back into ``rng`` after, so its
    next draw is the one numpy would make after theirs."""
    with scipy_left_out():  # numba's import looks for scipy
        from simulations import traffic_kernels as K
    if isinstance(rng, np.ndarray):  # the words themselves
        with scipy_left_out():
            yield K, rng
        return
    bit_gen = rng.bit_generator
    full = bit_gen.state
    st, inc = full["state"]["state"], full["state"]["inc"]
    words = [st >> 64, st & MASK64, inc >> 64, inc & MASK64, full["has_uint32"], full["uinteger"]]
    state = np.array(words, dtype=np.uint64)
    with scipy_left_out():
        yield K, state
    hi, lo, _, _, has_uint32, uinteger = state.tolist()
    bit_gen.state = {
        "bit_generator": "PCG64",
        "state": {"state": (hi << 64) | lo, "inc": inc},
        "has_uint32": has_uint32,
        "uinteger": uinteger,
    }


def entity_draws(inp: SegmentInput, index: int, count: int, k: int) -> np.ndarray:
    """``streams.entity_draws``: per entity of ``entity_streams(inp, index, count)`` one
    uniform, then ``k`` standard exponentials -- the same numbers, with the entities' PCG64
    generators stepped in a compiled loop instead of one numpy generator per entity."""
    out = np.zeros((count, k + 1))
    if count == 0:
        return out
    parent = ChildSeeds(uint32_words(inp.seed), [index])
    index_hash, h = np.zeros((POOL_SIZE, 2), dtype=np.uint64), parent.hash
    for d in range(POOL_SIZE):  # the hash constants as each child's index is mixed in
        index_hash[d, 0], h = h, (h * MULT_A) & 0xFFFFFFFF
        index_hash[d, 1] = h
    with scipy_left_out():  # numba's import looks for scipy
        from simulations import traffic_kernels as K
    with scipy_left_out(), loads_without_refresh():  # a fresh process: from the cache
        K.entity_fill(
            np.array(parent.pool, dtype=np.uint64), index_hash, STATE_HASH, K.KE, K.WE, K.FE, out
        )
    return out


def _state_hash() -> np.ndarray:
    """generate_state's hash constants: INIT_B, then each times MULT_B (mod 2^32)."""
    h = [INIT_B]
    for _ in range(2 * POOL_SIZE):
        h.append((h[-1] * MULT_B) & 0xFFFFFFFF)
    return np.array(h, dtype=np.uint64)


STATE_HASH = _state_hash()


def arrivals(
    rng: Source, counts: np.ndarray, bin_s: float, sites: int
) -> tuple[np.ndarray, np.ndarray]:
    """``traffic_kernels.arrival_times``: the arrival instants of the bins' Poisson
    ``counts`` (n + bins standard exponentials: each bin's arrivals' gaps, then a closing gap
    per bin) and each arrival's site (``integers(0, sites)``), drawn from ``rng`` in that
    order as numpy draws them."""
    n = int(counts.sum())
    if (g := numpy_only(rng)) is not None:
        gaps = g.standard_exponential(n + counts.size)
        t, site = np.empty(n), np.zeros(n, dtype=np.int64)
        _arrival_instants(gaps, counts, bin_s, t)
        return t, g.integers(0, sites, n) if sites > 1 else site
    if not 0 <= sites < 1 << 32:
        raise ValueError(f"sites must be in [0, 2^32 - 1], got {sites}")
    t, site = np.empty(n), np.zeros(n, dtype=np.int64)
    with stepped(rng) as (K, state), loads_without_refresh():  # a fresh process: the cache
        K.arrival_times(
            state, np.ascontiguousarray(counts, dtype=np.int64), float(bin_s), sites, K.KE,
            K.WE, K.FE, t, site,
        )  # fmt: skip
    return t, site


def _arrival_instants(gaps: np.ndarray, counts: np.ndarray, bin_s: float, out: np.ndarray) -> None:
    """The kernel's instants from drawn ``gaps``, in numpy's steps (other bit generators)."""
    n, total, i = out.size, 0.0, 0
    for b in range(counts.size):
        before, start = total, i
        for _ in range(int(counts[b])):
            total += float(gaps[i])
            out[i] = total
            i += 1
        span = total - before + float(gaps[n + b])
        out[start:i] = ((out[start:i] - before) / span + float(b)) * bin_s
