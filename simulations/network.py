"""Per-site links: a road to the data centre that is sometimes closed.

Each site's link has a lognormal RTT (from its median and p95), upload and download bandwidth,
a loss rate (a lost request costs one retransmission: the 200 ms minimum RTO plus another RTT)
and outages as alternating exponential up/down periods. Work that finds the link down waits for
it to come back, up to the cloud-side timeout. Time in seconds, sizes in kB.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from simulations.edge import Gauges
from simulations.inputs import LinkInput

Z95 = 1.6448536269514722
MIN_RTO_S = 0.2
ProcessGenerator = Generator[simpy.Event, Any, None]


class Link:
    """One site's link with its outage state and the work waiting for it."""

    def __init__(self, env: simpy.Environment, spec: LinkInput, gauges: Gauges) -> None:
        self.env = env
        self.gauges = gauges
        self.spec = spec
        self.up = True
        self.waiting: list[Callable[[], None]] = []
        self.down_since: float | None = None
        self.down_s = 0.0
        ratio = spec.rtt_p95_s / spec.rtt_median_s if spec.rtt_median_s > 0 else 1.0
        self.rtt_sigma = math.log(max(ratio, 1.0)) / Z95

    def rtt_s(self, z: float) -> float:
        """RTT for a request carrying standard-normal draw ``z``."""
        if self.spec.ideal or self.spec.rtt_median_s <= 0:
            return 0.0
        return self.spec.rtt_median_s * math.exp(self.rtt_sigma * z)

    def uplink_s(self, kb: float, z: float, u_loss: float) -> float:
        """Time from leaving the site to reaching the pool."""
        if self.spec.ideal:
            return 0.0
        rtt = self.rtt_s(z)
        lost = MIN_RTO_S + rtt if u_loss < self.spec.loss else 0.0
        return kb * 8 / self.spec.uplink_kbps + rtt / 2 + lost

    def downlink_s(self, kb: float, z: float) -> float:
        if self.spec.ideal:
            return 0.0
        return kb * 8 / self.spec.downlink_kbps + self.rtt_s(z) / 2

    def wait_for_up(
        self, on_up: Callable[[], None], on_timeout: Callable[[], None], timeout_s: float
    ) -> None:
        """Call ``on_up`` when the link is (or comes back) up, else ``on_timeout``."""
        if self.up:
            on_up()
            return
        state = {"done": False}

        def fire_up() -> None:
            if not state["done"]:
                state["done"] = True
                on_up()

        def fire_timeout(_e: simpy.Event) -> None:
            if not state["done"]:
                state["done"] = True
                on_timeout()

        self.waiting.append(fire_up)
        self.env.timeout(timeout_s).callbacks.append(fire_timeout)

    def go_down(self) -> None:
        self.up = False
        self.gauges.links_down += 1
        self.down_since = self.env.now

    def come_up(self) -> None:
        self.up = True
        self.gauges.links_down -= 1
        if self.down_since is not None:
            self.down_s += self.env.now - self.down_since
            self.down_since = None
        waiting, self.waiting = self.waiting, []
        for fire in waiting:
            fire()

    def down_until_now(self) -> float:
        extra = self.env.now - self.down_since if self.down_since is not None else 0.0
        return self.down_s + extra


def outage_process(
    env: simpy.Environment, link: Link, rng: np.random.Generator
) -> ProcessGenerator:
    """Alternate exponential up and down periods, starting in the stationary state."""
    spec = link.spec
    if spec.ideal or spec.outages_per_s <= 0:
        return
    up_mean = 1.0 / spec.outages_per_s
    if rng.random() < spec.outage_mean_s / (up_mean + spec.outage_mean_s):
        link.go_down()
        yield env.timeout(rng.exponential(spec.outage_mean_s))
        link.come_up()
    while True:
        yield env.timeout(rng.exponential(1.0 / spec.outages_per_s))
        link.go_down()
        yield env.timeout(rng.exponential(spec.outage_mean_s))
        link.come_up()
