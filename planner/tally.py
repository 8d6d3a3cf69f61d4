"""A replication's books closed segment by segment, in memory that does not grow with volume.

Like a cashier who totals each till roll at the end of a shift and throws the roll away: each
simulated segment's requests are reduced to counts, weighted sums and the values its percentiles
need as soon as the engine returns them, and only the segment's own small records (scaling log,
replica and node lives, per-minute gauges) are kept. Percentile values are kept exactly while a
replication has at most ``histogram_above`` measured requests and folded into log-bucket
histograms (``planner.stats.LogHistogram``, within 0.5 %) once it has more, so a 100M-request
month never holds its requests: memory is bounded by one segment's engine arrays plus a few
thousand histogram cells. Weights are per segment (how often it occurs in the month).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from planner.plan import Plan
from planner.scenario import Scenario
from planner.selection import parts_quantiles
from planner.stats import HISTOGRAM_RELATIVE_ERROR, LogHistogram
from simulations import records_tally as RT
from simulations.records import (
    DROP_REASONS,
    PATH_FALLBACK,
    PATHS,
    SegmentRecords,
)
from simulations.records_tally import tally_segment

QUANTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}
QS = list(QUANTILES.values())
PER_REQUEST = (
    "arrival_s", "site", "cls", "sensitive", "prompt_tokens", "output_tokens", "response_kb",
    "path", "reason", "done_s", "ttft_s", "wait_s", "service_s", "left_site",
)  # fmt: skip
"""The per-request arrays of ``SegmentRecords``."""


TALLIED = (
    "arrived", "completed", "in_window", "dropped", "unfinished", "inside", "slo_ok", "in_pool",
    "waited", "egress", "ttft", "sensitive_left_site", "simulated",
)  # fmt: skip
"""What ``Tally`` counts: requests (``count``), their monthly weight and weighted sums."""


def segment_weight(plan: Plan, k: int) -> float:
    return plan.segments[k].weight * plan.site_scale * plan.hour_scale


def measured_part(r: SegmentRecords) -> slice | np.ndarray:
    """The requests that arrived after the warm-up: a slice (a view, no copy) when arrivals are
    sorted, as the engines record them; a mask otherwise."""
    first = RT.sorted_from(r.arrival_s, float(r.warmup_s))
    if first >= 0:
        return slice(first, None)
    mask: np.ndarray = r.arrival_s >= r.warmup_s
    return mask


def without_requests(r: SegmentRecords) -> SegmentRecords:
    """The records with their per-request arrays emptied: what the figures read after the
    requests are tallied (lives, logs, gauges, totals), bounded by time, not by volume."""
    return replace(r, **{name: getattr(r, name)[:0].copy() for name in PER_REQUEST})


class Spread:
    """Values of one figure (e.g. latency of completed requests) for weighted percentiles by
    group: kept exactly while few, folded into a ``LogHistogram`` once ``fold`` is called."""

    def __init__(self, codes: list[int]) -> None:
        self.codes = codes
        self.parts: list[tuple[np.ndarray, np.ndarray, float]] = []
        self.hist: LogHistogram | None = None

    def add(self, values: np.ndarray, groups: np.ndarray, weight: float) -> None:
        if self.hist is not None:
            self.hist.add(values, weight, groups)
        else:
            self.parts.append((values, groups, weight))

    def fold(self) -> None:
        """From exact values to the histogram: memory bounded from here on."""
        if self.hist is None:
            self.hist = LogHistogram.empty(self.codes)
            for values, groups, weight in self.parts:
                self.hist.add(values, weight, groups)
            self.parts = []

    def quantiles(self) -> tuple[list[float], dict[int, list[float]]]:
        """Percentiles of all values and of each group's (nan where none)."""
        if self.hist is not None:
            h = self.hist
            return h.quantiles(None, QS), {c: h.quantiles(c, QS) for c in self.codes}
        return parts_quantiles(self.parts, self.codes, QS)


def stats_of(qs: list[float], weighted_sum: float, weight: float, n: int) -> dict[str, float]:
    """Mean and percentiles of a group (nan when it has no values)."""
    if n == 0:
        return {"mean": math.nan, **{k: math.nan for k in QUANTILES}}
    return {"mean": weighted_sum / weight, **dict(zip(QUANTILES, qs, strict=True))}


class Tally:
    """The request figures of one replication, added segment by segment (``add``)."""

    def __init__(self, s: Scenario, plan: Plan, histogram_above: int, charts: bool = False):
        self.s, self.plan, self.above = s, plan, histogram_above
        self.n = 0
        """Measured requests so far."""
        self.latency = Spread(list(range(len(PATHS))))
        self.ttft = Spread([])
        self.count: dict[str, int] = {}
        self.weight: dict[str, float] = {}
        self.sums: dict[str, float] = {}
        self.paths_w = np.zeros(len(PATHS) + 2)  # weight of measured requests by path -2 .. 3
        self.done_n = np.zeros(len(PATHS), dtype=np.int64)  # completed by path
        self.done_w = np.zeros(len(PATHS))
        self.done_sum = np.zeros(len(PATHS))  # weighted latency sums by path
        self.reason_n = np.zeros(len(DROP_REASONS), dtype=np.int64)
        self.reason_w = np.zeros(len(DROP_REASONS))
        from planner.chart_tally import ChartTally

        self.charts = ChartTally(s, plan) if charts else None
        self.targets = slo_targets(s)
        for key in TALLIED:
            self.bump(key, 0, 0.0)

    def bump(self, key: str, n: int, w: float, total: float = 0.0) -> None:
        """``n`` requests of weight ``w`` each (and a weighted sum ``total`` of a value)."""
        self.count[key] = self.count.get(key, 0) + n
        self.weight[key] = self.weight.get(key, 0.0) + n * w
        self.sums[key] = self.sums.get(key, 0.0) + total * w

    def add(self, k: int, r: SegmentRecords) -> None:
        """Tally segment ``k``'s requests (its records can be dropped afterwards): one pass
        over them (``simulations.records_tally``) for the counts, sums and percentile values."""
        m = measured_part(r)
        w = segment_weight(self.plan, k)
        got = tally_segment(r, m, self.targets, self.s.workload.is_llm)
        self.book(r, got.counts)
        self.counts(got.counts, got.sums, w)
        self.latency.add(got.latency_ms, got.group, w)
        if self.s.workload.is_llm:
            self.ttft.add(got.ttft_ms, np.zeros(got.ttft_ms.size, dtype=np.int8), w)
        if self.charts is not None:
            path, done_s = r.path[m], r.done_s[m]
            completed = (path >= 0) & np.isfinite(done_s)
            self.charts.add(k, r, m, w, completed, got.latency_ms)
        self.n += got.measured
        if self.n > self.above:
            self.fold()

    def fold(self) -> None:
        self.latency.fold()
        self.ttft.fold()
        if self.charts is not None:
            self.charts.by_hour.fold()

    @property
    def from_histogram(self) -> bool:
        return self.n > self.above

    def book(self, r: SegmentRecords, c: np.ndarray) -> None:
        """Every simulated request (warm-up included) against the engine's count of what was
        still inside when the clock stopped."""
        finished = int(c[RT.N_ALL_COMPLETED]) + int(c[RT.N_ALL_DROPPED])
        self.bump("unfinished", int(r.path.size) - finished, 0.0)
        self.bump("inside", int(r.in_system_at_end), 0.0)
        self.bump("simulated", int(r.path.size), 0.0)

    def counts(self, c: np.ndarray, sums: np.ndarray, w: float) -> None:
        """The measured requests' counts and sums, each of weight ``w``."""
        self.paths_w += c[RT.N_PATH : RT.N_DONE] * w
        self.bump("arrived", int(c[RT.N_PATH : RT.N_DONE].sum()), w)
        self.bump("completed", int(c[RT.N_COMPLETED]), w)
        self.bump("dropped", int(c[RT.N_DROPPED]), w)
        reasons = c[RT.N_REASON : RT.N_COUNTS]
        self.reason_n += reasons
        self.reason_w += reasons * w
        # served before the window closed (the others finished in the drain after it)
        self.bump("in_window", int(c[RT.N_IN_WINDOW]), w)
        by_path = c[RT.N_DONE : RT.N_REASON]
        self.done_n += by_path
        self.done_w += by_path * w
        self.done_sum += sums[RT.S_DONE : RT.S_DONE + len(PATHS)] * w
        if self.s.workload.is_llm:
            self.bump("ttft", int(c[RT.N_COMPLETED]), w, float(sums[RT.S_TTFT]))
        self.bump("slo_ok", int(c[RT.N_SLO_OK]), w)
        self.bump("in_pool", int(c[RT.N_IN_POOL]), w, float(sums[RT.S_POOL_WAIT]))
        self.bump("waited", int(c[RT.N_WAITED]), w)
        self.bump("egress", 0, w, float(sums[RT.S_EGRESS]))
        self.bump("sensitive_left_site", int(c[RT.N_SENSITIVE_LEFT]), 0.0)

    def figures(self) -> dict[str, float]:
        """The request figures, flat, with unit-bearing dotted names (``summary.summarise``
        adds the GPU, link and device figures)."""
        out = self.request_counts()
        out.update(self.conservation())
        out.update(self.latency_figures())
        out["stats.percentiles_from_histogram"] = float(self.from_histogram)
        out["stats.percentile_relative_error"] = (
            HISTOGRAM_RELATIVE_ERROR if self.from_histogram else 0.0
        )
        if self.s.workload.is_llm:
            qs, _ = self.ttft.quantiles()
            stats = stats_of(qs, self.sums["ttft"], self.weight["ttft"], self.count["ttft"])
            out.update({f"ttft_ms.{k}": v for k, v in stats.items()})
        total_w = max(self.weight["arrived"], 1e-12)
        out["slo_attainment"] = self.slo_attainment(total_w)
        out["fallback_rate"] = float(self.paths_w[PATH_FALLBACK + 2]) / total_w
        out["drop_rate"] = self.weight["dropped"] / total_w
        n_pool, w_pool = self.count["in_pool"], self.weight["in_pool"]
        out["cloud.mean_wait_ms"] = self.sums["in_pool"] / w_pool if n_pool else math.nan
        out["cloud.p_wait"] = self.weight["waited"] / w_pool if n_pool else math.nan
        out["egress_gb"] = self.sums["egress"] / 1e6
        out["sensitive_left_site"] = float(self.count["sensitive_left_site"])
        return out

    def request_counts(self) -> dict[str, float]:
        """Simulated counts (exact integers) and their monthly estimates."""
        c, w = self.count, self.weight
        out = {
            "requests.arrived": float(c["arrived"]),
            "requests.completed": float(c["completed"]),
            "requests.completed_in_window": float(c["in_window"]),
            "requests.dropped": float(c["dropped"]),
            "requests.in_flight_at_end": float(c["arrived"] - c["completed"] - c["dropped"]),
            "requests_per_month.arrived": w["arrived"],
            "requests_per_month.completed": w["completed"],
            "requests_per_month.dropped": w["dropped"],
        }
        for code, name in enumerate(DROP_REASONS[1:], start=1):
            out[f"requests.dropped_by_reason.{name}"] = float(self.reason_n[code])
            out[f"requests_per_month.dropped_by_reason.{name}"] = float(self.reason_w[code])
        return out

    def conservation(self) -> dict[str, float]:
        c = self.count
        return {
            "requests.unfinished_by_book": float(c["unfinished"]),
            "requests.in_system_at_end": float(c["inside"]),
            "requests.conservation_holds": float(c["unfinished"] == c["inside"]),
        }

    def latency_figures(self) -> dict[str, float]:
        """Latency of completed requests, overall and by path."""
        qs_all, qs_by_path = self.latency.quantiles()
        n, w = int(self.done_n.sum()), float(self.done_w.sum())
        overall = stats_of(qs_all, float(self.done_sum.sum()), w, n)
        out = {f"latency_ms.{k}": v for k, v in overall.items()}
        total_w = max(self.weight["arrived"], 1e-12)
        for code, name in enumerate(PATHS):
            out[f"latency_ms_by_path.{name}.share"] = float(self.done_w[code]) / total_w
            stats = stats_of(
                qs_by_path[code],
                float(self.done_sum[code]),
                float(self.done_w[code]),
                int(self.done_n[code]),
            )
            for k, v in stats.items():
                out[f"latency_ms_by_path.{name}.{k}"] = v
        return out

    def slo_attainment(self, total_w: float) -> float:
        slo = self.s.slo
        if (
            slo.latency_target_ms is None
            and slo.ttft_p95_ms is None
            and (slo.min_tokens_per_s is None or not self.s.workload.is_llm)
        ):
            return math.nan
        return self.weight["slo_ok"] / total_w


def slo_targets(s: Scenario) -> np.ndarray:
    """The SLO's targets as ``records_tally.tally_requests`` reads them (nan: none): a
    completed request meets them when its latency and time to first token are at most theirs
    and its decode speed after the first token is at least the minimum (within 1e-9)."""
    slo, llm = s.slo, s.workload.is_llm
    t = np.full(3, math.nan)
    if slo.latency_target_ms is not None:
        t[RT.T_LATENCY_MS] = slo.latency_target_ms
    if slo.ttft_p95_ms is not None and llm:
        t[RT.T_TTFT_MS] = slo.ttft_p95_ms
    if slo.min_tokens_per_s is not None and llm:
        t[RT.T_MIN_TPS] = slo.min_tokens_per_s * (1 - 1e-9)
    return t


def tally_segments(
    s: Scenario,
    plan: Plan,
    segments: Iterable[SegmentRecords],
    histogram_above: int,
    charts: bool = False,
) -> tuple[Tally, list[SegmentRecords]]:
    """Tally each segment as it comes (``segments`` may be a generator that simulates them one
    at a time) and keep only its records without the requests."""
    tally = Tally(s, plan, histogram_above, charts)
    kept = []
    for k, r in enumerate(segments):
        tally.add(k, r)
        kept.append(without_requests(r))
        del r
    return tally, kept
