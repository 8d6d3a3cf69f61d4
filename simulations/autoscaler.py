"""Autoscalers: the thermostat of the GPU pool.

A thermostat reads the room, compares with its set point and switches heaters on or off, with
some hysteresis so it does not flap. Each class here reads pool metrics at its own tick and returns
a desired replica count with the reason, following the upstream algorithms: Knative's KPA
(``pkg/autoscaler/scaling/autoscaler.go`` Scale()), the Kubernetes HPA (autoscaling/v2 defaults),
a fixed pool and a pre-warm schedule. They are pure (no SimPy), so tests drive them directly.
Time in seconds.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from simulations.inputs import HpaInput, KpaInput, ScalerInput

DAY_S = 86_400.0


@dataclass(frozen=True)
class Decision:
    desired: int
    reason: str


@dataclass(frozen=True)
class PoolMetrics:
    """What a scaler sees at a tick."""

    now: float
    ready: int
    not_ready: int
    inflight: float
    """In-flight requests right now (queued + in service)."""
    stable_avg: float
    """Average in-flight over the stable window (KPA)."""
    panic_avg: float
    """Average in-flight over the panic window (KPA)."""


class Scaler(Protocol):
    tick_s: float

    def decide(self, m: PoolMetrics, current: int) -> Decision: ...


def bound(d: Decision, lo: int, hi: int) -> Decision:
    """Apply the pool's min/max; say so when a bound changed the answer."""
    if d.desired < lo:
        return Decision(lo, f"{d.reason}; raised to min {lo}")
    if d.desired > hi:
        return Decision(hi, f"{d.reason}; capped at max {hi}")
    return d


class FixedScaler:
    """A fixed pool never changes (min_replicas)."""

    tick_s = 3600.0

    def __init__(self, replicas: int) -> None:
        self.replicas = replicas

    def decide(self, m: PoolMetrics, current: int) -> Decision:
        return Decision(self.replicas, "fixed")


class KpaScaler:
    """Knative Pod Autoscaler: stable and panic windows over per-second concurrency."""

    def __init__(self, p: KpaInput) -> None:
        self.target = p.container_concurrency_target * p.target_utilization_pct / 100
        self.stable_window_s = p.stable_window_s
        self.panic_window_s = max(1.0, p.stable_window_s * p.panic_window_pct / 100)
        self.panic_threshold = p.panic_threshold_pct / 100
        self.max_up_rate = p.max_scale_up_rate
        self.max_down_rate = p.max_scale_down_rate
        self.tick_s = p.tick_interval_s
        self.scale_down_delay_s = p.scale_down_delay_s
        self.panic_since: float | None = None
        self.max_panic_pods = 0
        self.recent: deque[tuple[float, int]] = deque()

    @property
    def in_panic(self) -> bool:
        return self.panic_since is not None

    def decide(self, m: PoolMetrics, current: int) -> Decision:
        ready = max(1, m.ready)
        lo = math.floor(ready / self.max_down_rate)
        hi = math.ceil(self.max_up_rate * ready)
        dspc = min(max(math.ceil(m.stable_avg / self.target), lo), hi)
        wanted = math.ceil(m.panic_avg / self.target)
        dppc = min(max(wanted, lo), hi)
        # Knative tests the threshold on the panic count before the rate limits clamp it
        over = wanted / ready >= self.panic_threshold
        if over:
            if self.panic_since is None:
                self.max_panic_pods = m.ready
            self.panic_since = m.now
        elif self.panic_since is not None and m.now >= self.panic_since + self.stable_window_s:
            self.panic_since = None
            self.max_panic_pods = 0
        if self.panic_since is not None:
            desired = max(dspc, dppc, self.max_panic_pods)
            self.max_panic_pods = desired
            reason = f"panic: {m.panic_avg:.1f} in flight over {self.panic_window_s:g} s"
        else:
            desired = dspc
            reason = f"stable: {m.stable_avg:.1f} in flight over {self.stable_window_s:g} s"
        return self._delay_scale_down(m.now, Decision(desired, reason))

    def _delay_scale_down(self, now: float, d: Decision) -> Decision:
        if self.scale_down_delay_s <= 0:
            return d
        self.recent.append((now, d.desired))
        while self.recent and self.recent[0][0] < now - self.scale_down_delay_s:
            self.recent.popleft()
        held = max(v for _, v in self.recent)
        return d if held == d.desired else Decision(held, f"{d.reason}; scale-down delay hold")


class HpaScaler:
    """Kubernetes HPA on in-flight requests per replica, as the controller computes it
    (pkg/controller/podautoscaler/horizontal.go): a recommendation from the metric ratio,
    stabilised over its windows, then limited by the behavior policies over their periodSeconds
    (changes already made inside a policy's period count against it)."""

    def __init__(self, p: HpaInput) -> None:
        self.p = p
        self.tick_s = p.sync_period_s
        self.history: deque[tuple[float, int]] = deque()
        self.events: deque[tuple[float, int]] = deque()
        """Scale events (time, replicas added; negative = removed)."""

    def decide(self, m: PoolMetrics, current: int) -> Decision:
        pods = m.ready + m.not_ready
        if pods == 0:
            return Decision(current, "no pods: no metric")
        ratio = (m.inflight / pods) / self.p.target_inflight_per_replica
        if abs(ratio - 1) <= self.p.tolerance:
            rec, why = current, f"within tolerance (ratio {ratio:.2f})"
        else:
            rec, why = math.ceil(pods * ratio), f"ratio {ratio:.2f}"
        stable = self._stabilise(m.now, current, rec)
        desired = self._limit(m.now, current, stable)
        if desired != current:
            self.events.append((m.now, desired - current))
        periods = [pol.period_s for pol in self.p.scale_up_policies + self.p.scale_down_policies]
        while self.events and self.events[0][0] <= m.now - max(periods, default=0.0):
            self.events.popleft()
        if desired != stable:
            why = f"{why}; {'scale-up' if desired > current else 'scale-down'} policy limit"
        elif stable != rec:
            why = f"{why}; stabilisation window hold"
        return Decision(desired, why)

    def _stabilise(self, now: float, current: int, rec: int) -> int:
        """stabilizeRecommendationWithBehaviors: min over the up window, max over the down."""
        up = down = rec
        for t, r in self.history:
            if t > now - self.p.scale_up_stabilization_s:
                up = min(up, r)
            if t > now - self.p.scale_down_stabilization_s:
                down = max(down, r)
        self.history.append((now, rec))
        horizon = max(self.p.scale_up_stabilization_s, self.p.scale_down_stabilization_s)
        while self.history and self.history[0][0] <= now - horizon:
            self.history.popleft()
        return min(max(current, up), down)

    def _limit(self, now: float, current: int, desired: int) -> int:
        """convertDesiredReplicasWithBehaviorRate: the policies' limits over their periods."""
        if desired > current:
            return min(desired, max(self._up_limit(now, current), current))
        if desired < current:
            return max(desired, min(self._down_limit(now, current), current))
        return desired

    def _changes(self, now: float, period_s: float) -> tuple[int, int]:
        """Replicas added and removed by scale events inside the last period_s."""
        added = sum(c for t, c in self.events if t > now - period_s and c > 0)
        removed = sum(-c for t, c in self.events if t > now - period_s and c < 0)
        return added, removed

    def _up_limit(self, now: float, current: int) -> int:
        if self.p.scale_up_select == "Disabled":
            return current
        proposals = []
        for pol in self.p.scale_up_policies:
            added, removed = self._changes(now, pol.period_s)
            start = current - added + removed
            if pol.kind == "Pods":
                proposals.append(start + int(pol.value))
            else:
                proposals.append(math.ceil(start * (1 + pol.value / 100)))
        return min(proposals) if self.p.scale_up_select == "Min" else max(proposals)

    def _down_limit(self, now: float, current: int) -> int:
        if self.p.scale_down_select == "Disabled":
            return current
        proposals = []
        for pol in self.p.scale_down_policies:
            added, removed = self._changes(now, pol.period_s)
            start = current - added + removed
            if pol.kind == "Pods":
                proposals.append(start - int(pol.value))
            else:
                proposals.append(int(start * (1 - pol.value / 100)))
        return max(proposals) if self.p.scale_down_select == "Min" else min(proposals)


class ScheduleScaler:
    """Pre-warm schedule: at least the window's replicas from lead time before its start."""

    tick_s = 60.0

    def __init__(self, inp: ScalerInput, base: int, day_offset_s: float) -> None:
        self.windows = inp.windows
        self.lead_s = inp.prewarm_lead_s
        self.base = base
        self.day_offset_s = day_offset_s

    def decide(self, m: PoolMetrics, current: int) -> Decision:
        tod = (m.now + self.day_offset_s) % DAY_S
        for start, end, replicas in self.windows:
            # the lead moves only the start: replicas are requested lead_s early, released at end
            if (tod - (start - self.lead_s)) % DAY_S < end - start + self.lead_s and (
                replicas > self.base
            ):
                return Decision(replicas, f"schedule window {start / 3600:g}-{end / 3600:g} h")
        return Decision(self.base, "schedule: outside windows")


def make_scaler(inp: ScalerInput, min_replicas: int, day_offset_s: float) -> Scaler:
    if inp.kind == "kpa":
        return KpaScaler(inp.kpa)
    if inp.kind == "hpa":
        return HpaScaler(inp.hpa)
    if inp.kind == "schedule":
        return ScheduleScaler(inp, min_replicas, day_offset_s)
    return FixedScaler(min_replicas)
