"""Per-site links: a single-lane road to the data centre that is sometimes closed.

Each site's uplink and downlink is a FIFO lane of finite bandwidth shared by that site's
requests: a frame occupies the lane for bytes / bandwidth seconds, one after the other, so an
oversubscribed link backs up; a request whose transmission would start later than the cloud-side
timeout after it first tried gives up (``link_timeout``) without using the lane. RTT follows a
piecewise lognormal through the catalog's p50, p95 and p99. Loss is per MSS-sized packet
(1,460 B), in both directions: every transmission of a packet, retransmissions included, is lost
with the link's loss probability, so delivering n packets takes a negative-binomial number of
retransmissions (mean n p / (1 - p)), each costing the 200 ms minimum RTO plus another RTT and
its bytes on the lane. The downlink's draw comes from the request's loss uniform (see
``downlink_uniform``), so both engines need no extra per-request column. Outages alternate
exponential up/down periods; work that finds the link down waits for it to come back, up to
the timeout. Frames already in the lane when an outage starts are delivered (the outage gates
new transmissions only).

Tie-breaking rule: frames entering a lane at the same instant are served in the order the
router hands them over (SimPy event order, i.e. request-id order for simultaneous arrivals).
Time in seconds, sizes in kB (1 kB = 1,000 B).
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
Z99 = 2.3263478740408408
MIN_RTO_S = 0.2
"""Linux TCP minimum retransmission timeout (RFC 6298 allows 1 s; Linux uses 200 ms)."""
MSS_KB = 1.46
"""Ethernet TCP maximum segment size, 1,460 B."""
MAX_LOSS = 0.99
"""Per-packet loss is capped here: at 100 % nothing is ever delivered (an outage, not loss)."""
DOWN_SPLIT = 67_108_864.0
"""2**26: ``downlink_uniform`` keeps the bits of the loss uniform below this scale."""
ProcessGenerator = Generator[simpy.Event, Any, None]


def rtt_s(spec: LinkInput, z: float) -> float:
    """RTT for standard-normal draw ``z``: lognormal through p50 and p95 up to p95, then a
    second lognormal piece through p95 and p99 (quantiles match all three exactly)."""
    if spec.ideal or spec.rtt_median_s <= 0:
        return 0.0
    if z <= Z95:
        sigma = math.log(max(spec.rtt_p95_s / spec.rtt_median_s, 1.0)) / Z95
        return spec.rtt_median_s * math.exp(sigma * z)
    sigma_tail = math.log(max(spec.rtt_p99_s / spec.rtt_p95_s, 1.0)) / (Z99 - Z95)
    return spec.rtt_p95_s * math.exp(sigma_tail * (z - Z95))


def packets(kb: float) -> int:
    """MSS-sized packets needed for ``kb`` of payload (at least one)."""
    return max(1, math.ceil(kb / MSS_KB - 1e-12))


def lost_packets(u: float, n: int, p: float) -> int:
    """Retransmissions needed to deliver n packets when every transmission is lost with chance
    p: the negative binomial quantile of uniform draw u (mean n p / (1 - p)). p is capped at
    ``MAX_LOSS``; where (1 - p)^n underflows (millions of bytes at heavy loss) the count is its
    mean, rounded."""
    if p <= 0 or n <= 0:
        return 0
    p = min(p, MAX_LOSS)
    pmf = (1.0 - p) ** n
    if pmf <= 0.0:
        return int(n * p / (1.0 - p) + 0.5)
    cdf, k = pmf, 0
    while cdf < u and pmf > 0.0:
        pmf *= (n + k) / (k + 1) * p
        k += 1
        cdf += pmf
    return k


def downlink_uniform(u: float) -> float:
    """The response's loss draw from the request's loss uniform ``u``: its low 27 bits.

    numpy's ``random()`` is k / 2**53 for a uniform 53-bit k, so ``u * 2**26`` is exact and its
    fractional part is (k mod 2**27) / 2**27, uniform and independent of the high 26 bits. The
    uplink's count depends on u only through those high bits unless u lies within 2**-26 of one
    of its quantile thresholds, so the two directions' losses are independent to that
    resolution."""
    x = u * DOWN_SPLIT
    return x - math.floor(x)


def uplink_parts(spec: LinkInput, kb: float, z: float, u_loss: float) -> tuple[float, float]:
    """(seconds on the lane, propagation and retransmission delay after it) for one upload."""
    if spec.ideal:
        return 0.0, 0.0
    rtt = rtt_s(spec, z)
    lost = lost_packets(u_loss, packets(kb), spec.loss)
    tx = (kb + lost * MSS_KB) * 8 / spec.uplink_kbps
    return tx, rtt / 2 + lost * (MIN_RTO_S + rtt)


def downlink_parts(spec: LinkInput, kb: float, z: float, u_loss: float) -> tuple[float, float]:
    """(seconds on the lane, propagation and retransmission delay after it) for one response;
    ``u_loss`` is the request's loss uniform (the downlink uses ``downlink_uniform`` of it)."""
    if spec.ideal:
        return 0.0, 0.0
    rtt = rtt_s(spec, z)
    lost = lost_packets(downlink_uniform(u_loss), packets(kb), spec.loss)
    tx = (kb + lost * MSS_KB) * 8 / spec.downlink_kbps
    return tx, rtt / 2 + lost * (MIN_RTO_S + rtt)


class Lane:
    """One direction of a link: a FIFO of finite bandwidth (only its next free instant)."""

    def __init__(self) -> None:
        self.free_at = 0.0
        self.busy_s = 0.0

    def start_time(self, now: float) -> float:
        return now if now > self.free_at else self.free_at

    def occupy(self, start: float, tx_s: float) -> None:
        self.free_at = start + tx_s
        self.busy_s += tx_s


class Link:
    """One site's link with its outage state, its two lanes and the work waiting for it."""

    def __init__(self, env: simpy.Environment, spec: LinkInput, gauges: Gauges) -> None:
        self.env = env
        self.gauges = gauges
        self.spec = spec
        self.up = True
        self.waiting: list[Callable[[], None]] = []
        self.down_since: float | None = None
        self.down_s = 0.0
        self.uplink = Lane()
        self.downlink = Lane()

    def rtt_s(self, z: float) -> float:
        return rtt_s(self.spec, z)

    def send_up(
        self, kb: float, z: float, u_loss: float, deadline_s: float
    ) -> tuple[float, float] | None:
        """Queue an upload now: (delay until it reaches the pool, seconds queued on the lane),
        or None when its transmission would start after ``deadline_s`` (it gives up unsent)."""
        now = self.env.now
        tx, after = uplink_parts(self.spec, kb, z, u_loss)
        start = self.uplink.start_time(now)
        if start > deadline_s:
            return None
        self.uplink.occupy(start, tx)
        return start + tx + after - now, start - now

    def send_down(self, kb: float, z: float, u_loss: float) -> float:
        """Queue a response now; the instant it reaches the site."""
        tx, after = downlink_parts(self.spec, kb, z, u_loss)
        start = self.downlink.start_time(self.env.now)
        self.downlink.occupy(start, tx)
        return start + tx + after

    def first_token_down(self, z: float, u_loss: float) -> float:
        """The instant a first token sent now reaches the site (behind the lane's backlog): one
        packet, lost as the response's first packet is (the same draw)."""
        _, after = downlink_parts(self.spec, 0.0, z, u_loss)
        return self.downlink.start_time(self.env.now) + after

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
