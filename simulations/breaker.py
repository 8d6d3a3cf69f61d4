"""A circuit breaker per site link: a fuse the site's router keeps in front of its cloud link.

Closed, every cloud-bound request is sent. After ``failures`` consecutive failures (a connection
attempt that finds the link down -- the request then retries until the link returns or the
timeout -- or a request that timed out in the link's backed-up queue) the fuse opens: for
``base_open_s`` x (times opened) seconds, at most ``max_open_s``, the router neither sends nor
waits -- fallbacks stay on the device, cloud-only work is dropped at once (``circuit_open``).
After the cool-down the next request is a probe (half-open): if it reaches the pool the fuse
closes and forgets its history; if it fails the fuse opens again for longer. Outcomes of
requests sent before the fuse opened are ignored while it is open or half-open (only the probe
counts). Defaults follow Envoy's outlier detection (consecutive_5xx 5, base_ejection_time 30 s
multiplied by the ejection count, max_ejection_time 300 s; for TCP traffic a connection failure
counts as a 5xx: envoyproxy.io/docs/envoy/v1.30.4/api-v3/config/cluster/v3/outlier_detection.proto).
Time in seconds.
"""

from __future__ import annotations

from simulations.inputs import BreakerInput


class Breaker:
    """The fuse of one site's link."""

    def __init__(self, spec: BreakerInput) -> None:
        self.spec = spec
        self.state = "closed"  # closed | open | half_open
        self.failures = 0
        self.opened = 0
        self.open_until = 0.0
        self.probe: int | None = None
        self.opens = 0

    def allows(self, now: float) -> bool:
        """Whether a request may be sent now (no side effect; ``sending`` claims the probe)."""
        if not self.spec.enabled or self.state == "closed":
            return True
        if self.state == "open":
            return now >= self.open_until
        return self.probe is None

    def sending(self, now: float, rid: int) -> None:
        """Request ``rid`` is being sent (the caller checked ``allows``)."""
        if not self.spec.enabled or self.state == "closed":
            return
        self.state, self.probe = "half_open", rid

    def success(self, rid: int) -> None:
        if self.state == "closed":
            self.failures = 0
        elif self.state == "half_open" and rid == self.probe:
            self.state, self.failures, self.opened, self.probe = "closed", 0, 0, None

    def failure(self, now: float, rid: int) -> None:
        if not self.spec.enabled:
            return
        if self.state == "closed":
            self.failures += 1
            if self.failures >= self.spec.failures:
                self._open(now)
        elif self.state == "half_open" and rid == self.probe:
            self._open(now)

    def _open(self, now: float) -> None:
        self.opened += 1
        self.opens += 1
        hold = min(self.spec.base_open_s * self.opened, max(self.spec.max_open_s, 0.0))
        self.state, self.open_until, self.probe, self.failures = "open", now + hold, None, 0
