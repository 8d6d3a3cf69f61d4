"""The compiled loops of ``simulations.traffic_draws``: numpy's standard normal (ziggurat) and
gamma (Marsaglia and Tsang, shape above 1) from the generator's 64-bit words, step for step as
numpy's ``distributions.c`` takes them, the words made here by PCG64's own steps (as numpy's
``pcg64.h``: a 128-bit multiply and add, the XSL-RR output) from the generator's state, which
the caller puts back. Imported only under ``scipy_left_out``: numba's import looks for scipy."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic
from numba.np.random._constants import (
    fe_double,
    fi_double,
    ke_double,
    ki_double,
    we_double,
    wi_double,
    ziggurat_exp_r,
    ziggurat_nor_inv_r,
    ziggurat_nor_r,
)

KI = np.asarray(ki_double, dtype=np.uint64)
WI = np.asarray(wi_double, dtype=np.float64)
FI = np.asarray(fi_double, dtype=np.float64)
"""numpy's ziggurat tables for the standard normal (``ziggurat_constants.h``; numba carries
them for its own port of numpy's generators)."""
KE = np.asarray(ke_double, dtype=np.uint64)
WE = np.asarray(we_double, dtype=np.float64)
FE = np.asarray(fe_double, dtype=np.float64)
"""numpy's ziggurat tables for the standard exponential."""
EXP_R = float(ziggurat_exp_r)
NOR_R = float(ziggurat_nor_r)
NOR_INV_R = float(ziggurat_nor_inv_r)
TO_DOUBLE = 1.0 / 9007199254740992.0
U53 = np.uint64(11)
"""numpy's ``next_double``: the word's top 53 bits (shifted down by 11) times 2^-53."""


MIX_MULT_L, MIX_MULT_R = np.uint64(0xCA01F9DD), np.uint64(0x4973F715)
"""numpy's SeedSequence ``mix`` multipliers (``streams.MIX_MULT_L``, ``MIX_MULT_R``)."""
PCG_MULT_HI = np.uint64(0x2360ED051FC65DA4)
PCG_MULT_LO = np.uint64(0x4385DF649FCCF645)
"""PCG64's 128-bit multiplier, in two words."""
S_HI, S_LO, S_INC_HI, S_INC_LO, S_HAS32, S_U32 = range(6)
"""A PCG64 state as the kernels hold it (``traffic_draws.stepped``): the 128-bit state and
increment in two words each, then numpy's pending half word (``has_uint32``, ``uinteger``)."""
NORMALS, GAMMAS, UNIFORMS, EXPONENTIALS, BOUNDED = range(5)
"""What ``fill`` draws."""


@intrinsic
def _mulhi_ir(typingctx: object, a: object, b: object) -> object:
    """The high word of the 128-bit product of two words (one machine multiply)."""
    sig = types.uint64(types.uint64, types.uint64)

    def codegen(context: object, builder: ir.IRBuilder, signature: object, args: Any) -> Any:
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        return builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))

    return sig, codegen


_mulhi = cast(Callable[[np.uint64, np.uint64], np.uint64], _mulhi_ir)


@njit(cache=True, inline="always")
def _next_word(s: np.ndarray) -> np.uint64:
    """numpy's ``pcg64_next64``: the state ``s`` stepped (state x multiplier + increment, mod
    2^128), then its halves xor-ed and rotated right by its top six bits."""
    lo, hi = s[S_LO], s[S_HI]
    new_lo = lo * PCG_MULT_LO
    hi = _mulhi(lo, PCG_MULT_LO) + hi * PCG_MULT_LO + lo * PCG_MULT_HI
    lo = new_lo + s[S_INC_LO]
    hi += s[S_INC_HI] + np.uint64(lo < new_lo)
    s[S_HI], s[S_LO] = hi, lo
    x, rot = hi ^ lo, hi >> np.uint64(58)
    word: np.uint64 = (x >> rot) | (x << ((np.uint64(64) - rot) & np.uint64(63)))
    return word


@njit(cache=True, inline="always")
def _next_uint32(s: np.ndarray) -> np.uint64:
    """numpy's ``pcg64_next32``: the pending upper half of the last word, else the lower half
    of a new word (its upper half left pending)."""
    if s[S_HAS32]:
        s[S_HAS32] = 0
        half: np.uint64 = s[S_U32]
        return half
    word = _next_word(s)
    s[S_HAS32], s[S_U32] = 1, word >> np.uint64(32)
    low: np.uint64 = word & np.uint64(0xFFFFFFFF)
    return low


@njit(cache=True, inline="always")
def _exponential(s: np.ndarray, ke: np.ndarray, we: np.ndarray, fe: np.ndarray) -> float:
    """numpy's ``random_standard_exponential`` (its ziggurat; 98.9 % of draws one word)."""
    while True:
        ri = _next_word(s) >> np.uint64(3)
        layer = int(np.int64(ri & np.uint64(0xFF)))
        ri >>= np.uint64(8)
        x: float = float(ri) * we[layer]
        if ri < ke[layer]:
            return x
        u = float(_next_word(s) >> U53) * TO_DOUBLE
        if layer == 0:
            return EXP_R - math.log1p(-u)
        if (fe[layer - 1] - fe[layer]) * u + fe[layer] < math.exp(-x):
            return x


@njit(cache=True, inline="always")
def _bounded(s: np.ndarray, high: int, ints: np.ndarray) -> None:
    """``ints`` from numpy's ``buffered_bounded_lemire_uint32``: integers in [0, high) for
    1 < high < 2^32, Lemire's multiply and reject on 32-bit halves of words."""
    excl = np.uint64(high)
    mask = np.uint64(0xFFFFFFFF)
    threshold = (mask - (excl - np.uint64(1))) % excl
    for i in range(ints.size):
        m = _next_uint32(s) * excl
        if (m & mask) < excl:
            while (m & mask) < threshold:
                m = _next_uint32(s) * excl
        ints[i] = np.int64(m >> np.uint64(32))


@njit(cache=True)
def fill(
    s: np.ndarray, kind: int, shape: float, scale: float, high: int, ki: np.ndarray,
    wi: np.ndarray, fi: np.ndarray, ke: np.ndarray, we: np.ndarray, fe: np.ndarray,
    floats: np.ndarray, ints: np.ndarray,
) -> None:  # fmt: skip
    """Draws from the PCG64 state ``s`` (stepped here) as numpy makes them, by ``kind``:
    ``NORMALS`` into ``floats`` (``random_standard_normal``: the ziggurat with tables ki, wi,
    fi); ``GAMMAS``, max(1, rint(scale x standard gamma(shape))) for a shape above 1 into
    ``ints`` (``random_standard_gamma``: Marsaglia and Tsang on those normals);
    ``UNIFORMS`` into ``floats`` (``Generator.random``: a word's top 53 bits times 2^-53);
    ``EXPONENTIALS`` into ``floats`` (``random_standard_exponential``: the ziggurat with
    tables ke, we, fe); ``BOUNDED``, integers in [0, high) for 1 < high < 2^32 into ``ints``
    (``integers(0, high)``: ``buffered_bounded_lemire_uint32``, Lemire's multiply and reject
    on 32-bit halves of words). One kernel for every kind: one to load in a fresh process.
    (One loop for the normal and the gamma: numba compiled the normal as a function of its
    own, returning the draw and the position, ten times slower.)"""
    if kind == UNIFORMS:
        for i in range(floats.size):
            floats[i] = float(_next_word(s) >> U53) * TO_DOUBLE
        return
    if kind == EXPONENTIALS:
        for i in range(floats.size):
            floats[i] = _exponential(s, ke, we, fe)
        return
    if kind == BOUNDED:
        _bounded(s, high, ints)
        return
    gamma = kind == GAMMAS
    normals, sizes = floats, ints
    b = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9 * b) if gamma else 0.0
    for i in range(normals.size if not gamma else sizes.size):
        while True:
            # numpy's ziggurat normal
            r = _next_word(s)
            idx = np.int64(r & np.uint64(0xFF))
            r >>= np.uint64(8)
            rabs = (r >> np.uint64(1)) & np.uint64(0x000FFFFFFFFFFFFF)
            x = float(rabs) * wi[idx]
            if r & np.uint64(1):
                x = -x
            if rabs >= ki[idx]:  # 0.7 % of the draws
                if idx == 0:  # the tail, from two uniforms at a time
                    while True:
                        xx = -NOR_INV_R * math.log1p(-float(_next_word(s) >> U53) * TO_DOUBLE)
                        yy = -math.log1p(-float(_next_word(s) >> U53) * TO_DOUBLE)
                        if yy + yy > xx * xx:
                            break
                    x = -(NOR_R + xx) if (rabs >> np.uint64(8)) & np.uint64(1) else NOR_R + xx
                else:
                    u = float(_next_word(s) >> U53) * TO_DOUBLE
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
            u = float(_next_word(s) >> U53) * TO_DOUBLE
            if u < 1.0 - 0.0331 * (x * x) * (x * x) or math.log(u) < 0.5 * x * x + b * (
                1.0 - v + math.log(v)
            ):
                sizes[i] = np.int64(max(np.rint(scale * (b * v)), 1.0))
                break


@njit(cache=True)
def entity_fill(
    pool: np.ndarray, index_hash: np.ndarray, state_hash: np.ndarray, ke: np.ndarray,
    we: np.ndarray, fe: np.ndarray, out: np.ndarray,
) -> None:  # fmt: skip
    """Row e of ``out``: one ``random()`` then standard exponentials, drawn as numpy's PCG64
    seeded by child e of a SeedSequence and its ``random_standard_exponential`` (ziggurat)
    draw them. The child's pool is the parent's ``pool`` (4 words) with e mixed into each word
    (numpy's ``hashmix`` with the hash constants ``index_hash``, before and after each step,
    then ``mix``); its generate_state(4, uint64) hashes the pool cyclically with
    ``state_hash`` (state high, low, increment high, low: two 32-bit words each, low first).
    PCG64 seeds as numpy's ``pcg_setseq_128_srandom_r``: increment 2 i + 1, state 0 stepped,
    plus the seed's state, stepped; per step the state becomes state x multiplier +
    increment (mod 2^128), and a word is the state's halves xor-ed and rotated right by its
    top six bits."""
    s1, s3, s8, s11 = np.uint64(1), np.uint64(3), np.uint64(8), np.uint64(11)
    s58, s63 = np.uint64(58), np.uint64(63)
    m32, s16, s32 = np.uint64(0xFFFFFFFF), np.uint64(16), np.uint64(32)
    child = np.zeros(4, dtype=np.uint64)
    seed = np.zeros(4, dtype=np.uint64)
    for e in range(out.shape[0]):
        for d in range(4):  # the child's index mixed into each pool word
            v = ((np.uint64(e) ^ index_hash[d, 0]) * index_hash[d, 1]) & m32
            v ^= v >> s16
            r = (MIX_MULT_L * pool[d] - MIX_MULT_R * v) & m32
            child[d] = r ^ (r >> s16)
        for d in range(8):  # generate_state: 32-bit words, two to a seed word
            v = ((child[d % 4] ^ state_hash[d]) * state_hash[d + 1]) & m32
            v ^= v >> s16
            seed[d // 2] = v if d % 2 == 0 else seed[d // 2] | (v << s32)
        ihi = (seed[2] << s1) | (seed[3] >> s63)
        ilo = (seed[3] << s1) | s1
        lo = ilo + seed[1]  # from state 0 one step gives the increment; then the seed
        hi = ihi + seed[0] + np.uint64(lo < ilo)
        col, pend, pend_x = -1, -1, 0.0  # pend: the layer of an exponential awaiting a uniform
        while col < out.shape[1]:
            # one PCG64 step (and its word)
            new_lo = lo * PCG_MULT_LO
            hi = _mulhi(lo, PCG_MULT_LO) + hi * PCG_MULT_LO + lo * PCG_MULT_HI
            lo = new_lo + ilo
            hi += ihi + np.uint64(lo < new_lo)
            x, rot = hi ^ lo, hi >> s58
            word = (x >> rot) | (x << ((np.uint64(64) - rot) & s63))
            if col == -1:  # the seeding's last step: no word
                col = 0
                continue
            if col == 0:  # random()
                out[e, 0] = float(word >> s11) * TO_DOUBLE
                col = 1
                continue
            if pend >= 0:  # the exponential's second word, for a rare case
                u = float(word >> s11) * TO_DOUBLE
                if pend == 0:
                    out[e, col] = EXP_R - math.log1p(-u)
                    col += 1
                elif (fe[pend - 1] - fe[pend]) * u + fe[pend] < math.exp(-pend_x):
                    out[e, col] = pend_x
                    col += 1
                pend = -1
                continue  # else: draw again, from the next word
            ri = word >> s3
            idx = int(np.int64(ri & np.uint64(0xFF)))
            ri >>= s8
            xe = float(ri) * we[idx]
            if ri < ke[idx]:
                out[e, col] = xe
                col += 1
            else:
                pend, pend_x = idx, xe


@njit(cache=True)
def arrival_times(
    s: np.ndarray, counts: np.ndarray, bin_s: float, sites: int, ke: np.ndarray,
    we: np.ndarray, fe: np.ndarray, out: np.ndarray, site: np.ndarray,
) -> None:  # fmt: skip
    """``traffic.generate_arrivals`` after its Poisson counts, from the PCG64 state ``s``:
    n + bins standard exponentials (n: the arrivals in all bins), then (``sites`` > 1) each
    arrival's site, ``integers(0, sites)``, into ``site``. Bin b's arrivals are the running
    sums of the first n gaps taken from the bin's start, over the bin's span (its arrivals'
    gaps and its own closing gap, the n + b-th), plus b, times the bin's length -- numpy's
    steps (cumsum, -, /, +, *) in the same order, one bin at a time; the gaps are summed as
    they are drawn (no array of them)."""
    n = out.size
    total = 0.0
    for i in range(n):
        total += _exponential(s, ke, we, fe)
        out[i] = total
    total = 0.0
    i = 0
    for b in range(counts.size):
        before = total
        start = i
        i += counts[b]
        if i > start:
            total = out[i - 1]
        span = total - before + _exponential(s, ke, we, fe)
        for j in range(start, i):
            out[j] = ((out[j] - before) / span + float(b)) * bin_s
    if sites > 1:
        _bounded(s, sites, site)
