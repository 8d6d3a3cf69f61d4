"""Percentiles by selection (``planner.selection``) are the numbers one stable sort gives.

``parts_quantiles`` finds each percentile from a histogram and a sort of the values near it;
these tests hold it to ``grouped_quantiles`` of the pooled values (one stable sort) on data made
to be hard: many ties, zeros, weights that sum exactly or not at all, nan (the sort decides),
and check that realistic latencies take the selection path, not the sort.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import selection
from planner.selection import Part, by_selection, parts_quantiles, pooled
from planner.stats import grouped_quantiles

QS = [0.5, 0.95, 0.99]
CODES = [0, 1, 2, 3]


def same(a: list[float], b: list[float]) -> bool:
    return all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


def parts_of(seed: int, k: int, ties: bool, nan: bool, weights: list[float]) -> list[Part]:
    rng = np.random.default_rng(seed)
    out: list[Part] = []
    for j in range(k):
        n = int(rng.integers(0, 300))
        v = rng.integers(0, 30, n) * 0.25 if ties else rng.lognormal(6, 1.5, n)
        v[rng.random(n) < 0.05] = 0.0
        if nan:
            v[rng.random(n) < 0.05] = math.nan
        g = rng.integers(0, 6, n).astype(np.int8)  # codes 4, 5: not among CODES
        out.append((v, g, weights[j % len(weights)]))
    return out


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 5),
    st.booleans(),
    st.booleans(),
    st.lists(st.sampled_from([1.0, 0.5, 3.0, 0.3, 119.55, 26.158739841320145, 1e-3]), min_size=1),
    st.sampled_from([CODES, [], [2, 0, 9], list(range(24))]),
)
def test_selection_gives_the_numbers_of_one_stable_sort(
    seed: int, k: int, ties: bool, nan: bool, weights: list[float], codes: list[int]
) -> None:
    parts = parts_of(seed, k, ties, nan, weights)
    overall, by_code = parts_quantiles(parts, codes, QS)
    want_all, want_by = grouped_quantiles(*pooled(parts), codes, QS)
    assert same(overall, want_all)
    assert set(by_code) == set(codes)
    for c in codes:
        assert same(by_code[c], want_by[c]), c


def test_realistic_latencies_take_the_selection_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three segments of unequal weight, ~40k lognormal latencies each: no sort of them all."""
    rng = np.random.default_rng(7)
    parts: list[Part] = [
        (rng.lognormal(8, 0.7, 40_000), rng.integers(0, 4, 40_000).astype(np.int8), w)
        for w in (26.158739841320145, 3.5841596616220093, 0.25710049705784765)
    ]
    want = grouped_quantiles(*pooled(parts), CODES, QS)
    assert by_selection(parts, CODES, QS) == want

    def no_sort(*args: object) -> None:
        raise AssertionError("sorted every value")

    monkeypatch.setattr(selection, "grouped_quantiles", no_sort)
    assert parts_quantiles(parts, CODES, QS) == want


def test_values_the_bits_do_not_order_fall_back_to_the_sort() -> None:
    """Negative values, -0.0, infinities and nan: the sort decides."""
    for bad in (-1.0, -0.0, math.inf, math.nan):
        v = np.array([3.0, bad, 1.0, 2.0])
        parts: list[Part] = [(v, np.zeros(4, dtype=np.int8), 2.0)]
        assert by_selection(parts, [], QS) is None
        got, _ = parts_quantiles(parts, [], QS)
        assert same(got, grouped_quantiles(*pooled(parts), [], QS)[0])


def test_a_target_on_the_boundary_of_two_values_is_left_to_the_sort() -> None:
    """Weight 1 each, values 1..4: the median's cumulative weight 2 is exactly the weight up to
    the value 2, where rounding could tip it either way; the sort's answer stands."""
    parts: list[Part] = [(np.array([4.0, 1.0, 3.0, 2.0]), np.zeros(4, dtype=np.int8), 1.0)]
    assert by_selection(parts, [], [0.5]) is None
    assert parts_quantiles(parts, [], [0.5])[0] == [2.0]
