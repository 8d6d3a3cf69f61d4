"""Small statistics helpers: weighted quantiles and confidence intervals across replications.

Think of a weighted quantile as a poll where some respondents stand for more voters than others:
a request from a day type that occurs eight times a month counts eight times.
"""

from __future__ import annotations

import math

import numpy as np

# two-sided 95 % Student t quantiles for 1..30 degrees of freedom
T95 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)
T99 = (
    63.657,
    9.925,
    5.841,
    4.604,
    4.032,
    3.707,
    3.499,
    3.355,
    3.250,
    3.169,
    3.106,
    3.055,
    3.012,
    2.977,
    2.947,
    2.921,
    2.898,
    2.878,
    2.861,
    2.845,
    2.831,
    2.819,
    2.807,
    2.797,
    2.787,
    2.779,
    2.771,
    2.763,
    2.756,
    2.750,
)


def t_quantile(df: int, level: float = 0.95) -> float:
    table, tail = (T95, 1.96) if level == 0.95 else (T99, 2.576)
    return table[df - 1] if df <= len(table) else tail


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> list[float]:
    """Quantiles (0-1) of values with weights (the inverse of the weighted ECDF)."""
    if values.size == 0:
        return [math.nan] * len(qs)
    order = np.argsort(values, kind="stable")
    return quantiles_of_sorted(values[order], weights[order], qs)


def quantiles_of_sorted(v: np.ndarray, w: np.ndarray, qs: list[float]) -> list[float]:
    """``weighted_quantiles`` of values already in stable ascending order (weights alongside)."""
    if v.size == 0:
        return [math.nan] * len(qs)
    cw = np.cumsum(w)
    targets = np.asarray(qs) * cw[-1]
    idx = np.minimum(np.searchsorted(cw, targets, side="left"), v.size - 1)
    return [float(x) for x in v[idx]]


def grouped_quantiles(
    values: np.ndarray, weights: np.ndarray, groups: np.ndarray, codes: list[int], qs: list[float]
) -> tuple[list[float], dict[int, list[float]]]:
    """``weighted_quantiles`` of all values and of each group's, from one sort.

    A stable sort keeps equal values in index order, so each group's values, taken in the
    order of the whole sort, are in the order a stable sort of the group alone gives: the
    figures are the same numbers, at the cost of one sort instead of one per group.
    """
    order = np.argsort(values, kind="stable")
    v, w, g = values[order], weights[order], groups[order]
    by_group = {}
    for code in codes:
        sel = g == code
        by_group[code] = quantiles_of_sorted(v[sel], w[sel], qs)
    return quantiles_of_sorted(v, w, qs), by_group


def mean_ci(samples: list[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t interval of replication estimates (nan interval for one sample)."""
    arr = np.asarray([x for x in samples if not math.isnan(x)], dtype=float)
    if arr.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(arr.mean())
    if arr.size < 2:
        return mean, math.nan, math.nan
    half = t_quantile(arr.size - 1, level) * float(arr.std(ddof=1)) / math.sqrt(arr.size)
    return mean, mean - half, mean + half


def wilson(successes: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion: always inside [0, 1], sensible at 0 and n."""
    if n <= 0:
        return math.nan, math.nan
    p = min(max(successes / n, 0.0), 1.0)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion_ci(samples: list[float], n: float) -> tuple[float, float]:
    """95 % interval of a rate from replication estimates and ``n`` simulated requests.

    The t interval across replications carries the day-to-day variation but can cross 0 or 1;
    the Wilson interval on the pooled count cannot, and does not collapse to a point when every
    replication saw 0. The result covers both and is clipped to [0, 1].
    """
    mean, lo, hi = mean_ci(samples)
    if math.isnan(mean):
        return math.nan, math.nan
    w_lo, w_hi = wilson(mean * n, n)
    lo = w_lo if math.isnan(lo) else min(lo, w_lo)
    hi = w_hi if math.isnan(hi) else max(hi, w_hi)
    return max(0.0, lo), min(1.0, hi)
