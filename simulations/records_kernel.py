"""The kernel of ``simulations.records_tally``: numba is imported only when a tally runs (its
import looks for scipy, which a fresh process leaves out while the kernels load)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import numpy as np
from numba import njit

from simulations.records_tally import (
    N_ALL_COMPLETED,
    N_ALL_DROPPED,
    N_COMPLETED,
    N_DONE,
    N_DROPPED,
    N_IN_POOL,
    N_IN_WINDOW,
    N_PATH,
    N_REASON,
    N_SENSITIVE_LEFT,
    N_SLO_OK,
    N_WAITED,
    S_DONE,
    S_EGRESS,
    S_POOL_WAIT,
    S_TTFT,
    T_LATENCY_MS,
    T_MIN_TPS,
    T_TTFT_MS,
    WAITED_MS,
)


def _tally_requests(
    first: int, arrival: np.ndarray, path: np.ndarray, reason: np.ndarray, done: np.ndarray,
    ttft: np.ndarray, wait: np.ndarray, output: np.ndarray, left: np.ndarray,
    response_kb: np.ndarray, sensitive: np.ndarray, end_s: float, targets: np.ndarray,
    llm: bool, latency_ms: np.ndarray, ttft_ms: np.ndarray, group: np.ndarray,
    counts: np.ndarray, sums: np.ndarray,
) -> int:  # fmt: skip
    """Add the requests' counts and sums to ``counts`` and ``sums`` (every request for
    ``N_ALL_*``, those from ``first`` on -- the measured ones -- for the rest); write the
    latency (ms), time to first token (ms, LLM work only) and path of the measured completed
    ones to ``latency_ms``, ``ttft_ms`` and ``group`` in request order; return how many.
    A request meets the targets when its latency and time to first token are at most theirs
    and its decode speed after the first token, (output - 1) tokens over (latency - ttft), is
    at least ``targets[T_MIN_TPS]`` (infinite for one-token answers)."""
    lat_t, ttft_t, tps_t = targets[T_LATENCY_MS], targets[T_TTFT_MS], targets[T_MIN_TPS]
    has_lat, has_ttft, has_tps = (
        not math.isnan(lat_t),
        not math.isnan(ttft_t),
        not math.isnan(tps_t),
    )
    all_done = all_dropped = 0
    for i in range(first):
        p = path[i]
        if p >= 0 and math.isfinite(done[i]):
            all_done += 1
        elif p == -1:
            all_dropped += 1
    # scalars in locals (registers), not in the output arrays, while the loop runs
    k = dropped = in_window = slo_ok = in_pool = waited = sens_left = 0
    ttft_sum = wait_sum = egress = 0.0
    for i in range(first, path.size):
        p = path[i]
        counts[N_PATH + p + 2] += 1
        if sensitive[i] and left[i]:
            sens_left += 1
        if p == -1:
            dropped += 1
            counts[N_REASON + reason[i]] += 1
            continue
        if p < 0 or not math.isfinite(done[i]):
            continue
        counts[N_DONE + p] += 1
        lat = (done[i] - arrival[i]) * 1000
        sums[S_DONE + p] += lat
        latency_ms[k], group[k] = lat, p
        in_window += done[i] <= end_s
        ok = not has_lat or lat <= lat_t
        if llm:
            t = ttft[i] * 1000
            ttft_ms[k] = t
            ttft_sum += t
            if has_ttft and not t <= ttft_t:
                ok = False
            slow = has_tps and output[i] > 1 and lat > t
            if slow and not (output[i] - 1) * 1000 / (lat - t) >= tps_t:
                ok = False
        slo_ok += ok
        w = wait[i] * 1000
        if p != 0 and math.isfinite(w):
            in_pool += 1
            wait_sum += w
            waited += w > WAITED_MS
        if left[i]:
            egress += response_kb[i]
        k += 1
    counts[N_ALL_COMPLETED] += all_done + k
    counts[N_ALL_DROPPED] += all_dropped + dropped
    counts[N_COMPLETED] += k
    counts[N_DROPPED] += dropped
    counts[N_IN_WINDOW] += in_window
    counts[N_SLO_OK] += slo_ok
    counts[N_IN_POOL] += in_pool
    counts[N_WAITED] += waited
    counts[N_SENSITIVE_LEFT] += sens_left
    sums[S_TTFT] += ttft_sum
    sums[S_POOL_WAIT] += wait_sum
    sums[S_EGRESS] += egress
    return k


tally_requests = cast(Callable[..., int], njit(cache=True)(_tally_requests))
