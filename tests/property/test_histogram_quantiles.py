"""Percentiles read from log-bucket histograms against the exact weighted quantiles.

The summary reads its latency percentiles from ``planner.stats.LogHistogram`` above
``planner.summary.HISTOGRAM_ABOVE`` measured requests (no sort of every request). On random data
-- lognormal latencies over many decades, exact zeros, ties, integer and continuous weights,
groups -- every histogram percentile is within ``HISTOGRAM_RELATIVE_ERROR`` of the exact
weighted quantile of the same values, overall and per group, and the exact counts add up.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.stats import (
    HISTOGRAM_RELATIVE_ERROR,
    LogHistogram,
    grouped_histogram_quantiles,
    grouped_quantiles,
)

QS = [0.5, 0.9, 0.95, 0.99, 0.999]
CODES = [0, 1, 2, 3]
BOUND = HISTOGRAM_RELATIVE_ERROR * (1 + 1e-9)  # the log and exp of a bucket edge round


def random_data(seed: int, n: int, integer_weights: bool) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    values = rng.lognormal(rng.uniform(-3, 8), rng.uniform(0.1, 3.0), n)
    values[rng.random(n) < 0.05] = 0.0  # exact zeros: their own bucket
    ties = rng.random(n) < 0.2
    values[ties] = rng.choice(values, int(ties.sum()))  # repeated values
    if integer_weights:
        weights = rng.integers(1, 30, n).astype(float)
    else:
        weights = rng.uniform(0.01, 50.0, n)
    groups = rng.integers(0, 5, n)  # code 4 is not among CODES: counted only overall
    return values, weights, groups


def assert_close(got: list[float], exact: list[float]) -> None:
    for g, e in zip(got, exact, strict=True):
        if math.isnan(e):
            assert math.isnan(g)
        elif e == 0.0:
            assert g == 0.0
        else:
            assert abs(g - e) <= BOUND * e, (g, e)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 3000), st.booleans())
def test_histogram_percentiles_within_the_stated_relative_error(
    seed: int, n: int, integer_weights: bool
) -> None:
    values, weights, groups = random_data(seed, n, integer_weights)
    got_all, got_by = grouped_histogram_quantiles(values, weights, groups, CODES, QS)
    exact_all, exact_by = grouped_quantiles(values, weights, groups, CODES, QS)
    assert_close(got_all, exact_all)
    for code in CODES:
        assert_close(got_by[code], exact_by[code])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 2000))
def test_histogram_counts_are_exact(seed: int, n: int) -> None:
    values, weights, groups = random_data(seed, n, False)
    h = LogHistogram.of(values, weights, groups, CODES)
    assert int(h.count.sum()) == n
    for k, code in enumerate(CODES):
        assert int(h.count[k].sum()) == int((groups == code).sum())
        assert math.isclose(h.weight[k].sum(), weights[groups == code].sum(), rel_tol=1e-12)
    assert int(h.count[:, 0].sum()) == int((values == 0).sum())
    # a few thousand cells, whatever n: lognormal over < 30 decades at 1 % per bucket
    assert h.count.shape[1] <= 7000


def test_bucket_edges_are_read_within_the_bound() -> None:
    """Values on and next to bucket edges (powers of gamma) and far apart in magnitude."""
    gamma = (1 + HISTOGRAM_RELATIVE_ERROR) / (1 - HISTOGRAM_RELATIVE_ERROR)
    edges = gamma ** np.arange(-2000, 2000, 37, dtype=float)
    values = np.concatenate([edges, np.nextafter(edges, 0), np.nextafter(edges, np.inf)])
    for v in values[:: max(1, values.size // 400)]:
        one = np.array([v])
        got, _ = grouped_histogram_quantiles(one, np.ones(1), np.zeros(1, int), [0], [0.5])
        assert abs(got[0] - v) <= BOUND * v


def test_negative_values_are_refused() -> None:
    try:
        grouped_histogram_quantiles(np.array([-1.0]), np.ones(1), np.zeros(1, int), [0], [0.5])
    except ValueError as e:
        assert ">= 0" in str(e)
    else:
        raise AssertionError("a negative value was accepted")


def test_values_that_are_not_finite_fall_back_to_the_exact_sort() -> None:
    values = np.array([3.0, math.nan, 1.0, math.inf, 2.0])
    w = np.ones(5)
    exact, _ = grouped_quantiles(values, w, np.zeros(5, int), [0], QS)
    got, _ = grouped_histogram_quantiles(values, w, np.zeros(5, int), [0], QS)
    assert np.array_equal(got, exact, equal_nan=True)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 3000), st.integers(1, 8))
def test_a_histogram_added_in_parts_equals_one_pass(seed: int, n: int, parts: int) -> None:
    """The streamed summary adds a replication's values segment by segment (chunk by chunk):
    the same counts, the same weights (to rounding) and the same percentiles as one pass."""
    values, weights, groups = random_data(seed, n, False)
    values[np.random.default_rng(seed).random(n) < 0.01] = math.nan  # a column of their own
    whole = LogHistogram.of(values, weights, groups, CODES)
    h = LogHistogram.empty(CODES)
    cuts = np.sort(np.random.default_rng(seed + 1).integers(0, n + 1, parts - 1))
    for part in np.split(np.arange(n), cuts):
        h.add(values[part], weights[part], groups[part])
    assert h.first == whole.first and np.array_equal(h.count, whole.count)
    np.testing.assert_allclose(h.weight, whole.weight, rtol=1e-12, atol=1e-9)
    for code in [None, *CODES]:
        assert_close(h.quantiles(code, QS), whole.quantiles(code, QS))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40))
def test_a_histograms_size_does_not_grow_with_the_number_of_values(seed: int, k: int) -> None:
    """Memory bounded by the values' range, not their number: k more passes over values in the
    same range leave the sheet's shape as it was, and its counts add up."""
    values, weights, groups = random_data(seed, 500, False)
    h = LogHistogram.of(values, weights, groups, CODES)
    shape = h.count.shape
    rng = np.random.default_rng(seed)
    for _ in range(k):
        more = rng.choice(values, 500)
        h.add(more, 2.0, rng.integers(0, 5, 500))
        assert h.count.shape == shape
    assert int(h.count.sum()) == 500 * (k + 1)


def test_non_finite_values_count_last_and_read_as_nan() -> None:
    """A histogram added to in parts cannot fall back to a sort: values that are not finite
    have the last column, which sorts after every finite value (as nan does in the sort)."""
    h = LogHistogram.empty([0])
    h.add(np.array([1.0, 2.0, math.inf, math.nan]), 1.0, np.zeros(4, dtype=int))
    got = h.quantiles(0, [0.25, 0.5, 0.75, 1.0])
    assert abs(got[0] - 1.0) <= BOUND and abs(got[1] - 2.0) <= 2 * BOUND
    assert math.isnan(got[2]) and math.isnan(got[3])
