"""An exact shortcut for FCFS pools without batching or autoscaling (Kiefer-Wolfowitz).

Like working out a bank queue on paper instead of re-enacting it: with c identical servers
serving first come, first served, and each request carrying its own service time, a request's
start is the later of its arrival and the earliest time a server frees up. A heap of server-free
times gives every wait with no events at all. It applies only where the SimPy model would do the
same thing: cloud-only routing, a fixed pool, batch size 1, no pool queue limit, one shared
queue (the ``shared_queue`` balancer, or a single replica), and no device
failure or link outage inside the segment (checked by drawing from the same streams the SimPy
processes would use). ``tests/unit/test_fastpath.py`` proves both give identical requests.
Time in seconds.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from simulations.inputs import SegmentInput
from simulations.network import MIN_RTO_S, Z95
from simulations.records import PATH_CLOUD, SERIES, SegmentRecords
from simulations.routing import Book, request_columns
from simulations.traffic import Requests

MINUTE_S = 60.0


def applies(
    inp: SegmentInput, req: Requests, end_s: float, streams: list[np.random.Generator]
) -> bool:
    """Whether the shortcut reproduces the SimPy model for this segment exactly."""
    pool, pol = inp.pool, inp.policy
    structural = (
        pol.kind == "cloud_only"
        and pool.scaler.kind == "fixed"
        and not pool.llm
        and pool.max_batch == 1
        and pool.queue_limit is None
        and pool.initial_replicas >= 1
        # one shared FCFS queue: the shared_queue balancer, or a single replica under any balancer
        and (pool.load_balancer == "shared_queue" or pool.initial_replicas == 1)
        and (pol.sensitive_may_leave or not req.sensitive.any())
    )
    if not structural:
        return False
    # the SimPy model's first draws from the failure and outage streams, in process order
    fail_rng, outage_rng = streams[8], streams[9]
    mtbf, mttr = inp.edge.mtbf_s, inp.edge.mttr_s
    if mtbf < math.inf:
        for _ in range(sum(inp.edge.devices_per_site)):
            if not stays_up(fail_rng, mtbf, mttr, end_s):
                return False
    # outage_process returns before drawing for ideal links or links without outages
    links = [x for x in inp.links if not x.ideal and x.outages_per_s > 0]
    return all(stays_up(outage_rng, 1.0 / x.outages_per_s, x.outage_mean_s, end_s) for x in links)


def stays_up(rng: np.random.Generator, up_mean: float, down_mean: float, end_s: float) -> bool:
    """The draws a failure or outage process makes first: starts up and stays up to the end?"""
    if rng.random() < down_mean / (up_mean + down_mean):
        return False
    return bool(rng.exponential(up_mean) >= end_s)


def run(inp: SegmentInput, req: Requests, end_s: float) -> SegmentRecords:
    """Records identical to the SimPy model's for a segment where ``applies`` holds."""
    n = len(req)
    book = Book.empty(n)
    up, down = link_times(inp, req)
    pool_arrival = req.arrival_s + up
    service = service_times(inp, req)
    start, done = np.full(n, math.nan), np.full(n, math.nan)
    free = [0.0] * inp.pool.initial_replicas
    for i in np.argsort(pool_arrival, kind="stable"):
        pa = pool_arrival[i]
        if pa >= end_s:
            continue
        t_free = heapq.heappop(free)
        s = pa if pa > t_free else t_free
        d = s + service[i]
        heapq.heappush(free, d)
        if s < end_s:
            start[i] = s
        if d < end_s:
            done[i] = d
    finished = ~np.isnan(done)
    book.path[:] = PATH_CLOUD
    book.left_site[:] = True
    book.pool_arrival_s[:] = np.where(pool_arrival < end_s, pool_arrival, math.nan)
    book.start_s[:] = start
    book.wait_s[:] = start - book.pool_arrival_s
    book.service_s[finished] = done[finished] - start[finished]
    book.done_s[finished] = done[finished] + down[finished] + inp.pool.overhead_s
    book.ttft_s[finished] = book.done_s[finished] - req.arrival_s[finished]
    return records(inp, req, book, end_s, pool_arrival, start, done)


def link_times(inp: SegmentInput, req: Requests) -> tuple[np.ndarray, np.ndarray]:
    """Per-request uplink (site to pool) and downlink times, as ``network.Link`` computes them."""
    up, down = np.zeros(len(req)), np.zeros(len(req))
    for site, spec in enumerate(inp.links):
        idx = np.flatnonzero(req.site == site)
        if spec.ideal or idx.size == 0:
            continue
        ratio = spec.rtt_p95_s / spec.rtt_median_s if spec.rtt_median_s > 0 else 1.0
        sigma = math.log(max(ratio, 1.0)) / Z95
        rtt = np.array([spec.rtt_median_s * math.exp(sigma * float(z)) for z in req.z_rtt[idx]])
        if spec.rtt_median_s <= 0:
            rtt[:] = 0.0
        lost = np.where(req.u_loss[idx] < spec.loss, MIN_RTO_S + rtt, 0.0)
        up[idx] = req.request_kb[idx] * 8 / spec.uplink_kbps + rtt / 2 + lost
        down[idx] = req.response_kb[idx] * 8 / spec.downlink_kbps + rtt / 2
    return up, down


def service_times(inp: SegmentInput, req: Requests) -> np.ndarray:
    """Batch-1 service per request, as the SimPy pool computes it (scale 1, cloud only)."""
    pool = inp.pool
    per_item = max((pool.batch8_s - pool.batch1_s) / 7, 0.0)
    mean = (pool.batch1_s - per_item) + per_item * 1
    if pool.variability == "exponential":
        return mean * req.e_gpu
    return np.full(len(req), mean)


def records(
    inp: SegmentInput,
    req: Requests,
    book: Book,
    end_s: float,
    pool_arrival: np.ndarray,
    start: np.ndarray,
    done: np.ndarray,
) -> SegmentRecords:
    warm = inp.warmup_s
    minutes = math.ceil(end_s / MINUTE_S)
    t = np.arange(minutes) * MINUTE_S
    pa = np.sort(pool_arrival[pool_arrival < end_s])
    st = np.sort(start[~np.isnan(start)])
    dn = np.sort(done[~np.isnan(done)])
    arrived = np.searchsorted(pa, t, side="right")
    started = np.searchsorted(st, t, side="right")
    ended = np.searchsorted(dn, t, side="right")
    series = {k: np.zeros(minutes) for k in SERIES}
    series["pool_queue"] = (arrived - started).astype(float)
    series["pool_in_service"] = (started - ended).astype(float)
    series["replicas_ready"][:] = inp.pool.initial_replicas
    c = inp.pool.initial_replicas
    busy_end = np.where(np.isnan(done), end_s, done)
    has_start = ~np.isnan(start)
    overlap = np.clip(np.minimum(busy_end, end_s) - np.maximum(start, warm), 0, None)
    batches = int(((start >= warm) & has_start).sum())
    n_devices = sum(inp.edge.devices_per_site)
    in_system = int((~np.isnan(pool_arrival) & (pool_arrival < end_s) & np.isnan(done)).sum())
    in_transit = int((pool_arrival >= end_s).sum())
    return SegmentRecords(
        **request_columns(req, book),
        warmup_s=warm,
        end_s=end_s,
        series=series,
        scaling_log=[],
        instances=[(0.0, 0.0, end_s)] * c,
        nodes=[(0.0, end_s)] * c,
        device_busy_s=0.0,
        links=len(inp.links),
        device_up_s=n_devices * (end_s - warm),
        devices=n_devices,
        batches=batches,
        batch_items=batches,
        gpu_busy_s=float(overlap[has_start].sum()),
        gpu_ready_s=c * (end_s - warm),
        outage_s=0.0,
        events=0,
        in_system_at_end=in_system + in_transit,
    )
