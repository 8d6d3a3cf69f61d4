"""Which hours of a day a preview must not compress: a fluid model of the system's capacity.

Like a flood engineer's sketch of a river: each hour's inflow (the day's arrival rate) is set
against what the channels can carry (the edge devices, the fallback rate limit, the GPU pool at
its largest); where the inflow exceeds it the excess is stored (a backlog) and drains only once
the inflow falls below capacity again. A preview's compressed hour (``planner.preview``) holds
the hour's rates but lasts seconds instead of the full run's hour, so a backlog that grows all
hour in the full run grows for a fraction of that and its waits come out that much shorter (the
article at 10M a month: p95 -18 %). Hours in which the fluid model finds a backlog the
compressed hour cuts short (over capacity, and after it until the backlog has drained), or a
queue that takes longer to settle than a fraction of the compressed hour (near capacity), are
the ones a preview simulates at the full run's hour length (as its budget allows). The model is
a first-order sketch (means only, no queueing noise): it picks hours, it measures nothing.
Time in seconds, rates per second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.scenario import Scenario


@dataclass(frozen=True)
class Capacities:
    """What the system can carry, in requests a second (fluid means)."""

    sites: int
    edge_per_site: float
    """Requests a second one site's devices serve with every stream busy (mean devices)."""
    eligible: float
    """Share of requests the edge may serve."""
    pool: float
    """Requests a second the GPU pool serves at its largest, full batches (0: no pool)."""
    fallback: float
    """Local-first fallbacks a second the rate limit lets through (inf for other routings)."""


def capacities(s: Scenario) -> Capacities:
    """The scenario's capacities, from the same inputs the engine reads."""
    from planner.catalog import load_catalog
    from planner.edge_backlog import mean_edge_service_s
    from planner.engine_inputs import class_inputs, edge_input
    from simulations.device_work import aggregate_speedup

    cat = load_catalog()
    device = cat.devices[s.edge.device]
    classes = class_inputs(s, device)
    eligible = sum(c.share for c in classes if c.edge_eligible) / sum(c.share for c in classes)
    r = s.policy.routing
    edge = 0.0
    if s.edge.device_count and r.kind != "cloud_only":
        service_s = r.encoder_ms / 1000 if r.kind == "split" else mean_edge_service_s(s)
        speed = edge_input(s, device, [0])
        streams = aggregate_speedup(s.edge.concurrency_per_device, speed.speedup)
        per_device = streams / service_s if service_s > 0 else math.inf
        edge = per_device * s.edge.device_count / s.edge.sites
    pool = 0.0 if r.kind == "edge_only" else pool_capacity(s)
    if r.kind == "split":
        pool /= max(r.cloud_work_fraction, 1e-9)
    fallback = r.fallback_rate_per_s if r.kind == "local_first" else math.inf
    return Capacities(s.edge.sites, edge, eligible, pool, fallback)


def pool_capacity(s: Scenario) -> float:
    """Requests a second the pool serves at its largest with full batches: the engine's
    LLM step model (step time linear in the sequences, prompts at the prefill rate, as many
    sequences as the KV cache holds) or its vision batch time."""
    from planner.catalog import load_catalog
    from planner.engine_inputs import pool_input

    p = pool_input(s, load_catalog().gpus[s.cloud.gpu], 1.0)
    # a fixed pool stays at its minimum (its scaler never moves it); the others may reach the most
    replicas = p.min_replicas if s.cloud.autoscaler.kind == "fixed" else p.max_replicas
    if replicas <= 0:
        return 0.0
    if not p.llm:
        per_item = max((p.batch8_s - p.batch1_s) / 7, 0.0)
        n = p.max_batch
        batch_s = p.batch1_s - per_item + per_item * n
        if n > 8:
            batch_s = max(batch_s, n * p.batch8_s / 8)
        return replicas * n / batch_s if batch_s > 0 else math.inf
    llm = [c for c in s.workload.request_classes if c.kind == "llm"]
    share = sum(c.share for c in llm)
    prompt = sum(c.share * c.prompt_tokens_mean for c in llm) / share
    output = sum(c.share * c.output_tokens_mean for c in llm) / share
    single = 1.0 / p.single_tps
    m = max(p.max_sequences, 2)
    b = max((m / p.aggregate_tps - single) / (m - 1), 0.0)
    held = max(1.0, min(p.max_sequences, p.kv_capacity_tokens / max(prompt + output, 1.0)))
    tokens_per_s = held / (single - b + b * held)
    per_request_s = output / tokens_per_s + prompt / p.prefill_tps
    return replicas / per_request_s if per_request_s > 0 else math.inf


@dataclass(frozen=True)
class Flow:
    """One hour at the system's bottleneck."""

    net: float
    """Requests a second arriving beyond its capacity (> 0: a backlog grows), or minus the
    spare capacity that drains one."""
    hold: float
    """Most requests a backlog there can hold (an edge queue's limit, or the pool's queue
    limit or timeout)."""
    load: float
    """Its offered load as a share of its capacity."""
    rate: float
    """Requests a second one of its queues serves (a site's devices, or the pool)."""


def flow(s: Scenario, c: Capacities, rate_per_site: float) -> Flow:
    """The hour at the bottleneck the routing makes of the capacities."""
    total = rate_per_site * c.sites
    edge_hold = float(s.edge.queue_limit + s.edge.concurrency_per_device) * s.edge.device_count
    edge_load = rate_per_site * c.eligible * c.sites
    edge_cap = c.edge_per_site * c.sites
    if c.edge_per_site <= 0:  # cloud only (or no devices): the pool alone
        return at(total, c.pool, pool_hold(s, c), c.pool)
    if c.pool <= 0:  # edge only: requests the edge may not serve are not its load
        return at(edge_load, edge_cap, edge_hold, c.edge_per_site)
    if s.policy.routing.kind == "split":  # every request passes both stages
        edge, pool = (
            at(total, edge_cap, edge_hold, c.edge_per_site),
            at(total, c.pool, pool_hold(s, c), c.pool),
        )
        return edge if edge.load >= pool.load else pool
    direct = total - edge_load  # local first: classes the edge cannot serve go to the pool
    if direct > c.pool:
        return at(direct + max(edge_load - edge_cap, 0.0), c.pool, pool_hold(s, c), c.pool)
    leave = 1.0 if s.policy.sensitive_may_leave_site else 1.0 - s.workload.sensitive_share
    if leave <= 0:  # nothing may fall back: each site's queue on its own
        return at(edge_load, edge_cap, edge_hold, c.edge_per_site)
    relief = min(c.fallback, c.pool - direct)
    return at(edge_load, edge_cap + relief, edge_hold, edge_cap + relief)


def at(load: float, capacity: float, hold: float, queue_rate: float) -> Flow:
    if capacity <= 0:
        return Flow(load, hold, math.inf if load > 0 else 0.0, 0.0)
    return Flow(load - capacity, hold, load / capacity, queue_rate)


RELAX_SHARE = 0.25
"""Near capacity, an hour needs more time when its queue's relaxation time is over this share
of a compressed hour: the queue has not settled by the hour's end (the clinic at 10x its volume
runs its devices at 88 %: with 26 s requests its queues take hours to settle)."""
NEAR_LOAD = 0.8
"""...from this load on (mean queue of 4 and more in M/M/1): below it a queue is short and an
hour's change of rate moves it little, however slowly it settles (a single device with 13 s
requests at half load settles in 150 s, longer than a 66 s hour, to a queue of one)."""


def relaxation_s(f: Flow) -> float:
    """How long the bottleneck's queue takes to settle at its load: 1 / (mu (1 - sqrt(rho))^2),
    the relaxation time of an M/M/1 queue (Morse 1955; Cohen, The Single Server Queue); 0 at
    no load, inf at or over capacity."""
    if f.load <= 0 or f.rate <= 0:
        return 0.0
    if f.load >= 1:
        return math.inf
    return 1.0 / (f.rate * (1.0 - math.sqrt(f.load)) ** 2)


def pool_hold(s: Scenario, c: Capacities) -> float:
    """Most requests a backlog at the pool holds: its queue limit, or what it serves within its
    queue timeout (a request waiting longer gives up); unbounded without either."""
    hold = math.inf if s.cloud.queue_timeout_s is None else s.cloud.queue_timeout_s * c.pool
    limit = s.cloud.batching.queue_limit
    return min(hold, float(limit)) if limit is not None else hold


def mean_backlogs(net: np.ndarray, hold: np.ndarray, hour_s: float) -> np.ndarray:
    """Each hour's time-averaged fluid backlog (requests) when every hour lasts ``hour_s``: it
    grows at the net inflow up to what it can hold and drains at the spare capacity. The day
    runs twice, so a backlog carried over midnight is counted (the day before ends the same
    way)."""
    out = np.zeros(net.size)
    b = 0.0
    for _ in range(2):
        for h, (flow, cap) in enumerate(zip(net, hold, strict=True)):
            out[h], b = hour_mean(b, float(flow), float(cap), hour_s)
    return out


def hour_mean(b: float, flow: float, cap: float, hour_s: float) -> tuple[float, float]:
    """(time-average, end) of a backlog starting at ``b`` that moves at ``flow`` a second for
    ``hour_s`` seconds between 0 and ``cap``."""
    b = min(b, cap)
    edge = cap if flow > 0 else 0.0
    if b == edge or math.isinf(flow):  # at its bound already, or there at once
        return edge, edge
    reach_s = hour_s if flow == 0 else min((edge - b) / flow, hour_s)
    if reach_s >= hour_s:  # moves all hour without reaching a bound
        return b + flow * hour_s / 2, b + flow * hour_s
    moving = b + flow * reach_s / 2
    return (moving * reach_s + edge * (hour_s - reach_s)) / hour_s, edge


SHORT_BY = 0.2
"""Over capacity, an hour needs its full length when a compressed hour's mean fluid backlog
falls short of the full hour's by more than this share."""


def hours_needing_time(
    s: Scenario, hours: np.ndarray, slice_s: float, full_hour_s: float, c: Capacities | None = None
) -> np.ndarray:
    """Which hours of a day (per-site rates, one per hour) a preview of ``slice_s`` hours cuts
    short: over capacity, their fluid backlog averaged over the hour is more than ``SHORT_BY``
    smaller than with hours of ``full_hour_s`` (the full run's); below it, their queue's
    relaxation time is over ``RELAX_SHARE`` of ``slice_s`` (from ``NEAR_LOAD`` on). A backlog
    that fills to what it can hold within a compressed hour too (an edge queue at its limit all
    day) needs no more time, but the hours it drains in do where a compressed hour's mean backlog
    is over the full hour's by more than ``SHORT_BY`` of what it can hold: the drain lasts the
    same seconds, so more compressed hours (the seasonal app at 10x with the pool's 300 s
    timeout: the evening's 2,345 queued requests took 600 s to drain, a fifth of a full hour
    and seven 89 s ones, and SLO attainment read -2.2 points)."""
    c = c or capacities(s)
    flows = [flow(s, c, float(rate)) for rate in hours]
    net = np.array([f.net for f in flows])
    hold = np.array([f.hold for f in flows])
    full = mean_backlogs(net, hold, full_hour_s)
    quick = mean_backlogs(net, hold, slice_s)
    short = (full > 0) & (quick < (1 - SHORT_BY) * full)
    # a backlog held at its bound takes the same seconds to drain whatever the hour's length,
    # so compressed hours stretch its drain over more of them
    drawn_out = np.isfinite(hold) & (quick - full > SHORT_BY * np.where(np.isfinite(hold), hold, 0))
    slow = np.array(
        [NEAR_LOAD <= f.load < 1 and relaxation_s(f) > RELAX_SHARE * slice_s for f in flows]
    )
    need: np.ndarray = short | drawn_out | slow
    return need


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) of each run of True in the mask, end exclusive, in order."""
    out: list[tuple[int, int]] = []
    for h, on in enumerate(mask):
        if on and out and out[-1][1] == h:
            out[-1] = (out[-1][0], h + 1)
        elif on:
            out.append((h, h + 1))
    return out
