"""Turn the engine's records into figures: one flat dict of named numbers per replication.

Like an accountant closing the month's books from the till rolls: every figure is a sum or a
weighted percentile over the requests of the measured window, each segment's requests weighted
by how often that segment occurs in the month. The requests are tallied segment by segment as
the engine returns them (``planner.tally``), so memory does not grow with the volume; the GPU,
link and device figures read each segment's small records. Names carry units
(``latency_ms.p95``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from planner import lives
from planner.catalog import load_catalog
from planner.chart_tally import ChartData
from planner.engine_inputs import billing_terms, gpus_per_replica
from planner.plan import Plan
from planner.scenario import HOURS_PER_MONTH, Scenario
from planner.stats import weighted_quantiles
from planner.tally import (
    QUANTILES as QUANTILES,
)
from planner.tally import (
    Tally,
    measured_part,
    segment_weight,
    tally_segments,
)
from simulations.records import SegmentRecords

HISTOGRAM_ABOVE = 1_000_000
"""Above this many measured requests a replication's percentiles are read from log-bucket
histograms (within ``stats.HISTOGRAM_RELATIVE_ERROR``, no sort of every request, and no value
kept per request); at or below it they are exact. The summary's
``stats.percentiles_from_histogram`` says which (1 or 0)."""


@dataclass(frozen=True)
class Pooled:
    """Measured requests of one replication, all segments concatenated, with weights: every
    request at once, for checks and tools that need that (``summarise`` tallies segment by
    segment instead and never holds this)."""

    weight: np.ndarray
    latency_ms: np.ndarray
    ttft_ms: np.ndarray
    path: np.ndarray
    reason: np.ndarray
    sensitive: np.ndarray
    left_site: np.ndarray
    completed: np.ndarray
    response_kb: np.ndarray
    arrival_s: np.ndarray
    segment: np.ndarray
    wait_ms: np.ndarray
    service_ms: np.ndarray
    output_tokens: np.ndarray


CHART_ONLY = ("arrival_s", "segment", "service_ms")
"""Pooled columns only the charts read: ``charts=False`` leaves them empty (20 bytes a
request)."""


def pool_records(plan: Plan, records: list[SegmentRecords], charts: bool = True) -> Pooled:
    """The measured requests of all segments with their weights. Columns the records hold
    already are views, not copies, where one segment is measured (memory at high volume).
    ``charts=False`` leaves the columns of ``CHART_ONLY`` empty."""
    parts: dict[str, list[np.ndarray]] = {f: [] for f in Pooled.__dataclass_fields__}
    for k, r in enumerate(records):
        m = measured_part(r)
        arrival = r.arrival_s[m]
        n = int(arrival.size)
        done_s = r.done_s[m]
        path = r.path[m]
        cols = {
            "weight": np.full(n, segment_weight(plan, k)),
            "latency_ms": (done_s - arrival) * 1000,
            "ttft_ms": r.ttft_s[m] * 1000,
            "path": path,
            "reason": r.reason[m],
            "sensitive": r.sensitive[m],
            "left_site": r.left_site[m],
            "completed": (path >= 0) & np.isfinite(done_s),
            "response_kb": r.response_kb[m],
            "wait_ms": r.wait_s[m] * 1000,
            "output_tokens": r.output_tokens[m],
        }
        if charts:
            cols["arrival_s"] = arrival - r.warmup_s
            cols["segment"] = np.full(n, k, dtype=np.int32)
            cols["service_ms"] = r.service_s[m] * 1000
        else:
            cols |= {"arrival_s": np.empty(0), "segment": np.empty(0, dtype=np.int32)}
            cols["service_ms"] = np.empty(0)
        for key, col in cols.items():
            parts[key].append(col)
    return Pooled(**{k: v[0] if len(v) == 1 else np.concatenate(v) for k, v in parts.items()})


def latency_stats(
    values: np.ndarray, weights: np.ndarray, qs: list[float] | None = None
) -> dict[str, float]:
    """Weighted mean and percentiles (``qs``: the percentiles when already computed)."""
    if values.size == 0:
        return {"mean": math.nan, **{k: math.nan for k in QUANTILES}}
    if qs is None:
        qs = weighted_quantiles(values, weights, list(QUANTILES.values()))
    mean = float(np.average(values, weights=weights))
    return {"mean": mean, **dict(zip(QUANTILES, qs, strict=True))}


def summarise(s: Scenario, plan: Plan, records: list[SegmentRecords]) -> dict[str, float]:
    """All summary figures of one replication, flat, with unit-bearing dotted names."""
    return summarise_segments(s, plan, records)[0]


def summarise_segments(
    s: Scenario, plan: Plan, segments: Iterable[SegmentRecords], charts: bool = False
) -> tuple[dict[str, float], ChartData | None, int]:
    """``summarise`` of segments that may come one at a time (a generator simulating them):
    each is tallied and its requests dropped before the next, so a replication holds one
    segment's requests at most. Also the charts' data (``charts``) and the requests simulated."""
    tally, kept = tally_segments(s, plan, segments, HISTOGRAM_ABOVE, charts)
    out = figures(s, plan, tally, kept)
    data = tally.charts.data(kept) if tally.charts is not None else None
    return out, data, tally.count["simulated"]


def figures(
    s: Scenario, plan: Plan, tally: Tally, records: list[SegmentRecords]
) -> dict[str, float]:
    """The tally's request figures, then the GPU, link and device figures of the records."""
    out = tally.figures()
    out["links.down_fraction"] = down_fraction(plan, records)
    out.update(link_counts(plan, records))
    out.update(cloud_figures(s, plan, records))
    add_unsimulated_floor(out, s, plan)
    out.update(edge_figures(s, plan, records))
    return out


def cloud_figures(s: Scenario, plan: Plan, records: list[SegmentRecords]) -> dict[str, float]:
    """GPU-hours by state and as billed (node lives through the one billing function)."""
    terms = billing_terms(s)
    held = pods = billed = starting = busy = ready = peak = above = starts = 0.0
    batches = items = 0
    gpus = gpus_per_replica(s)
    reserved_sim = (
        s.cloud.reserved_replicas / plan.pool_scale / gpus if s.cloud.pricing == "reserved" else 0
    )
    for k, r in enumerate(records):
        # GPU-seconds: each simulated replica holds `gpus` GPUs (tensor parallel)
        w = plan.segments[k].weight * plan.hour_scale * plan.pool_scale * gpus
        inst = lives.instances(r)
        spans = lives.node_spans(r, inst)
        pod_lives = lives.measured(r, inst[:, 0], inst[:, 2])
        node_lives = lives.measured(r, spans[:, 0], spans[:, 1])
        pods += lives.running_sum(pod_lives.life_s) * w
        held += lives.running_sum(node_lives.life_s) * w
        billed += lives.billed_s(node_lives, terms) * w
        starting += lives.starting_s(r, inst) * w
        starts += int(((r.warmup_s <= inst[:, 0]) & (inst[:, 0] < r.end_s)).sum()) * w / gpus
        above += lives.seconds_above(node_lives, reserved_sim) * w
        busy += r.gpu_busy_s * w
        ready += r.gpu_ready_s * w
        batches += r.batches
        items += r.batch_items
        measured = r.series["replicas_ready"] + r.series["replicas_provisioning"]
        peak = max(peak, float(measured[int(r.warmup_s // 60) :].max(initial=0)))
    if s.cloud.pricing == "reserved":
        billed = s.cloud.reserved_replicas * HOURS_PER_MONTH * 3600 + above
    alerts = sum(r.extra.get("budget_alerts", 0.0) for r in records)
    return {
        "cloud.gpu_hours": held / 3600,
        "cloud.gpu_hours_billed": billed / 3600,
        "cloud.gpu_hours_busy": busy / 3600,
        "cloud.gpu_hours_ready_idle": max(ready - busy, 0.0) / 3600,
        "cloud.gpu_hours_starting": starting / 3600,
        "cloud.cold_starts_per_day": starts / (HOURS_PER_MONTH / 24),
        "cloud.gpu_hours_keep_alive": max(held - pods, 0.0) / 3600,
        "cloud.gpu_hours_above_reserved": above / 3600,
        "cloud.budget_alerts": alerts * plan.pool_scale,
        "cloud.peak_replicas": peak * plan.pool_scale,
        "cloud.gpus_per_replica": float(gpus),
        "cloud.mean_batch_size": items / batches if batches else math.nan,
        "cloud.utilization": busy / ready if ready > 0 else math.nan,
    }


def add_unsimulated_floor(out: dict[str, float], s: Scenario, plan: Plan) -> None:
    """Bill the GPU pool's floor in the hours the plan leaves out (no traffic, so no queue):
    every hour a fixed, scheduled or minimum replica exists is paid for."""
    gpus = gpus_per_replica(s)
    hours = sum(r * h for r, h in plan.unsimulated_pool) * gpus
    reserved = s.cloud.reserved_replicas if s.cloud.pricing == "reserved" else 0
    above = sum(max(0, r * gpus - reserved) * h for r, h in plan.unsimulated_pool)
    out["cloud.gpu_hours"] += hours
    out["cloud.gpu_hours_ready_idle"] += hours  # held all those hours, with no traffic
    if s.cloud.pricing == "reserved":
        out["cloud.gpu_hours_above_reserved"] += above
        out["cloud.gpu_hours_billed"] += above  # the commitment is billed in full already
    else:
        out["cloud.gpu_hours_above_reserved"] += hours
        out["cloud.gpu_hours_billed"] += hours
    out["cloud.gpu_hours_unsimulated_floor"] = hours


LINK_COUNTS = ("breaker_opens", "kept_local_by_breaker", "kept_local_link_down")


def link_counts(plan: Plan, records: list[SegmentRecords]) -> dict[str, float]:
    """Circuit-breaker openings and the fallbacks kept at the site (breaker open, or the link
    found down) in the month: the measured window's counts weighted like its requests."""
    return {
        f"links.{name}_per_month": sum(
            r.extra.get(name, 0.0) * segment_weight(plan, k) for k, r in enumerate(records)
        )
        for name in LINK_COUNTS
    }


def down_fraction(plan: Plan, records: list[SegmentRecords]) -> float:
    down = sum(r.outage_s * plan.segments[k].weight for k, r in enumerate(records))
    span = sum(
        r.links * (r.end_s - r.warmup_s) * plan.segments[k].weight for k, r in enumerate(records)
    )
    return down / span if span else 0.0


def edge_figures(s: Scenario, plan: Plan, records: list[SegmentRecords]) -> dict[str, float]:
    device = load_catalog().devices[s.edge.device]
    busy = up = span = 0.0
    for k, r in enumerate(records):
        w = segment_weight(plan, k)
        busy += r.device_busy_s * w
        up += r.device_up_s * w
        # a failure stratum's devices taken down are part of the fleet, down all day
        span += (r.devices + plan.segments[k].devices_down) * (r.end_s - r.warmup_s) * w
    # devices stay powered all month, also outside the simulated hours
    month_up_s = s.edge.device_count * HOURS_PER_MONTH * 3600 * (up / span if span else 1.0)
    energy_j = busy * device.active_w.v + max(month_up_s - busy, 0.0) * device.idle_w.v
    return {
        "edge.utilization": busy / up if up > 0 else math.nan,
        "edge.busy_hours": busy / 3600,
        "edge.energy_kwh": energy_j / 3.6e6,
    }
