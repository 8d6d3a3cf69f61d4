"""An edge device: one workbench shared by the jobs on it, and a waiting line at the door.

Up to ``concurrency`` requests are in service at once and share the device (processor sharing):
with n in service the device delivers ``aggregate(n)`` times one stream's throughput, split
equally, where aggregate follows the catalog's measured batch/concurrency point (n_ref, S_ref)
as a step model (one step serves n requests in a + b x n, so aggregate(1) = 1 and
aggregate(n_ref) = S_ref) and never exceeds S_ref; with no measured point S_ref = 1, i.e. plain
processor sharing (concurrency shares the device, it never multiplies it). More requests wait
FCFS, at most ``queue_limit``. Work is in single-stream seconds. Devices fail and are repaired
(exponential MTBF/MTTR); a failure hands everything on the device back to the router; busy time
is kept for energy.

Tie-breaking rule: requests reaching their first token or their end at the same instant are
handled in request-id order (first tokens before ends). Time in seconds.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from simulations.device_work import aggregate_speedup as aggregate_speedup  # re-exported

ProcessGenerator = Generator[simpy.Event, Any, None]
EPS = 1e-9


class Gauges:
    """Fleet-wide counters kept up to date by every device and link (cheap to sample)."""

    def __init__(self) -> None:
        self.edge_in_system = 0
        self.devices_down = 0
        self.links_down = 0


class Device:
    """One device at one site."""

    def __init__(
        self,
        env: simpy.Environment,
        concurrency: int,
        queue_limit: int,
        on_done: Callable[[int, float], None],
        gauges: Gauges,
        speedup: tuple[int, float] = (1, 1.0),
        on_first: Callable[[int], None] = lambda _rid: None,
    ) -> None:
        self.env = env
        self.gauges = gauges
        self.concurrency = concurrency
        self.queue_limit = queue_limit
        self.on_done = on_done
        self.on_first = on_first
        self.rate = [aggregate_speedup(n, speedup) / max(n, 1) for n in range(concurrency + 1)]
        self.full_rate = aggregate_speedup(concurrency, speedup)
        self.queue: deque[tuple[int, float, float]] = deque()
        self.in_service: dict[int, float] = {}
        """Request id -> start time (s)."""
        self.work: dict[int, float] = {}
        self.v = 0.0
        """Work (single-stream s) each request in service has received since the clock began."""
        self.last_t = 0.0
        self.ends: list[tuple[float, int]] = []
        self.firsts: list[tuple[float, int]] = []
        self.gen = 0
        self.up = True
        self.busy_since: float | None = None
        self.busy_s = 0.0
        self.down_since: float | None = None
        self.down_s = 0.0
        self.backlog_s = 0.0

    @property
    def in_system(self) -> int:
        return len(self.queue) + len(self.in_service)

    def expected_wait_s(self) -> float:
        """Work on and at the device divided by its full throughput (a simple estimate)."""
        if len(self.in_service) < self.concurrency:
            return 0.0
        return self.backlog_s / self.full_rate

    def can_queue(self) -> bool:
        return len(self.in_service) < self.concurrency or len(self.queue) < self.queue_limit

    def admit(self, rid: int, work: float, first_work: float | None = None) -> None:
        """Take a request needing ``work`` single-stream seconds, its first token after
        ``first_work`` of them (the caller checked ``can_queue``)."""
        self.gauges.edge_in_system += 1
        self.backlog_s += work
        first = work if first_work is None else min(first_work, work)
        if len(self.in_service) < self.concurrency:
            self._advance()
            self._start(rid, work, first)
            self._schedule()
        else:
            self.queue.append((rid, work, first))

    def _advance(self) -> None:
        now = self.env.now
        n = len(self.in_service)
        if n:
            self.v += (now - self.last_t) * self.rate[n]
        self.last_t = now

    def _start(self, rid: int, work: float, first: float) -> None:
        if self.busy_since is None:
            self.busy_since = self.env.now
        self.in_service[rid] = self.env.now
        self.work[rid] = work
        heapq.heappush(self.firsts, (self.v + first, rid))
        heapq.heappush(self.ends, (self.v + work, rid))

    def _schedule(self) -> None:
        self.gen += 1
        n = len(self.in_service)
        if not n:
            return
        target = min(self.firsts[0][0] if self.firsts else math.inf, self.ends[0][0])
        dt = max(target - self.v, 0.0) / self.rate[n]
        gen = self.gen
        self.env.timeout(dt).callbacks.append(lambda _e: self._event(gen, target))

    def _event(self, gen: int, target: float) -> None:
        if gen != self.gen:
            return
        self._advance()
        self.v = max(self.v, target)  # the clock cannot resolve the last ulps of progress
        tol = EPS * max(1.0, self.v)
        firsts = []
        while self.firsts and self.firsts[0][0] <= self.v + tol:
            firsts.append(heapq.heappop(self.firsts)[1])
        finished = []
        while self.ends and self.ends[0][0] <= self.v + tol:
            finished.append(heapq.heappop(self.ends)[1])
        starts = [self.in_service.pop(rid) for rid in finished]
        for rid in finished:
            self.backlog_s -= self.work.pop(rid)
            self.gauges.edge_in_system -= 1
        while self.queue and len(self.in_service) < self.concurrency:
            self._start(*self.queue.popleft())
        if not self.in_service and self.busy_since is not None:
            self.busy_s += self.env.now - self.busy_since
            self.busy_since = None
        self._schedule()
        for rid in firsts:
            self.on_first(rid)
        for rid, start in zip(finished, starts, strict=True):
            self.on_done(rid, start)

    def fail(self) -> list[int]:
        """Go down; return the requests that were on the device, oldest first."""
        victims = list(self.in_service) + [rid for rid, _, _ in self.queue]
        self.gauges.edge_in_system -= len(victims)
        self.gauges.devices_down += 1
        if self.busy_since is not None:
            self.busy_s += self.env.now - self.busy_since
            self.busy_since = None
        self.in_service.clear()
        self.work.clear()
        self.queue.clear()
        self.ends.clear()
        self.firsts.clear()
        self.backlog_s = 0.0
        self.gen += 1
        self.up = False
        self.down_since = self.env.now
        return victims

    def repair(self) -> None:
        self.up = True
        self.gauges.devices_down -= 1
        self.last_t = self.env.now
        if self.down_since is not None:
            self.down_s += self.env.now - self.down_since
            self.down_since = None

    def busy_until_now(self) -> float:
        extra = self.env.now - self.busy_since if self.busy_since is not None else 0.0
        return self.busy_s + extra

    def down_until_now(self) -> float:
        extra = self.env.now - self.down_since if self.down_since is not None else 0.0
        return self.down_s + extra


def failure_process(
    env: simpy.Environment,
    device: Device,
    mtbf_s: float,
    mttr_s: float,
    rng: np.random.Generator,
    on_fail: Callable[[list[int]], None],
) -> ProcessGenerator:
    """Alternate exponential up and down periods, starting in the stationary state.

    A device is down at a random instant with probability MTTR / (MTBF + MTTR); starting there
    (the periods are memoryless) keeps a simulated day unbiased for failures that span days.
    """
    if rng.random() < mttr_s / (mtbf_s + mttr_s):
        on_fail(device.fail())
        yield env.timeout(rng.exponential(mttr_s))
        device.repair()
    while True:
        yield env.timeout(rng.exponential(mtbf_s))
        on_fail(device.fail())
        yield env.timeout(rng.exponential(mttr_s))
        device.repair()
