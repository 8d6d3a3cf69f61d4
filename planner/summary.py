"""Turn the engine's records into figures: one flat dict of named numbers per replication.

Like an accountant closing the month's books from the till rolls: every figure is a sum or a
weighted percentile over the requests of the measured window, each segment's requests weighted
by how often that segment occurs in the month. Names carry units (``latency_ms.p95``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.catalog import load_catalog
from planner.engine_inputs import billing_terms, gpus_per_replica
from planner.plan import Plan
from planner.scenario import HOURS_PER_MONTH, Scenario
from planner.stats import (
    HISTOGRAM_RELATIVE_ERROR,
    grouped_histogram_quantiles,
    grouped_quantiles,
    histogram_quantiles,
    weighted_quantiles,
)
from simulations.billing import billed_total_s, seconds_above
from simulations.records import (
    DROP_REASONS,
    PATH_DROPPED,
    PATH_EDGE,
    PATH_FALLBACK,
    PATHS,
    SegmentRecords,
)

QUANTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}
HISTOGRAM_ABOVE = 1_000_000
"""Above this many measured requests a replication's percentiles are read from log-bucket
histograms (within ``HISTOGRAM_RELATIVE_ERROR``, no sort of every request); at or below it they
are exact. The summary's ``stats.percentiles_from_histogram`` says which (1 or 0)."""


@dataclass(frozen=True)
class Pooled:
    """Measured requests of one replication, all segments concatenated, with weights."""

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


def segment_weight(plan: Plan, k: int) -> float:
    return plan.segments[k].weight * plan.site_scale * plan.hour_scale


def measured_part(r: SegmentRecords) -> slice | np.ndarray:
    """The requests that arrived after the warm-up: a slice (a view, no copy) when arrivals are
    sorted, as the engines record them; a mask otherwise."""
    if r.arrival_s.size < 2 or bool(np.all(r.arrival_s[1:] >= r.arrival_s[:-1])):
        return slice(int(np.searchsorted(r.arrival_s, r.warmup_s, side="left")), None)
    mask: np.ndarray = r.arrival_s >= r.warmup_s
    return mask


CHART_ONLY = ("arrival_s", "segment", "service_ms")
"""Pooled columns only the charts read: ``summarise`` leaves them empty (20 bytes a request)."""


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


def from_histogram(p: Pooled) -> bool:
    """Whether this replication's percentiles come from histograms (``HISTOGRAM_ABOVE``)."""
    return p.path.size > HISTOGRAM_ABOVE


def latency_figures(p: Pooled) -> dict[str, float]:
    """Latency of completed requests, overall and by path: one sort (or one histogram) for all
    of them."""
    done = p.completed
    lat, w, path = p.latency_ms[done], p.weight[done], p.path[done]
    codes = list(range(len(PATHS)))
    quantiles = grouped_histogram_quantiles if from_histogram(p) else grouped_quantiles
    qs_all, qs_by_path = quantiles(lat, w, path, codes, list(QUANTILES.values()))
    out = {f"latency_ms.{k}": v for k, v in latency_stats(lat, w, qs_all).items()}
    total_w = max(p.weight.sum(), 1e-12)
    for code, name in enumerate(PATHS):
        sel = path == code
        out[f"latency_ms_by_path.{name}.share"] = float(w[sel].sum() / total_w)
        stats = latency_stats(lat[sel], w[sel], qs_by_path[code])
        for k, v in stats.items():
            out[f"latency_ms_by_path.{name}.{k}"] = v
    return out


def summarise(s: Scenario, plan: Plan, records: list[SegmentRecords]) -> dict[str, float]:
    """All summary figures of one replication, flat, with unit-bearing dotted names."""
    p = pool_records(plan, records, charts=False)
    out: dict[str, float] = {}
    out.update(request_counts(p))
    out.update(conservation(records))
    done = p.completed
    out.update(latency_figures(p))
    out["stats.percentiles_from_histogram"] = float(from_histogram(p))
    out["stats.percentile_relative_error"] = HISTOGRAM_RELATIVE_ERROR if from_histogram(p) else 0.0
    if s.workload.is_llm:
        ttft, w = p.ttft_ms[done], p.weight[done]
        qs = histogram_quantiles(ttft, w, list(QUANTILES.values())) if from_histogram(p) else None
        for k, v in latency_stats(ttft, w, qs).items():
            out[f"ttft_ms.{k}"] = v
    total_w = max(float(p.weight.sum()), 1e-12)
    out["slo_attainment"] = slo_attainment(s, p)
    out["fallback_rate"] = float(p.weight[p.path == PATH_FALLBACK].sum() / total_w)
    out["drop_rate"] = float(p.weight[p.path == PATH_DROPPED].sum() / total_w)
    in_pool = done & (p.path != PATH_EDGE) & np.isfinite(p.wait_ms)
    w_pool = p.weight[in_pool]
    out["cloud.mean_wait_ms"] = (
        float(np.average(p.wait_ms[in_pool], weights=w_pool)) if w_pool.size else math.nan
    )
    out["cloud.p_wait"] = (
        float(w_pool[p.wait_ms[in_pool] > 1e-6].sum() / w_pool.sum()) if w_pool.size else math.nan
    )
    cloud_done = done & p.left_site
    out["egress_gb"] = float((p.response_kb[cloud_done] * p.weight[cloud_done]).sum() / 1e6)
    out["sensitive_left_site"] = float((p.sensitive & p.left_site).sum())
    out["links.down_fraction"] = down_fraction(plan, records)
    out.update(link_counts(plan, records))
    out.update(cloud_figures(s, plan, records))
    add_unsimulated_floor(out, s, plan)
    out.update(edge_figures(s, plan, records))
    return out


def request_counts(p: Pooled) -> dict[str, float]:
    """Simulated counts (exact integers) and their monthly estimates."""
    dropped = p.path == PATH_DROPPED
    in_flight = ~p.completed & ~dropped
    out = {
        "requests.arrived": float(p.path.size),
        "requests.completed": float(p.completed.sum()),
        "requests.dropped": float(dropped.sum()),
        "requests.in_flight_at_end": float(in_flight.sum()),
        "requests_per_month.arrived": float(p.weight.sum()),
        "requests_per_month.completed": float(p.weight[p.completed].sum()),
        "requests_per_month.dropped": float(p.weight[dropped].sum()),
    }
    for code, name in enumerate(DROP_REASONS[1:], start=1):
        out[f"requests.dropped_by_reason.{name}"] = float((p.reason[dropped] == code).sum())
        # the month's estimate, as the pages show it beside requests_per_month.arrived
        monthly = float(p.weight[dropped][p.reason[dropped] == code].sum())
        out[f"requests_per_month.dropped_by_reason.{name}"] = monthly
    return out


def conservation(records: list[SegmentRecords]) -> dict[str, float]:
    """The request book against the engine's own count of what is still inside at the end.

    Over every simulated request (warm-up included): arrived - completed - dropped must equal
    what the engine found in devices, on links and in the pool when the clock stopped.
    """
    unfinished = inside = 0
    for r in records:
        completed = (r.path >= 0) & np.isfinite(r.done_s)
        dropped = r.path == PATH_DROPPED
        unfinished += int(r.path.size - completed.sum() - dropped.sum())
        inside += int(r.in_system_at_end)
    return {
        "requests.unfinished_by_book": float(unfinished),
        "requests.in_system_at_end": float(inside),
        "requests.conservation_holds": float(unfinished == inside),
    }


def slo_attainment(s: Scenario, p: Pooled) -> float:
    """Share of all arrived requests (drops count as misses) meeting every stated target."""
    target, ttft, tps = s.slo.latency_target_ms, s.slo.ttft_p95_ms, s.slo.min_tokens_per_s
    if target is None and ttft is None and (tps is None or not s.workload.is_llm):
        return math.nan
    ok = p.completed.copy()
    if target is not None:
        ok &= p.latency_ms <= target
    if ttft is not None and s.workload.is_llm:
        ok &= p.ttft_ms <= ttft
    if tps is not None and s.workload.is_llm:
        ok &= decode_tokens_per_s(p) >= tps * (1 - 1e-9)
    return float(p.weight[ok].sum() / max(float(p.weight.sum()), 1e-12))


def decode_tokens_per_s(p: Pooled) -> np.ndarray:
    """Per-request streaming speed after the first token: (output - 1) tokens over the time
    from first token to done (infinite for one-token answers and non-LLM work)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = (p.output_tokens - 1) * 1000 / (p.latency_ms - p.ttft_ms)
    return np.where((p.output_tokens > 1) & (p.latency_ms > p.ttft_ms), speed, np.inf)


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
        pod_lives, _ = measured_lives(r, [(a, end) for a, _r, end in r.instances])
        lives, spans = measured_lives(r, r.nodes or [(a, end) for a, _r, end in r.instances])
        pods += sum(life for life, _ in pod_lives) * w
        held += sum(life for life, _ in lives) * w
        billed += billed_total_s(lives, terms) * w
        starting += starting_s(r) * w
        starts += sum(r.warmup_s <= a < r.end_s for a, _, _ in r.instances) * w / gpus
        above += seconds_above(spans, reserved_sim) * w
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


def measured_lives(
    r: SegmentRecords, intervals: list[tuple[float, float]]
) -> tuple[list[tuple[float, bool]], list[tuple[float, float]]]:
    """Each (node or pod) life inside the measured window, whether it started there, its span.

    A life that began before the window (warm-up, or carried over from the day before) had its
    start billed already, so the per-start minimum applies only to starts inside the window.
    """
    lives, spans = [], []
    for start, end in intervals:
        a, b = max(start, r.warmup_s), min(end, r.end_s)
        if b > a:
            lives.append((b - a, start >= r.warmup_s))
            spans.append((a, b))
    return lives, spans


def starting_s(r: SegmentRecords) -> float:
    """Instance-seconds in the measured window between request and ready (cold starts)."""
    total = 0.0
    for start, ready, end in r.instances:
        stop = min(end if math.isnan(ready) else ready, end, r.end_s)
        total += max(0.0, stop - max(start, r.warmup_s))
    return total


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
