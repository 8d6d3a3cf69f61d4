"""What the GPU bill pays for: busy, idle or starting, and what would cut it.

Like a taxi account that bills the meter from the call to the return to the rank: a cab that
drives two minutes a trip but is called out two hundred times a day bills mostly its trips to
the customer and its wait for the next fare. This module reads a simulated pool's GPU-hours by
state, says when the bill pays mostly for idle or starting GPUs, and names the remedies that
apply to the scenario's own settings. Hours are GPU-hours a month (a month is 30 days).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.cost import ARTICLE_GPU_HOURS
from planner.scenario import HOURS_PER_MONTH, Scenario

if TYPE_CHECKING:
    from planner.verdict import Verdict

Figures = dict[str, float]
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
MOSTLY_WASTED = 0.5
"""The bill is flagged when less than this share of its hours served requests."""
STARTS_MATTER = 0.2
"""Cold starts are named as a cause when they take at least this share of the bill."""


@dataclass(frozen=True)
class PoolReading:
    """A pool's GPU-hours read against its bill."""

    utilization: float
    """Busy / ready GPU time."""
    cold_starts_per_day: float
    billed_gpu_hours: float
    shares: dict[str, float]
    """Share of the billed GPU-hours busy, ready_idle, starting and keep_alive (the rest, if any,
    is per-start minimums or an unused reservation)."""
    flagged: bool
    """True when the bill pays mostly for GPUs that are idle or starting."""
    finding: str
    remedies: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "flagged": self.flagged,
            "utilization": self.utilization,
            "cold_starts_per_day": self.cold_starts_per_day,
            "billed_gpu_hours": self.billed_gpu_hours,
            "share_of_billed_hours": dict(self.shares),
            "finding": self.finding,
            "remedies": list(self.remedies),
        }


def read_pool(s: Scenario, f: Figures) -> PoolReading | None:
    """The pool's reading, or None when no GPU-hour was billed (edge-only, or no cloud)."""
    billed = f.get("cloud.gpu_hours_billed", 0.0)
    if s.policy.routing.kind == "edge_only" or not billed > 0:
        return None
    shares = {
        k: f.get(f"cloud.gpu_hours_{k}", 0.0) / billed
        for k in ("busy", "ready_idle", "starting", "keep_alive")
    }
    starts = f.get("cloud.cold_starts_per_day", 0.0)
    flagged = shares["busy"] < MOSTLY_WASTED
    util = f.get("cloud.utilization", math.nan)
    return PoolReading(
        utilization=util,
        cold_starts_per_day=starts,
        billed_gpu_hours=billed,
        shares=shares,
        flagged=flagged,
        finding=finding(shares, starts, billed, flagged),
        remedies=remedies(s, f, shares) if flagged else (),
    )


def finding(shares: dict[str, float], starts: float, billed: float, flagged: bool) -> str:
    kept = shares["keep_alive"]
    split = (
        f"{shares['busy']:.1%} busy, {shares['ready_idle']:.0%} ready but idle, "
        f"{shares['starting']:.0%} starting"
        + (f", {kept:.0%} empty nodes kept" if kept >= 0.005 else "")
    )
    if not flagged:
        return f"The {billed:,.0f} billed GPU-hours a month are {split}."
    return (
        f"The GPU bill pays mostly for GPUs that are not serving: of {billed:,.0f} billed "
        f"GPU-hours a month, {split}; {starts:,.0f} cold starts a day."
    )


def remedies(s: Scenario, f: Figures, shares: dict[str, float]) -> tuple[str, ...]:
    """What would cut the bill, for this scenario's settings, most effective first."""
    out = []
    c, kind = s.cloud, s.policy.routing.kind
    held_per_day = f.get("cloud.gpu_hours", 0.0) / DAYS_PER_MONTH
    floor_per_day = 24.0 * max(f.get("cloud.gpus_per_replica", 1.0), 1.0)
    util = f.get("cloud.utilization", math.nan)
    churn = shares["starting"] >= STARTS_MATTER and c.min_replicas == 0
    if churn:
        starts = max(f.get("cloud.cold_starts_per_day", 0.0) * DAYS_PER_MONTH, 1.0)
        start_s = f.get("cloud.gpu_hours_starting", 0.0) * 3600 / starts
        tail_s = f.get("cloud.gpu_hours_ready_idle", 0.0) * 3600 / starts
        out.append(
            f"Each cold start bills about {start_s:,.0f} s of start-up and {tail_s:,.0f} s "
            "ready but idle before the pool scales back to zero: sparse cloud traffic pays for "
            "the start and the idle tail, not the work."
        )
        if c.autoscaler.kind == "kpa":
            out.append(
                f"Shorten the idle tail: cloud.autoscaler.stable_window_s "
                f"({c.autoscaler.stable_window_s:g} s now, Knative allows 6 s) sets how long the "
                "last replica waits after the last request."
            )
    if kind == "local_first":
        out.append(
            "Send fewer requests to the cloud: raise policy.routing.wait_threshold_s or "
            "queue_threshold, or add edge devices, so fewer requests fall back."
        )
    if not math.isnan(util) and util < MOSTLY_WASTED:
        out.append(
            f"A cheaper GPU (cloud.gpu, cloud.gpu_hourly_usd): at {util:.0%} utilisation the "
            "bill is the hours the GPU is held times its price, so a slower, cheaper GPU that "
            "still meets the SLO cuts it in proportion to its price."
        )
    if churn and held_per_day >= floor_per_day:
        out.append(
            f"Keep one replica warm (cloud.min_replicas 1): the churn already holds "
            f"{held_per_day:,.1f} GPU-hours a day, more than an always-on replica's "
            f"{floor_per_day:,.0f}."
        )
    elif churn:
        out.append(
            f"Keeping one replica warm (cloud.min_replicas 1) would not help: it bills "
            f"{floor_per_day * DAYS_PER_MONTH:,.0f} GPU-hours a month against "
            f"{held_per_day * DAYS_PER_MONTH:,.0f} held now."
        )
    if c.min_replicas > 0 and shares["ready_idle"] >= MOSTLY_WASTED:
        out.append(
            f"The floor (cloud.min_replicas {c.min_replicas}) is held every hour of the month; "
            "with the KPA autoscaler and cloud.min_replicas 0 the pool is released when traffic "
            "stops (paying a cold start when it returns)."
        )
    if shares["keep_alive"] >= STARTS_MATTER:
        out.append(
            f"Empty nodes are kept {c.node_keep_alive_s:g} s (cloud.node_keep_alive_s) after "
            "their pod leaves; a shorter keep-alive bills less when starts are rare."
        )
    return tuple(out)


def article_gpu_hours_note(busy_cloud_only: float, billed_cloud_only: float) -> str:
    """The cloud-only design's busy GPU-hours beside the article's estimate, and why they differ."""
    lo, hi = ARTICLE_GPU_HOURS
    return (
        f"Cloud-only, this simulation's GPUs are busy {busy_cloud_only:,.0f} GPU-hours a month; "
        f"the source article estimates {lo:.0f}-{hi:.0f} for 1M ~200-token chats at median "
        "RTX-class throughput, about one chat per GPU-second served one at a time. Busy hours "
        "here count the wall time a GPU has at least one request in service: the catalog's "
        "GPU is faster than RTX-class and continuous batching serves many chats in the same "
        f"seconds, so fewer hours are busy. The bill is another figure: {billed_cloud_only:,.0f} "
        "GPU-hours, every hour a GPU is held (idle between requests, starting), not only the "
        "busy ones."
    )


def verdict_pool_readings(v: Verdict) -> dict[str, object]:
    """Plain data for the JSON: each simulated architecture's pool reading (None without a
    cloud) and, beside the article's estimate, the cloud-only design's busy GPU-hours."""
    out: dict[str, object] = {
        a.key: (r.as_dict() if (r := read_pool(a.scenario, a.figures)) else None)
        for a in v.architectures
    }
    cloud = v.by_option("cloud-first")
    if cloud is not None and cloud.scenario.workload.is_llm:
        out["article_comparison"] = article_gpu_hours_note(
            cloud.get("cloud.gpu_hours_busy"), cloud.get("cloud.gpu_hours_billed")
        )
    return out
