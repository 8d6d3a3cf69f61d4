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
    v, cw = values[order], np.cumsum(weights[order])
    targets = np.asarray(qs) * cw[-1]
    idx = np.minimum(np.searchsorted(cw, targets, side="left"), v.size - 1)
    return [float(x) for x in v[idx]]


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
