"""The compiled loops of ``simulations.traffic_draws``: numpy's standard normal (ziggurat) and
gamma (Marsaglia and Tsang, shape above 1) over a block of the generator's 64-bit words, step for
step as numpy's ``distributions.c`` takes them. Each returns the words it used, or -1 when the
block ran short (the caller draws a longer one). Imported only under ``scipy_left_out``: numba's
import looks for scipy."""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba.np.random._constants import (
    fi_double,
    ki_double,
    wi_double,
    ziggurat_nor_inv_r,
    ziggurat_nor_r,
)

KI = np.asarray(ki_double, dtype=np.uint64)
WI = np.asarray(wi_double, dtype=np.float64)
FI = np.asarray(fi_double, dtype=np.float64)
"""numpy's ziggurat tables for the standard normal (``ziggurat_constants.h``; numba carries
them for its own port of numpy's generators)."""
NOR_R = float(ziggurat_nor_r)
NOR_INV_R = float(ziggurat_nor_inv_r)
TO_DOUBLE = 1.0 / 9007199254740992.0
U53 = np.uint64(11)
"""numpy's ``next_double``: the word's top 53 bits (shifted down by 11) times 2^-53."""


@njit(cache=True)
def fill(
    raw: np.ndarray, gamma: bool, shape: float, scale: float, ki: np.ndarray, wi: np.ndarray,
    fi: np.ndarray, normals: np.ndarray, sizes: np.ndarray,
) -> int:  # fmt: skip
    """Standard normals into ``normals`` (``gamma`` False), or (``gamma`` True, shape above 1)
    max(1, rint(scale x standard gamma(shape))) into ``sizes`` (int64), drawn from ``raw`` as
    numpy's ``random_standard_normal`` and ``random_standard_gamma`` take their words: the
    words used, or -1 when ``raw`` ran short. (One loop for both: numba compiled the normal
    as a function of its own, returning the draw and the position, ten times slower.)"""
    b = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9 * b) if gamma else 0.0
    j = 0
    m = raw.size
    for i in range(normals.size if not gamma else sizes.size):
        while True:
            # numpy's ziggurat normal
            if j >= m:
                return -1
            r = raw[j]
            j += 1
            idx = np.int64(r & np.uint64(0xFF))
            r >>= np.uint64(8)
            rabs = (r >> np.uint64(1)) & np.uint64(0x000FFFFFFFFFFFFF)
            x = float(rabs) * wi[idx]
            if r & np.uint64(1):
                x = -x
            if rabs >= ki[idx]:  # 0.7 % of the draws
                if idx == 0:  # the tail, from two uniforms at a time
                    while True:
                        if j + 2 > m:
                            return -1
                        xx = -NOR_INV_R * math.log1p(-float(raw[j] >> U53) * TO_DOUBLE)
                        yy = -math.log1p(-float(raw[j + 1] >> U53) * TO_DOUBLE)
                        j += 2
                        if yy + yy > xx * xx:
                            break
                    x = -(NOR_R + xx) if (rabs >> np.uint64(8)) & np.uint64(1) else NOR_R + xx
                else:
                    if j >= m:
                        return -1
                    u = float(raw[j] >> U53) * TO_DOUBLE
                    j += 1
                    if not (fi[idx - 1] - fi[idx]) * u + fi[idx] < math.exp(-0.5 * x * x):
                        continue
            if not gamma:
                normals[i] = x
                break
            # Marsaglia and Tsang: accept b v^3 (or draw again)
            v = 1.0 + c * x
            if v <= 0.0:
                continue
            v = v * v * v
            if j >= m:
                return -1
            u = float(raw[j] >> U53) * TO_DOUBLE
            j += 1
            if u < 1.0 - 0.0331 * (x * x) * (x * x) or math.log(u) < 0.5 * x * x + b * (
                1.0 - v + math.log(v)
            ):
                sizes[i] = np.int64(max(np.rint(scale * (b * v)), 1.0))
                break
    return j
