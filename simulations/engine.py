"""The engine: wires traffic, devices, links, the GPU pool, its autoscaler and the router.

Like a model railway's control panel: it lays the track (one SimPy environment per segment),
puts the trains on it (arrivals drawn up front), runs the clock to the end of the segment, reads
the recorders that stop there (billing, GPU time, the per-minute series), then lets the trains
still on the track reach their stations (no new departures) before it reads their times. It
returns plain records; it never summarises or prices. Time in seconds.

The one tie-breaking rule (a compiled engine must mirror it): events at the same instant are
processed in the order they were scheduled (SimPy's FIFO among equal times), and where one event
concerns several requests (a device's simultaneous first tokens or completions, a batch) they are
handled in request-id order; a link's lane serves frames in the order they are handed to it.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from simulations import fastpath
from simulations.autoscaler import Decision, PoolMetrics, Scaler, bound, make_scaler
from simulations.budget import BudgetGuard
from simulations.device_work import edge_service
from simulations.edge import Device, Gauges, failure_process
from simulations.gpu_pool import Pool
from simulations.inputs import DRAIN_CAP_S, KpaInput, SegmentInput
from simulations.network import Link, outage_process
from simulations.records import SERIES, SegmentRecords
from simulations.routing import Book, Router, request_columns
from simulations.streams import N_STREAMS, entity_streams, spawn_streams
from simulations.traffic import generate

__all__ = ["N_STREAMS", "Segment", "run_segment", "spawn_streams"]

ProcessGenerator = Generator[simpy.Event, Any, None]
MINUTE_S = 60.0


class Segment:
    """One simulation run over one segment."""

    def __init__(self, inp: SegmentInput, eligible_by_class: np.ndarray) -> None:
        self.inp = inp
        self.env = simpy.Environment()
        streams = spawn_streams(inp)
        self.req = generate(inp.traffic, streams[:8])
        n = len(self.req)
        self.book = Book.empty(n)
        self.end_s = inp.traffic.rate_per_site.size * inp.traffic.bin_s
        service, ttft_part = edge_service(inp.edge, inp.traffic.classes, self.req)
        fits = self.req.prompt_tokens + self.req.output_tokens <= inp.edge.max_context_tokens
        eligible = eligible_by_class[self.req.cls] & np.isfinite(service) & fits
        self.gauges = Gauges()
        self.links = [Link(self.env, spec, self.gauges) for spec in inp.links]
        self.pool = Pool(
            self.env,
            inp.pool,
            self.work,
            self.on_pool_done,
            self.on_first_token,
            self.on_pool_start,
            streams[10],
            streams[11],
        )
        budget = inp.policy.budget_usd
        self.capping = budget is not None and inp.policy.on_budget_exhausted != "allow"
        self.guard = BudgetGuard(
            self.env,
            self.pool,
            budget if self.capping else None,
            inp.budget_spent_usd,
            self.end_s,
            inp.pool.min_replicas,
        )
        if self.capping:
            self.pool.guard = self.guard
        self.devices = [
            [
                Device(
                    self.env,
                    inp.edge.concurrency,
                    inp.edge.queue_limit,
                    self.on_edge_done,
                    self.gauges,
                    inp.edge.speedup,
                    self.on_edge_first,
                )
                for _ in range(k)
            ]
            for k in inp.edge.devices_per_site
        ]
        self.router = Router(
            self.env,
            inp.policy,
            self.req,
            self.book,
            self.devices,
            self.links,
            self.pool,
            eligible,
            service,
            ttft_part,
            self.budget_exhausted,
        )
        self.pool.on_evict = self.router.pool_evicted
        self.pool.on_timeout = lambda rid: self.router.drop(rid, "cloud_timeout")
        self.scaler: Scaler = make_scaler(inp.pool.scaler, inp.pool.min_replicas, inp.day_offset_s)
        self.wake: simpy.Event | None = None
        self.pool.on_activity = self.activity
        self.series = {k: np.zeros(math.ceil(self.end_s / MINUTE_S)) for k in SERIES}
        self.snapshot: dict[str, float] = {}
        self.start_processes(streams)

    # ------------------------------------------------------------------ callbacks
    def work(self, rid: int) -> tuple[float, float, float, float]:
        req = self.req
        return (
            float(self.book.scale[rid]),
            float(req.e_gpu[rid]),
            float(req.prompt_tokens[rid]),
            float(req.output_tokens[rid]),
        )

    def on_edge_done(self, rid: int, start_s: float) -> None:
        self.router.edge_done(rid, start_s)

    def on_edge_first(self, rid: int) -> None:
        self.router.edge_first(rid)

    def on_pool_done(self, rid: int) -> None:
        self.router.pool_done(rid)

    def on_first_token(self, rid: int) -> None:
        self.router.pool_first_token(rid)

    def on_pool_start(self, rid: int) -> None:
        self.router.pool_started(rid)

    def budget_exhausted(self) -> bool:
        """Whether the month's budget is spent (capping: the guard tripped; 'allow': billed
        spend plus the floor's remaining cost has reached it)."""
        budget = self.inp.policy.budget_usd
        if budget is None:
            return False
        if self.capping:
            return self.guard.tripped
        return self.guard.spent_usd() + self.guard.floor_usd(self.env.now) >= budget

    def activity(self) -> None:
        """A request reached the pool: the activator scales from zero and wakes the scaler."""
        spec = self.inp.pool
        if spec.scaler.kind == "kpa" and self.pool.active() == 0:
            self.pool.scale_to(max(1, spec.min_replicas), "activator: request while at zero")
        if self.wake is not None and not self.wake.triggered:
            self.wake.succeed()

    # ------------------------------------------------------------------ processes
    def start_processes(self, streams: list[np.random.Generator]) -> None:
        env, spec = self.env, self.inp
        self.pool.start_warm(spec.pool.initial_replicas)
        env.process(self.arrivals())
        env.process(self.monitor())
        env.process(self.take_snapshot())
        if spec.pool.scaler.kind != "fixed":
            env.process(self.autoscale())
        if spec.edge.mtbf_s < math.inf:
            devices = [d for site in self.devices for d in site]
            for d, rng in zip(devices, entity_streams(spec, 8, len(devices)), strict=True):
                env.process(
                    failure_process(
                        env, d, spec.edge.mtbf_s, spec.edge.mttr_s, rng, self.router.device_failed
                    )
                )
        for link, rng in zip(self.links, entity_streams(spec, 9, len(self.links)), strict=True):
            env.process(outage_process(env, link, rng))

    def arrivals(self) -> ProcessGenerator:
        times = self.req.arrival_s
        env, arrive = self.env, self.router.arrive
        for rid in range(times.size):
            dt = times[rid] - env.now
            if dt > 0:
                yield env.timeout(dt)
            arrive(rid)

    def autoscale(self) -> ProcessGenerator:
        """Tick the scaler; sleep while the pool is idle at its floor (woken by the activator)."""
        env, pool, spec = self.env, self.pool, self.inp.pool
        tick = self.scaler.tick_s
        kpa = spec.scaler.kpa
        stable_n = max(1, round(kpa.stable_window_s / tick))
        panic_n = max(1, round(stable_n * kpa.panic_window_pct / 100))
        grace = kpa.scale_to_zero_grace_s if spec.scaler.kind == "kpa" else 0.0
        areas = [0.0]
        zero_since: float | None = None
        proxy_since: float | None = 0.0
        while True:
            yield env.timeout(tick)
            areas.append(pool.inflight_area_now())
            if len(areas) > 4 * stable_n:
                del areas[: 2 * stable_n]
            stable = window_avg(areas, stable_n, tick)
            m = PoolMetrics(
                env.now,
                pool.counts["ready"],
                pool.counts["provisioning"],
                pool.inflight,
                stable,
                window_avg(areas, panic_n, tick),
            )
            current = pool.active()
            proxy_since = activator_in_path(kpa, m, proxy_since)
            d = bound(self.scaler.decide(m, current), spec.min_replicas, spec.max_replicas)
            if d.desired == 0 and current > 0:
                zero_since = env.now if zero_since is None else zero_since
                # Knative's fast path: the grace counts from when the activator entered the path
                held_since = zero_since if proxy_since is None else min(zero_since, proxy_since)
                if env.now - held_since < grace:
                    continue
                d = Decision(0, f"{d.reason}; no traffic for the stable window, grace over")
            else:
                zero_since = None
            pool.scale_to(d.desired, d.reason)
            idle = stable == 0 and pool.inflight == 0 and zero_since is None
            if spec.scaler.kind == "kpa" and idle and pool.active() == spec.min_replicas:
                self.wake = env.event()
                yield self.wake
                self.wake = None
                areas = [pool.inflight_area_now()]

    def monitor(self) -> ProcessGenerator:
        env, pool, s, g = self.env, self.pool, self.series, self.gauges
        for i in range(s["pool_queue"].size):
            yield env.timeout(MINUTE_S if i else 0.0)
            s["edge_in_system"][i] = g.edge_in_system
            s["pool_queue"][i] = pool.n_waiting
            s["pool_in_service"][i] = pool.in_service
            s["replicas_ready"][i] = pool.count("ready") + pool.count("draining")
            s["replicas_provisioning"][i] = pool.count("provisioning")
            s["links_down"][i] = g.links_down
            s["devices_down"][i] = g.devices_down

    def take_snapshot(self) -> ProcessGenerator:
        yield self.env.timeout(self.inp.warmup_s)
        self.snapshot = self.measures()

    def measures(self) -> dict[str, float]:
        devices = [d for site in self.devices for d in site]
        _, busy, ready = self.pool.close(self.env.now)
        return {
            "device_busy_s": sum(d.busy_until_now() for d in devices),
            "device_down_s": sum(d.down_until_now() for d in devices),
            "outage_s": sum(link.down_until_now() for link in self.links),
            "gpu_busy_s": busy,
            "gpu_ready_s": ready,
            "batches": float(self.pool.batches),
            "batch_items": float(self.pool.batch_items),
            "breaker_opens": float(sum(b.opens for b in self.router.breakers)),
            "kept_local_by_breaker": float(self.router.kept_local_by_breaker),
            "kept_local_link_down": float(self.router.kept_local_link_down),
        }

    def in_system_now(self) -> int:
        """Requests physically inside, counted where they sit (not from the request book):
        in a device's queue or service, on or waiting for a link, in the pool's queue or
        service. The summary checks it against arrived - completed - dropped."""
        on_devices = sum(d.in_system for site in self.devices for d in site)
        pool = self.pool
        in_pool = len(pool.queue) + sum(len(r.queue) for r in pool.live) + pool.in_service
        return on_devices + self.router.in_transit + in_pool

    def inside(self) -> int:
        """``in_system_now`` from the running counters (the drain's stop test, once an event)."""
        pool = self.pool
        on_devices, in_transit = self.gauges.edge_in_system, self.router.in_transit
        return on_devices + in_transit + pool.n_waiting + pool.in_service

    def drain(self) -> None:
        """After the window: run on, with no more arrivals, until no request is inside (checked
        before each event, so events at the window's end run only while one is) or the cap."""
        env, cap = self.env, self.end_s + DRAIN_CAP_S
        while self.inside() > 0 and env.peek() < cap:
            env.step()

    # ------------------------------------------------------------------ run
    def run(self) -> SegmentRecords:
        self.env.run(until=self.end_s)
        # what the window measures, taken at its end; the requests inside then finish after it
        end = self.measures()
        instances, _, _ = self.pool.close(self.end_s)
        nodes = self.pool.nodes.lives(self.end_s)
        scaling_log = list(self.pool.scaling_log)
        billed = self.guard.spent_usd(self.end_s)
        alerts = float(self.router.budget_alerts)
        uplink_busy = float(sum(link.uplink.busy_s for link in self.links))
        self.drain()
        delta = {k: end[k] - self.snapshot.get(k, 0.0) for k in end}
        n_devices = sum(self.inp.edge.devices_per_site)
        span = self.end_s - self.inp.warmup_s
        req, book = self.req, self.book
        return SegmentRecords(
            **request_columns(req, book),
            warmup_s=self.inp.warmup_s,
            end_s=self.end_s,
            series=self.series,
            scaling_log=scaling_log,
            instances=instances,
            nodes=nodes,
            links=len(self.links),
            device_busy_s=delta["device_busy_s"],
            device_up_s=n_devices * span - delta["device_down_s"],
            devices=n_devices,
            batches=int(delta["batches"]),
            batch_items=int(delta["batch_items"]),
            gpu_busy_s=delta["gpu_busy_s"],
            gpu_ready_s=delta["gpu_ready_s"],
            outage_s=delta["outage_s"],
            in_system_at_end=self.in_system_now(),
            events=next(self.env._eid),
            extra={
                "budget_alerts": alerts,
                "billed_usd": billed,
                # counted in the measured window (after the warm-up), like the figures above
                "breaker_opens": delta["breaker_opens"],
                "kept_local_by_breaker": delta["kept_local_by_breaker"],
                "kept_local_link_down": delta["kept_local_link_down"],
                "uplink_busy_s": uplink_busy,
            },
        )


def activator_in_path(kpa: KpaInput, m: PoolMetrics, since: float | None) -> float | None:
    """Since when the activator has been in the request path (SKS proxy mode), or None: it is
    while the excess burst capacity floor(ready x target - burst capacity - panic) is < 0."""
    total = m.ready * kpa.container_concurrency_target
    if math.floor(total - kpa.target_burst_capacity - m.panic_avg) < 0:
        return m.now if since is None else since
    return None


def window_avg(areas: list[float], n: int, tick_s: float) -> float:
    """Average in-flight over the last n ticks, from cumulative areas sampled once a tick."""
    back = min(n, len(areas) - 1)
    return (areas[-1] - areas[-1 - back]) / (back * tick_s) if back else 0.0


def run_segment(
    inp: SegmentInput, eligible_by_class: np.ndarray, allow_fastpath: bool = True
) -> SegmentRecords:
    """Simulate one segment and return its records (the exact fast path where it applies)."""
    if allow_fastpath:
        streams = spawn_streams(inp)
        req = generate(inp.traffic, streams[:8])
        end_s = inp.traffic.rate_per_site.size * inp.traffic.bin_s
        if fastpath.applies(inp, req, end_s, streams):
            return fastpath.run(inp, req, end_s)
    return Segment(inp, eligible_by_class).run()
