"""numpy's own gamma and normal draws, computed faster: the very numbers, from the same stream.

Like copying a recipe word for word but cooking in one pot: numpy's ``Generator.gamma`` (for a
shape above 1: Marsaglia and Tsang's method) and ``Generator.standard_normal`` (its 256-layer
ziggurat) read 64-bit words from the generator one at a time through a function pointer; here
the words are taken in one block (``bit_generator.random_raw``) and the same steps, with numpy's
ziggurat tables, run over them in a compiled loop, so every draw is the number numpy would have
drawn and the generator ends where numpy would have left it (``advance`` back over the words
not used). The token counts' rounding is done in the same loop. Nothing here changes what is
drawn (tests hold it to numpy's numbers); it changes what a draw costs.
"""

from __future__ import annotations

import numpy as np

from simulations.compiled import loads_without_refresh, scipy_left_out
from simulations.inputs import SegmentInput
from simulations.streams import (
    INIT_B,
    MULT_B,
    POOL_SIZE,
    XSHIFT,
    child_pools,
    uint32_words,
)

GAMMA_WORDS = 2
"""Words a gamma draw takes at least: a normal's and a uniform's."""


def rounded_gammas(rng: np.random.Generator, shape: float, scale: float, n: int) -> np.ndarray:
    """``max(1, rint(rng.gamma(shape, scale, n)))`` as int64, for a shape above 1."""
    if not shape > 1.0:
        raise ValueError(f"shape must be above 1 (numpy's other gamma method below), got {shape}")
    out = np.empty(n, dtype=np.int64)
    _drawn(rng, GAMMA_WORDS * n + n // 5 + 64, True, shape, scale, np.empty(0), out)
    return out


def rounded_gammas_in_turn(
    rng: np.random.Generator, params: list[tuple[float, float]], n: int, words: int = 0
) -> list[np.ndarray]:
    """``[rounded_gammas(rng, shape, scale, n) for shape, scale in params]`` (every shape
    above 1): the same draws one after another, from one block of the stream's words (one
    block, one compiled call's set-up and one advance back, instead of one per column).
    ``words``: the first block's length (0: enough but for rare runs of rejections)."""
    if not all(shape > 1.0 for shape, _ in params):
        raise ValueError(f"shapes must be above 1 (numpy's other gamma method below): {params}")
    out = [np.empty(n, dtype=np.int64) for _ in params]
    words = words or len(params) * (GAMMA_WORDS * n + n // 5) + 64
    with scipy_left_out():  # numba's import looks for scipy
        from simulations import traffic_kernels as K
    bit_gen, empty = rng.bit_generator, np.empty(0)
    while True:
        raw = bit_gen.random_raw(words)
        used = 0
        with scipy_left_out(), loads_without_refresh():  # a fresh process: from the cache
            for (shape, scale), sizes in zip(params, out, strict=True):
                got = K.fill(raw[used:], True, shape, scale, K.KI, K.WI, K.FI, empty, sizes)
                if got < 0:
                    break
                used += got
            else:
                bit_gen.advance(used - words)  # type: ignore[attr-defined]
                return out
        bit_gen.advance(-words)  # type: ignore[attr-defined]
        words *= 2


def standard_normals(rng: np.random.Generator, n: int) -> np.ndarray:
    """``rng.standard_normal(n)``."""
    out = np.empty(n)
    _drawn(rng, n + n // 16 + 64, False, 1.0, 1.0, out, np.empty(0, dtype=np.int64))
    return out


def _drawn(
    rng: np.random.Generator,
    words: int,
    gamma: bool,
    shape: float,
    scale: float,
    normals: np.ndarray,
    sizes: np.ndarray,
) -> None:
    """Run ``traffic_kernels.fill`` over a block of ``words`` of the stream (twice as many
    while it runs short: each word of a block is the next one numpy would take), then put the
    stream back to just after the words it used."""
    with scipy_left_out():  # numba's import looks for scipy
        from simulations import traffic_kernels as K

    bit_gen = rng.bit_generator
    while True:
        raw = bit_gen.random_raw(words)
        with scipy_left_out(), loads_without_refresh():  # a fresh process: from the cache
            used = K.fill(raw, gamma, shape, scale, K.KI, K.WI, K.FI, normals, sizes)
        if used >= 0:
            bit_gen.advance(used - words)  # type: ignore[attr-defined]
            return
        bit_gen.advance(-words)  # type: ignore[attr-defined]
        words *= 2


def entity_draws(inp: SegmentInput, index: int, count: int, k: int) -> np.ndarray:
    """``streams.entity_draws``: per entity of ``entity_streams(inp, index, count)`` one
    uniform, then ``k`` standard exponentials -- the same numbers, with the entities' PCG64
    generators stepped in a compiled loop instead of one numpy generator per entity."""
    out = np.zeros((count, k + 1))
    if count == 0:
        return out
    pool = child_pools(uint32_words(inp.seed), [index], count)
    seed = np.empty((4, count), dtype=np.uint64)
    h = INIT_B  # SeedSequence.generate_state(4, uint64) of every child at once
    words = []
    for i in range(2 * POOL_SIZE):
        v = pool[i % POOL_SIZE] ^ np.uint32(h)
        h = (h * MULT_B) & 0xFFFFFFFF
        v = v * np.uint32(h)
        words.append((v ^ (v >> np.uint32(XSHIFT))).astype(np.uint64))
    for k in range(POOL_SIZE):
        seed[k] = words[2 * k] | (words[2 * k + 1] << np.uint64(32))
    with scipy_left_out():  # numba's import looks for scipy
        from simulations import traffic_kernels as K
    with scipy_left_out(), loads_without_refresh():  # a fresh process: from the cache
        K.entity_fill(seed, K.KE, K.WE, K.FE, out)
    return out


def arrival_times(gaps: np.ndarray, counts: np.ndarray, bin_s: float, n: int) -> np.ndarray:
    """``traffic_kernels.arrival_times``: the ``n`` arrival instants of the bins' ``counts``
    from the exponential ``gaps`` (n, then one closing gap per bin)."""
    with scipy_left_out():  # numba's import looks for scipy
        from simulations import traffic_kernels as K
    out = np.empty(n)
    with scipy_left_out(), loads_without_refresh():  # a fresh process: from the cache
        K.arrival_times(gaps, counts, float(bin_s), out)
    return out
