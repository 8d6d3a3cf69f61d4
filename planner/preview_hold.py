"""A preview's GPU pool holds, counted at their real length.

Like a time-lapse of a car park: the cars arrive and leave at the film's speed, but the barrier
still takes its real ten seconds to close behind each one, so in the film it stands open far
longer than it does in life. A preview's compressed hour (``planner.preview``) replays the day's
profile at x3600/L, while the pool's own clocks run at their real speed: when traffic falls, a
scaler keeps its replicas for its scale-down window and the provider keeps each emptied node
for its keep-alive (Cluster Autoscaler's scale-down-unneeded-time), the same simulated seconds
in an 89 s hour as in a 3,600 s one, and each of those seconds is weighted as x3600/L real ones
(``local_first_hybrid`` at 10x: the node kept 600 s after the office closes at 18:00 was
counted as 1.4 hours a day, +14 % GPU-hours; the seasonal app at 10x: the evening's nodes held
7 compressed hours into the night, +15 %). Running those clocks on the compressed clock instead
breaks what happens within an hour (a node kept between sparse fallbacks goes after 72 s instead
of 600 s: -21 %), so the preview keeps them real and subtracts the excess a fluid model of the
pool predicts: each bin's replicas from the pool's measured arrivals and concurrency (Little's
law, the scaler's target per replica), held for the scale-down window and keep-alive after
they are last needed (a running maximum), integrated on the compressed clock as weighted and on
the real clock; the difference is the GPU time the compression added. Only the step from one
hour to the next is corrected: within an hour the simulated pool is left as it is. Time in
seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from planner.plan import Plan, Segment, scaled_bound
from planner.scenario import Scenario
from simulations.records import PATH_CLOUD, PATH_FALLBACK, PATH_SPLIT, SegmentRecords

POOL_PATHS = (PATH_CLOUD, PATH_FALLBACK, PATH_SPLIT)


@dataclass(frozen=True)
class Hold:
    """What sizes and holds the pool's replicas (a scaler that follows the traffic)."""

    per_replica: float
    """Concurrency one replica is sized for (KPA: target x utilization; HPA: in-flight target)."""
    hold_s: float
    """Seconds a replica's node stays after the replica was last needed: the scale-down window,
    then the node keep-alive."""
    min_replicas: int
    max_replicas: int


def hold_of(s: Scenario) -> Hold | None:
    """The pool's hold, or None where nothing follows the traffic (no pool, a fixed pool, a
    schedule: their replicas do not depend on how fast the day goes by)."""
    c, a = s.cloud, s.cloud.autoscaler
    if s.policy.routing.kind == "edge_only":
        return None
    if a.kind == "kpa":
        per = a.container_concurrency_target * a.target_utilization_pct / 100
        # to zero, the grace runs beside the stable window (Knative's fast path: the activator
        # is in the path once the pods' excess burst capacity is negative), not after it
        down = a.stable_window_s + a.scale_down_delay_s
    elif a.kind == "hpa":
        per = a.target_inflight_per_replica
        down = a.scale_down_stabilization_s + a.sync_period_s
    else:
        return None
    keep = 0.0 if c.pricing == "serverless" else c.node_keep_alive_s
    return Hold(per, down + keep, c.min_replicas, c.max_replicas)


def pool_demand(g: Segment, r: SegmentRecords) -> tuple[np.ndarray, np.ndarray]:
    """(arrivals a second at the pool, mean requests in the pool) per bin of the segment, all
    simulated sites together; a request's time in the pool is its wait and its service."""
    n = g.rates.size
    pool = np.isin(r.path, POOL_PATHS)
    at = np.minimum((r.arrival_s[pool] // g.bin_s).astype(np.int64), n - 1)
    inside = np.nan_to_num(r.wait_s[pool]) + np.nan_to_num(r.service_s[pool])
    arrivals = np.bincount(at, minlength=n) / g.bin_s
    concurrency = np.bincount(at, weights=inside, minlength=n) / g.bin_s
    return arrivals, concurrency


def extra_replicas(h: Hold, concurrency: np.ndarray) -> np.ndarray:
    """Replicas beyond the first that each bin's concurrency needs at the scaler's target."""
    out: np.ndarray = np.maximum(np.ceil(concurrency / h.per_replica) - 1.0, 0.0)
    return out


def held_s(h: Hold, arrivals: np.ndarray, extra: np.ndarray, bin_s: float, first_bin: int) -> float:
    """Replica-seconds from bin ``first_bin`` to the end of a fluid pool whose bins of ``bin_s``
    see ``arrivals`` a second and need ``extra`` replicas beyond the first, each kept
    ``h.hold_s`` after it was last needed (before bin 0, bin 0's). The extra replicas are the
    running maximum over the last ``hold_s``; the first one, where the pool may reach zero and
    nothing more is needed, is there while a request arrived within the last ``hold_s``:
    1 - exp(-arrivals over that window) for Poisson arrivals. Exact for these step inputs: on
    each piece between the bins' edges and the edges plus ``hold_s``, the window's arrivals
    move linearly."""
    n, hold = extra.size, h.hold_s
    edges = np.arange(n + 1) * bin_s
    start, end = first_bin * bin_s, n * bin_s
    points = np.unique(np.concatenate([edges, edges + hold]))
    points = points[(points >= start) & (points <= end)]
    if points.size < 2:
        return 0.0
    mids = (points[:-1] + points[1:]) / 2
    last = np.minimum((mids // bin_s).astype(np.int64), n - 1)
    first = np.maximum(((mids - hold) // bin_s).astype(np.int64), 0)
    more = np.array([extra[a : b + 1].max() for a, b in zip(first, last, strict=True)])
    width = np.diff(points)
    floor = np.minimum(np.maximum(1.0 + more, h.min_replicas), h.max_replicas) * width
    if h.min_replicas >= 1:
        return float(floor.sum())
    seen_a, seen_b = window_arrivals(arrivals, bin_s, hold, points[:-1], points[1:])
    gone = np.where(
        np.isclose(seen_a, seen_b),
        np.exp(-seen_a),
        (np.exp(-seen_a) - np.exp(-seen_b)) / np.where(seen_a == seen_b, 1.0, seen_b - seen_a),
    )
    one = width * (1.0 - gone) * min(h.max_replicas, 1)
    return float(np.where(more >= 1, floor, one).sum())


def window_arrivals(
    arrivals: np.ndarray, bin_s: float, hold_s: float, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Expected arrivals in the ``hold_s`` before each start ``a`` and end ``b`` of a piece."""
    cum = np.concatenate([[0.0], np.cumsum(arrivals * bin_s)])

    def total(t: np.ndarray) -> np.ndarray:
        """Arrivals from 0 to t (before 0, at bin 0's rate: negative)."""
        i = np.clip((t // bin_s).astype(np.int64), 0, arrivals.size - 1)
        out: np.ndarray = cum[i] + (t - i * bin_s) * arrivals[i]
        return out

    return total(a) - total(a - hold_s), total(b) - total(b - hold_s)


def excess_s(h: Hold, g: Segment, r: SegmentRecords) -> float:
    """Replica-seconds a month (of the simulated pool, before any scaling of the pool) that the
    compressed clock adds to this segment: its fluid hold integrated as the preview weights it
    (simulated seconds x weight) minus the same on the real clock (its bins x time_scale long,
    weight / time_scale days). 0 for a segment at real speed."""
    if g.time_scale <= 1.0 or r.arrival_s.size == 0:
        return 0.0
    arrivals, concurrency = pool_demand(g, r)
    extra = extra_replicas(h, concurrency)
    first = round(g.warmup_s / g.bin_s)
    compressed = held_s(h, arrivals, extra, g.bin_s, first) * g.weight
    real_s = g.bin_s * g.time_scale
    real = held_s(h, arrivals, extra, real_s, first) * g.weight / g.time_scale
    return compressed - real


class HoldTally:
    """The excess of one replication's segments, taken off its GPU figures at the end."""

    def __init__(self, s: Scenario, plan: Plan, gpus: float) -> None:
        hold = hold_of(s) if plan.horizon == "preview" else None
        if hold is not None:  # the simulated pool's bounds, where sites are sampled
            share = plan.sites_simulated / s.edge.sites
            lo, hi = (
                scaled_bound(hold.min_replicas, share, 0),
                scaled_bound(hold.max_replicas, share, 1),
            )
            hold = replace(hold, min_replicas=lo, max_replicas=hi)
        self.hold = hold
        self.scale = plan.hour_scale * plan.pool_scale * gpus
        self.reserved = s.cloud.pricing == "reserved"
        self.excess_s = 0.0

    def seen(self, g: Segment, r: SegmentRecords) -> SegmentRecords:
        """Count a segment's excess (before its requests are dropped) and pass it on."""
        if self.hold is not None:
            self.excess_s += excess_s(self.hold, g, r) * self.scale
        return r

    def correct(self, out: dict[str, float]) -> None:
        """Take the excess off GPU-hours (never below the busy hours), as billed, above the
        reservation, and off the hours held idle (keep-alive) and starting in proportion: the
        hold is nodes kept empty, and replicas asked for and cancelled before ready."""
        if self.hold is None or "cloud.gpu_hours" not in out:
            return
        held = out["cloud.gpu_hours"]
        cut = min(self.excess_s / 3600, max(held - out["cloud.gpu_hours_busy"], 0.0))
        if not math.isfinite(cut) or cut == 0.0:
            return
        above = out["cloud.gpu_hours_above_reserved"]
        over = min(cut, above) if self.reserved else cut
        out["cloud.gpu_hours"] = held - cut
        out["cloud.gpu_hours_billed"] -= over
        out["cloud.gpu_hours_above_reserved"] = above - over
        idle, starting = out["cloud.gpu_hours_keep_alive"], out["cloud.gpu_hours_starting"]
        share = idle / (idle + starting) if idle + starting > 0 else 1.0
        out["cloud.gpu_hours_keep_alive"] = max(idle - cut * share, 0.0)
        out["cloud.gpu_hours_starting"] = max(starting - cut * (1 - share), 0.0)
