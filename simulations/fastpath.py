"""An exact shortcut for FCFS pools without batching or autoscaling (Kiefer-Wolfowitz).

Like working out a bank queue on paper instead of re-enacting it: with c identical servers
serving first come, first served, and each request carrying its own service time, a request's
start is the later of its arrival and the earliest time a server frees up. A heap of server-free
times gives every wait with no events at all. It applies only where the SimPy model would do the
same thing: cloud-only routing, a fixed pool, batch size 1, no pool queue limit, one shared
queue (the ``shared_queue`` balancer, or a single replica), no device
failure or link outage inside the segment (checked by drawing from the same streams the SimPy
processes would use) and no request timing out in a backed-up uplink (so the circuit breakers
never see a failure). Each site's uplink and downlink FIFO is replayed in the order the SimPy
model feeds it: uploads in arrival order, responses in order of pool completion (ties in the
order the requests started). ``tests/unit/test_fastpath.py`` proves both give identical requests.
Time in seconds.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from simulations.inputs import DRAIN_CAP_S, SegmentInput
from simulations.network import Lane, downlink_parts, uplink_parts
from simulations.records import PATH_CLOUD, SERIES, SegmentRecords
from simulations.routing import Book, request_columns
from simulations.streams import entity_streams
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
    mtbf, mttr = inp.edge.mtbf_s, inp.edge.mttr_s
    if mtbf < math.inf:
        n_devices = sum(inp.edge.devices_per_site)
        for fail_rng in entity_streams(inp, 8, n_devices):
            if not stays_up(fail_rng, mtbf, mttr, end_s):
                return False
    # outage_process returns before drawing for ideal links or links without outages
    rngs = entity_streams(inp, 9, len(inp.links))
    for x, outage_rng in zip(inp.links, rngs, strict=True):
        if x.ideal or x.outages_per_s <= 0:
            continue
        if not stays_up(outage_rng, 1.0 / x.outages_per_s, x.outage_mean_s, end_s):
            return False
    return uplink_times(inp, req) is not None


def stays_up(rng: np.random.Generator, up_mean: float, down_mean: float, end_s: float) -> bool:
    """The draws a failure or outage process makes first: starts up and stays up to the end?"""
    if rng.random() < down_mean / (up_mean + down_mean):
        return False
    return bool(rng.exponential(up_mean) >= end_s)


def run(inp: SegmentInput, req: Requests, end_s: float) -> SegmentRecords:
    """Records identical to the SimPy model's for a segment where ``applies`` holds."""
    n = len(req)
    book = Book.empty(n)
    pool_arrival = uplink_times(inp, req)
    assert pool_arrival is not None, "fastpath.run called where applies() is False"
    service = service_times(inp, req)
    start, done = np.full(n, math.nan), np.full(n, math.nan)
    free = [0.0] * inp.pool.initial_replicas
    started: list[int] = []
    # every request arrives before the end: the drain lets each finish, up to the cap
    cap = end_s + DRAIN_CAP_S
    for i in np.argsort(pool_arrival, kind="stable"):
        pa = pool_arrival[i]
        if pa >= cap:
            continue
        t_free = heapq.heappop(free)
        s = pa if pa > t_free else t_free
        d = s + service[i]
        heapq.heappush(free, d)
        if s < cap:
            start[i] = s
            started.append(int(i))
        if d < cap:
            done[i] = d
    finished = ~np.isnan(done)
    book.path[:] = PATH_CLOUD
    book.left_site[:] = True
    book.pool_arrival_s[:] = np.where(pool_arrival < cap, pool_arrival, math.nan)
    book.start_s[:] = start
    book.wait_s[:] = start - book.pool_arrival_s
    book.service_s[finished] = done[finished] - start[finished]
    book.done_s[finished] = downlink_times(inp, req, done, started)[finished] + inp.pool.overhead_s
    book.ttft_s[finished] = book.done_s[finished] - req.arrival_s[finished]
    return records(inp, req, book, end_s, pool_arrival, start, done)


def uplink_times(inp: SegmentInput, req: Requests) -> np.ndarray | None:
    """Per-request instant of reaching the pool through each site's uplink FIFO, as
    ``network.Link.send_up`` computes it; None when a request would time out in the queue."""
    out = req.arrival_s.copy()
    timeout = inp.policy.cloud_timeout_s
    for site, spec in enumerate(inp.links):
        if spec.ideal:
            continue
        lane = Lane()
        for i in np.flatnonzero(req.site == site):
            now = float(req.arrival_s[i])
            tx, after = uplink_parts(
                spec, float(req.request_kb[i]), float(req.z_rtt[i]), float(req.u_loss[i])
            )
            begin = lane.start_time(now)
            if begin > now + timeout:
                return None
            lane.occupy(begin, tx)
            out[i] = begin + tx + after
    return out


def downlink_times(
    inp: SegmentInput, req: Requests, done: np.ndarray, started: list[int]
) -> np.ndarray:
    """Per-request instant the response reaches the site through its downlink FIFO."""
    back = done.copy()
    order = np.asarray(started, dtype=np.int64)
    order = order[~np.isnan(done[order])]
    order = order[np.argsort(done[order], kind="stable")]
    lanes = [Lane() for _ in inp.links]
    for i in order:
        spec = inp.links[int(req.site[i])]
        if spec.ideal:
            continue
        tx, after = downlink_parts(
            spec, float(req.response_kb[i]), float(req.z_rtt[i]), float(req.u_loss[i])
        )
        lane = lanes[int(req.site[i])]
        begin = lane.start_time(float(done[i]))
        lane.occupy(begin, tx)
        back[i] = begin + tx + after
    return back


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
    batches = int(((start >= warm) & (start < end_s) & has_start).sum())
    n_devices = sum(inp.edge.devices_per_site)
    cap = end_s + DRAIN_CAP_S
    in_system = int((~np.isnan(pool_arrival) & (pool_arrival < cap) & np.isnan(done)).sum())
    in_transit = int((pool_arrival >= cap).sum())
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
