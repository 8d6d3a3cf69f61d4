"""Replication 0's chart data, tallied segment by segment like the figures (``planner.tally``).

Like a press photographer at a match who keeps a fixed number of frames, whatever the length of
the game: per segment the engine's per-minute gauges and request counts and its scaling log
(bounded by time), a uniform random sample of at most ``SAMPLE_ROWS`` requests (each request
draws a key, the smallest keys win), and latency by hour of the day (exact values or a
histogram, as the figures). The parent process builds the pages' frames from it
(``planner.frames``). Time in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.plan import Plan
from planner.scenario import Scenario
from planner.tally import Spread, stats_of
from simulations.records import PATHS, SegmentRecords

SAMPLE_ROWS = 20_000
"""Requests in the charts' random sample (replication 0 of the main run)."""
SAMPLE_SEED = 999
"""Second word of the sample's seed ``(scenario seed, 999)``."""


@dataclass(frozen=True)
class ChartData:
    """What the charts read of replication 0, bounded whatever the volume: per-minute series
    and scaling log per segment, a random sample of requests, latency by hour of the day."""

    series: list[dict[str, np.ndarray]]
    """Per segment: the engine's per-minute gauges and per-minute request counts."""
    scaling: list[list[tuple[float, int, int, str]]]
    warmup_s: list[float]
    sample: dict[str, np.ndarray]
    """At most ``SAMPLE_ROWS`` measured requests, in segment and arrival order."""
    by_hour: list[dict[str, float]]
    """Hours with completed requests: hour, weighted requests, mean and percentiles."""


class ChartTally:
    """Replication 0's chart data, added segment by segment (bounded memory)."""

    def __init__(self, s: Scenario, plan: Plan) -> None:
        self.plan = plan
        self.rng = np.random.default_rng([s.simulation.seed, SAMPLE_SEED])
        self.series: list[dict[str, np.ndarray]] = []
        self.keys = np.empty(0)
        self.rows: dict[str, np.ndarray] = {}
        self.requests_by_hour = np.zeros(24)
        self.by_hour = Spread(list(range(24)))
        self.hour_n = np.zeros(24, dtype=np.int64)
        self.hour_w = np.zeros(24)
        self.hour_sum = np.zeros(24)

    def add(
        self,
        k: int,
        r: SegmentRecords,
        m: slice | np.ndarray,
        w: float,
        completed: np.ndarray,
        latency: np.ndarray,
    ) -> None:
        self.series.append(minute_counts(r))
        arrival = r.arrival_s[m] - r.warmup_s
        g = self.plan.segments[k]
        hour = floor_div(g.day_offset_s + r.warmup_s + arrival * g.time_scale, 3600.0)
        hour = hour.astype(np.int64) % 24
        self.requests_by_hour += np.bincount(hour, minlength=24) * w
        done_hour = hour[completed]
        n = np.bincount(done_hour, minlength=24)
        self.hour_n += n
        self.hour_w += n * w
        self.hour_sum += np.bincount(done_hour, weights=latency, minlength=24) * w
        self.by_hour.add(latency, done_hour.astype(np.int8), w)
        self.add_sample(k, r, m, w, arrival)

    def add_sample(
        self, k: int, r: SegmentRecords, m: slice | np.ndarray, w: float, arrival: np.ndarray
    ) -> None:
        """Bottom-k sampling: every request draws a uniform key, the ``SAMPLE_ROWS`` smallest
        keys of all segments are the sample (uniform without replacement, whatever the order
        the segments come in; every request when there are fewer)."""
        n = arrival.size
        keys = self.rng.random(n)
        if self.keys.size >= SAMPLE_ROWS:
            pick = np.flatnonzero(keys < self.keys.max())
        elif n > SAMPLE_ROWS:  # a key above this segment's own k-th smallest cannot win
            pick = np.flatnonzero(keys <= np.partition(keys, SAMPLE_ROWS - 1)[SAMPLE_ROWS - 1])
        else:
            pick = np.arange(n)
        if pick.size == 0:
            return
        done_s = r.done_s[m][pick]
        cols = {
            "segment": np.full(pick.size, k, dtype=np.int32),
            "row": pick,
            "arrival_s": arrival[pick],
            "path": r.path[m][pick],
            "latency_ms": (done_s - r.arrival_s[m][pick]) * 1000,
            "ttft_ms": r.ttft_s[m][pick] * 1000,
            "wait_ms": r.wait_s[m][pick] * 1000,
            "service_ms": r.service_s[m][pick] * 1000,
            "sensitive": r.sensitive[m][pick],
            "left_site": r.left_site[m][pick],
            "reason": r.reason[m][pick],
            "weight": np.full(pick.size, w),
        }
        keys = np.concatenate([self.keys, keys[pick]])
        rows = {c: np.concatenate([self.rows[c], v]) if self.rows else v for c, v in cols.items()}
        if keys.size > SAMPLE_ROWS:
            keep = np.argpartition(keys, SAMPLE_ROWS - 1)[:SAMPLE_ROWS]
            keys, rows = keys[keep], {c: v[keep] for c, v in rows.items()}
        self.keys, self.rows = keys, rows

    def data(self, kept: list[SegmentRecords]) -> ChartData:
        sample = {}
        if self.rows:
            order = np.lexsort((self.rows["row"], self.rows["segment"]))
            sample = {c: v[order] for c, v in self.rows.items() if c != "row"}
        qs_all, qs = self.by_hour.quantiles()
        del qs_all
        rows = []
        for h in range(24):
            if self.hour_n[h]:
                st = stats_of(
                    qs[h], float(self.hour_sum[h]), float(self.hour_w[h]), int(self.hour_n[h])
                )
                rows.append({"hour": h, "requests": float(self.requests_by_hour[h]), **st})
        return ChartData(
            series=self.series,
            scaling=[list(r.scaling_log) for r in kept],
            warmup_s=[r.warmup_s for r in kept],
            sample=sample,
            by_hour=rows,
        )


def floor_div(x: np.ndarray, d: float) -> np.ndarray:
    """``x // d`` for finite x (nan stays nan) and a whole d > 0 (quotient times d exact): the
    quotient's floor, less one where the division rounded up onto the next whole number
    (numpy's ``//`` goes through fmod, several times slower)."""
    q: np.ndarray = np.floor(x / d)
    q -= q * d > x
    return q


def minute_counts(r: SegmentRecords) -> dict[str, np.ndarray]:
    """The segment's per-minute gauges with arrivals, completions by path and drops."""
    minutes = r.series["pool_queue"].size
    data = dict(r.series)
    arr_min = floor_div(r.arrival_s, 60.0).astype(np.int64)
    data["arrivals"] = np.bincount(arr_min, minlength=minutes)[:minutes]
    done = np.isfinite(r.done_s) & (r.path >= 0)
    # one count of (path, minute) cells for all paths
    minute = np.minimum(floor_div(r.done_s[done], 60.0).astype(np.int64), minutes - 1)
    cell = r.path[done].astype(np.int64) * minutes + minute
    by_path = np.bincount(cell, minlength=len(PATHS) * minutes).reshape(-1, minutes)
    for code, name in enumerate(PATHS):
        data[f"completed_{name}"] = by_path[code]
    data["dropped"] = np.bincount(arr_min[r.path == -1], minlength=minutes)[:minutes]
    return data
