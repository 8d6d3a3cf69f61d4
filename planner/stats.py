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
    if equal_weights(weights):
        return quantiles_by_selection(values, weights, qs)
    order = np.argsort(values, kind="stable")
    return quantiles_of_sorted(values[order], weights[order], qs)


def equal_weights(weights: np.ndarray) -> bool:
    return weights.size == 0 or bool((weights == weights[0]).all())


def quantiles_by_selection(v: np.ndarray, w: np.ndarray, qs: list[float]) -> list[float]:
    """``weighted_quantiles`` where every weight is the same: the cumulative weights are the
    same numbers in any order, so the ranks follow without sorting, and a partial sort
    (``np.partition``, linear time) finds the values at those ranks -- the same numbers."""
    if v.size == 0:
        return [math.nan] * len(qs)
    cw = np.cumsum(w)
    targets = np.asarray(qs) * cw[-1]
    idx = np.minimum(np.searchsorted(cw, targets, side="left"), v.size - 1)
    ranks = np.unique(idx)
    picked = np.partition(v, ranks)
    return [float(x) for x in picked[idx]]


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
    figures are the same numbers, at the cost of one sort instead of one per group. Where all
    weights are equal (one segment) no sort at all: a selection per group.
    """
    if equal_weights(weights):
        by_code = {
            c: quantiles_by_selection(values[groups == c], weights[groups == c], qs) for c in codes
        }
        return quantiles_by_selection(values, weights, qs), by_code
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


MAXIMA = frozenset({"cloud.peak_replicas"})
"""Figures that are a maximum over the simulated time: across replications they are the
largest replication's value, not the mean (a mean of peaks is a peak no replication reached)."""


def across_replications(key: str, samples: list[float]) -> tuple[float, float, float]:
    """One figure across replications: the mean and its 95 % t interval; for a maximum
    (``MAXIMA``) the largest value, with no interval (its range: ``lowest_of``)."""
    if key in MAXIMA:
        kept = [x for x in samples if not math.isnan(x)]
        return (max(kept) if kept else math.nan), math.nan, math.nan
    return mean_ci(samples)


def lowest_of(per_rep: list[dict[str, float]]) -> dict[str, float]:
    """The lowest replication's value of each maximum, as ``<key>_min``: with the maximum, the
    range the replications' peaks spanned."""
    out = {}
    for key in MAXIMA:
        kept = [rep[key] for rep in per_rep if key in rep and not math.isnan(rep[key])]
        if kept:
            out[f"{key}_min"] = min(kept)
    return out


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


HISTOGRAM_RELATIVE_ERROR = 0.005
"""A percentile read from a ``LogHistogram`` is within 0.5 % of the exact weighted quantile."""
_GAMMA = (1 + HISTOGRAM_RELATIVE_ERROR) / (1 - HISTOGRAM_RELATIVE_ERROR)
_LOG_GAMMA = math.log(_GAMMA)


def log_buckets(values: np.ndarray) -> np.ndarray:
    """Bucket index of each positive value: bucket i holds (gamma^(i-1), gamma^i]."""
    out: np.ndarray = np.ceil(np.log(values) / _LOG_GAMMA).astype(np.int64)
    return out


def bucket_value(index: np.ndarray) -> np.ndarray:
    """The value a bucket stands for, 2 gamma^i / (gamma + 1): within the relative error of
    every value in the bucket (the DDSketch estimate)."""
    return 2.0 * np.exp(index * _LOG_GAMMA) / (_GAMMA + 1.0)


def grouped_histogram_quantiles(
    values: np.ndarray, weights: np.ndarray, groups: np.ndarray, codes: list[int], qs: list[float]
) -> tuple[list[float], dict[int, list[float]]]:
    """``grouped_quantiles`` read from log-bucket histograms instead of a sort: each result is
    within ``HISTOGRAM_RELATIVE_ERROR`` of the exact weighted quantile (values >= 0; zeros are
    a bucket of their own, read as exactly 0). Counts and weights per bucket are exact sums, so
    the bucket holding the exact quantile is the one the cumulative weight reaches first.
    Values that are not finite (nan, inf) make it fall back to the exact sort."""
    if values.size and float(values.min()) < 0:
        raise ValueError("histogram quantiles need values >= 0")
    if not np.isfinite(values).all():
        return grouped_quantiles(values, weights, groups, codes, qs)
    hist = LogHistogram.of(values, weights, groups, codes)
    return hist.quantiles(None, qs), {c: hist.quantiles(c, qs) for c in codes}


def histogram_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> list[float]:
    """``weighted_quantiles`` read from a log-bucket histogram (see above)."""
    no_groups = np.zeros(values.size, dtype=np.int8)
    return grouped_histogram_quantiles(values, weights, no_groups, [], qs)[0]


class LogHistogram:
    """Weighted and exact counts of non-negative values in log buckets (relative width 1 %),
    per group, that more values can be added to (segment by segment, chunk by chunk).

    Like a tally sheet with one column per order of magnitude split a hundredfold: the sheet is
    a few thousand cells whatever the number of requests, and a percentile read from it is off
    by at most half a cell's width (0.5 %). Column 0 counts exact zeros, the last column values
    that are not finite (read as nan: they sort last, as in the exact sort); row ``len(codes)``
    holds values whose group is not among ``codes`` (they count in the overall figures). Buckets
    are absolute (bucket i holds (gamma^(i-1), gamma^i]), so adding values in parts gives the
    counts one pass over all of them gives, whatever the parts.
    """

    def __init__(self, first: int, weight: np.ndarray, count: np.ndarray, codes: list[int]):
        self.first = first
        """Bucket index of column 1."""
        self.weight = weight
        """Summed weights: one row per group code (and one for the rest), one column a bucket."""
        self.count = count
        """Values per cell (exact integers)."""
        self.codes = codes

    @classmethod
    def empty(cls, codes: list[int]) -> LogHistogram:
        rows = len(codes) + 1
        return cls(0, np.zeros((rows, 2)), np.zeros((rows, 2), dtype=np.int64), codes)

    @classmethod
    def of(
        cls, values: np.ndarray, weights: np.ndarray, groups: np.ndarray, codes: list[int]
    ) -> LogHistogram:
        hist = cls.empty(codes)
        hist.add(values, weights, groups)
        return hist

    @property
    def buckets(self) -> int:
        """Log buckets held (the columns between the zeros and the non-finite values)."""
        return int(self.count.shape[1]) - 2

    def cover(self, lo: int, hi: int) -> None:
        """Widen the sheet to hold buckets ``lo`` to ``hi`` (existing counts move along)."""
        if self.buckets and self.first <= lo and hi < self.first + self.buckets:
            return
        first = min(lo, self.first) if self.buckets else lo
        last = max(hi, self.first + self.buckets - 1) if self.buckets else hi
        shape = (self.count.shape[0], last - first + 3)
        weight, count = np.zeros(shape), np.zeros(shape, dtype=np.int64)
        at = self.first - first + 1
        for new, old in ((weight, self.weight), (count, self.count)):
            new[:, 0], new[:, -1] = old[:, 0], old[:, -1]
            new[:, at : at + self.buckets] = old[:, 1:-1]
        self.first, self.weight, self.count = first, weight, count

    def add(self, values: np.ndarray, weights: np.ndarray | float, groups: np.ndarray) -> None:
        """Count ``values`` (>= 0) of ``groups`` with ``weights`` (one weight for all, or one
        each)."""
        finite = np.isfinite(values)
        if bool((values[finite] < 0).any()):
            raise ValueError("histogram quantiles need values >= 0")
        positive = finite & (values > 0)
        idx = log_buckets(values[positive])
        if idx.size:
            self.cover(int(idx.min()), int(idx.max()))
        width = self.count.shape[1]
        col = np.zeros(values.size, dtype=np.int64)
        col[positive] = idx - self.first + 1
        col[~finite] = width - 1
        row = np.full(values.size, len(self.codes), dtype=np.int64)
        for k, code in enumerate(self.codes):
            row[groups == code] = k
        cell, cells = row * width + col, self.count.size
        count = np.bincount(cell, minlength=cells)
        self.count += count.reshape(self.count.shape)
        if np.ndim(weights) == 0:
            self.weight += (count * float(weights)).reshape(self.weight.shape)
        else:
            weight = np.bincount(cell, weights=np.asarray(weights), minlength=cells)
            self.weight += weight.reshape(self.weight.shape)

    def merge(self, other: LogHistogram) -> None:
        """Add another sheet's counts (same codes)."""
        if other.buckets:
            self.cover(other.first, other.first + other.buckets - 1)
        at = other.first - self.first + 1
        for mine, theirs in ((self.weight, other.weight), (self.count, other.count)):
            mine[:, 0] += theirs[:, 0]
            mine[:, -1] += theirs[:, -1]
            mine[:, at : at + other.buckets] += theirs[:, 1:-1]

    def quantiles(self, code: int | None, qs: list[float]) -> list[float]:
        """Weighted quantiles of one group's values (``None``: of all values); nan if none."""
        if code is None:
            w, n = self.weight.sum(axis=0), int(self.count.sum())
        else:
            k = self.codes.index(code)
            w, n = self.weight[k], int(self.count[k].sum())
        if n == 0:
            return [math.nan] * len(qs)
        cw = np.cumsum(w)
        cols = np.minimum(np.searchsorted(cw, np.asarray(qs) * cw[-1], side="left"), w.size - 1)
        values = np.where(cols == 0, 0.0, bucket_value(cols + self.first - 1))
        values[cols == w.size - 1] = math.nan
        return [float(x) for x in values]
