"""A segment's per-request records summed in one pass: the counts and sums a replication's books
need, and the values its percentiles need.

Like a cashier running one till roll through the counting machine once, instead of once per
total: every request is read once, and each count (by path, by drop reason, served in the
window, meeting the targets, waiting in the pool) and each sum (latency by path, time to first
token, pool wait, bytes back over the links) is added as the request goes by. Sums run in
request order, one after another. Both engines' records go through it
(``planner.tally.Tally.add``), so the figures are one computation. Times in seconds in, the
latencies it writes in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulations.compiled import loads_without_refresh, scipy_left_out
from simulations.records import DROP_REASONS, PATHS, SegmentRecords

# counts (int64)
(
    N_ALL_COMPLETED,
    N_ALL_DROPPED,
    N_COMPLETED,
    N_DROPPED,
    N_IN_WINDOW,
    N_SLO_OK,
    N_IN_POOL,
    N_WAITED,
    N_SENSITIVE_LEFT,
) = range(9)
N_PATH = 9
"""Measured requests by path -2 .. 3 (``N_PATH + path + 2``)."""
N_DONE = N_PATH + len(PATHS) + 2
"""Completed requests by path 0 .. 3."""
N_REASON = N_DONE + len(PATHS)
"""Dropped requests by reason."""
N_COUNTS = N_REASON + len(DROP_REASONS)
# sums (float64)
S_DONE = 0
"""Latency (ms) of completed requests by path 0 .. 3."""
S_TTFT, S_POOL_WAIT, S_EGRESS = range(len(PATHS), len(PATHS) + 3)
N_SUMS = S_EGRESS + 1
# targets (float64; nan: no such target)
T_LATENCY_MS, T_TTFT_MS, T_MIN_TPS = range(3)

WAITED_MS = 1e-6
"""A pool wait above this (ms) counts as having waited."""


@dataclass(frozen=True)
class SegmentTally:
    """``tally_requests`` of one segment's records."""

    counts: np.ndarray
    sums: np.ndarray
    latency_ms: np.ndarray
    """Of the measured completed requests, in request order."""
    ttft_ms: np.ndarray
    """Of the measured completed requests (empty unless LLM work)."""
    group: np.ndarray
    """The measured completed requests' paths (int8)."""
    measured: int


def tally_segment(
    r: SegmentRecords, measured: slice | np.ndarray, targets: np.ndarray, llm: bool
) -> SegmentTally:
    """``tally_requests`` of ``r``: ``measured`` is the measured requests, a slice from the
    first of them to the end, or a mask (the others are then moved before them, in order)."""
    cols = [getattr(r, name) for name in COLUMNS]
    if isinstance(measured, slice):
        first = int(measured.start or 0)
    else:
        order = np.concatenate([np.flatnonzero(~measured), np.flatnonzero(measured)])
        first = int(r.path.size - np.count_nonzero(measured))
        cols = [c[order] for c in cols]
    cols = [np.ascontiguousarray(c, dtype=t) for c, t in zip(cols, DTYPES, strict=True)]
    n = cols[0].size - first
    counts, sums = np.zeros(N_COUNTS, dtype=np.int64), np.zeros(N_SUMS)
    latency, ttft = np.empty(n), np.empty(n if llm else 0)
    group = np.empty(n, dtype=np.int8)
    tally_requests = kernel()
    with scipy_left_out(), loads_without_refresh():  # a fresh process: from the cache
        k = tally_requests(
            first, *cols, float(r.end_s), targets, llm, latency, ttft, group, counts, sums
        )
    return SegmentTally(counts, sums, latency[:k], ttft[:k], group[:k], n)


COLUMNS = (
    "arrival_s", "path", "reason", "done_s", "ttft_s", "wait_s", "output_tokens", "left_site",
    "response_kb", "sensitive",
)  # fmt: skip
"""The records' columns ``tally_requests`` reads, in its order, with their types."""
DTYPES = (
    np.float64, np.int8, np.int8, np.float64, np.float64, np.float64, np.int64, np.bool_,
    np.float64, np.bool_,
)  # fmt: skip


def warm() -> None:
    """Compile (or load from the cache) ``tally_requests`` on a tiny segment's columns."""
    cols = [np.zeros(2, dtype=t) for t in DTYPES]
    targets = np.full(3, math.nan)
    out = np.empty(2), np.empty(2), np.empty(2, dtype=np.int8)
    tally_requests = kernel()
    with scipy_left_out(), loads_without_refresh():
        tally_requests(
            1, *cols, 1.0, targets, True, *out, np.zeros(N_COUNTS, dtype=np.int64), np.zeros(N_SUMS)
        )


def kernel() -> Callable[..., int]:
    """``records_kernel.tally_requests``, its module imported without scipy (numba's import
    and target set-up would import it; a small run leaves it out)."""
    with scipy_left_out():
        from simulations.records_kernel import tally_requests

        return tally_requests


def sorted_from(arrival: np.ndarray, warmup_s: float) -> int:
    """Where the measured requests start in sorted arrivals (the first at or after
    ``warmup_s``), -1 where the arrivals are not in ascending order (a nan among them: not
    sorted). numpy's compare of neighbours (a byte a request) and a binary search: a third of
    the compiled single pass's time, and no kernel to load."""
    a = np.asarray(arrival, dtype=np.float64)
    if a.size == 1:  # (a lone nan: sorted, never at or after the warm-up)
        return 0 if a[0] >= warmup_s else 1
    if not bool(np.greater_equal(a[1:], a[:-1]).all()):
        return -1
    return int(np.searchsorted(a, warmup_s, side="left"))
