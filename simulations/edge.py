"""An edge device: a small workshop with a few benches and a waiting line at the door.

Each device serves up to ``concurrency`` requests at once (FCFS), holds at most ``queue_limit``
waiting, fails and is repaired (exponential MTBF/MTTR), and keeps its busy time for energy.
A failure sends everything on its benches and in its line back to the router. Time in seconds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

ProcessGenerator = Generator[simpy.Event, Any, None]


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
    ) -> None:
        self.env = env
        self.gauges = gauges
        self.concurrency = concurrency
        self.queue_limit = queue_limit
        self.on_done = on_done
        self.queue: deque[tuple[int, float]] = deque()
        self.in_service: dict[int, float] = {}
        self.up = True
        self.epoch = 0
        self.busy_since: float | None = None
        self.busy_s = 0.0
        self.down_since: float | None = None
        self.down_s = 0.0
        self.backlog_s = 0.0

    @property
    def in_system(self) -> int:
        return len(self.queue) + len(self.in_service)

    def expected_wait_s(self) -> float:
        """Work ahead of a new arrival divided by the benches (a simple, cheap estimate)."""
        if len(self.in_service) < self.concurrency:
            return 0.0
        return self.backlog_s / self.concurrency

    def can_queue(self) -> bool:
        return len(self.in_service) < self.concurrency or len(self.queue) < self.queue_limit

    def admit(self, rid: int, work: float) -> None:
        """Take a request needing ``work`` seconds of service (the caller checked ``can_queue``)."""
        self.gauges.edge_in_system += 1
        self.backlog_s += work
        if len(self.in_service) < self.concurrency:
            self._start(rid, work)
        else:
            self.queue.append((rid, work))

    def _start(self, rid: int, work: float) -> None:
        if self.busy_since is None:
            self.busy_since = self.env.now
        self.in_service[rid] = work
        epoch = self.epoch
        ev = self.env.timeout(work)
        ev.callbacks.append(lambda _e: self._finish(rid, epoch))

    def _finish(self, rid: int, epoch: int) -> None:
        if epoch != self.epoch or rid not in self.in_service:
            return
        work = self.in_service.pop(rid)
        self.backlog_s -= work
        self.gauges.edge_in_system -= 1
        if self.queue:
            nxt, nwork = self.queue.popleft()
            self._start(nxt, nwork)
        elif not self.in_service and self.busy_since is not None:
            self.busy_s += self.env.now - self.busy_since
            self.busy_since = None
        self.on_done(rid, work)

    def fail(self) -> list[int]:
        """Go down; return the requests that were on the device, oldest first."""
        victims = list(self.in_service) + [rid for rid, _ in self.queue]
        self.gauges.edge_in_system -= len(victims)
        self.gauges.devices_down += 1
        if self.busy_since is not None:
            self.busy_s += self.env.now - self.busy_since
            self.busy_since = None
        self.in_service.clear()
        self.queue.clear()
        self.backlog_s = 0.0
        self.epoch += 1
        self.up = False
        self.down_since = self.env.now
        return victims

    def repair(self) -> None:
        self.up = True
        self.gauges.devices_down -= 1
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
