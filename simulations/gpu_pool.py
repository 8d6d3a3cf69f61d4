"""The GPU pool: a taxi rank of replicas that come and go, fed from one queue.

Requests join one pool queue (the load balancer's view) and replicas pull from it. Two service
disciplines:

* Triton-style dynamic batching (vision): a free replica takes the largest batch available up to
  ``max_batch``; with fewer queued it waits until the oldest has waited ``max_queue_delay``, and an
  arrival that completes a full batch dispatches it at once. Batch time = setup + per-item x n,
  fitted so batch 1 takes ``batch1_s`` and batch 8 takes ``batch8_s`` (the profile's saturated
  throughput).
* Continuous batching (LLM): up to ``max_sequences`` sequences share a replica as processor
  sharing; each decode step takes a + b x n seconds for n active sequences, fitted so one stream
  runs at the single-stream speed and ``max_sequences`` streams reach the aggregate speed. Prefill
  is work at the prefill speed; time to first token is when a sequence's prefill completes.

Replicas are requested, go through the sampled cold-start stages, serve, drain and terminate;
billing runs from request to termination. Time in seconds.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import simpy

from simulations.billing import billed_s
from simulations.inputs import PoolInput

if TYPE_CHECKING:
    from simulations.budget import BudgetGuard

EPS = 1e-9


@dataclass
class Replica:
    rid: int
    requested_s: float
    ready_s: float = math.nan
    end_s: float = math.nan
    state: str = "provisioning"  # provisioning | ready | draining | gone
    busy: int = 0
    busy_since: float | None = None
    busy_s: float = 0.0
    # processor-sharing state (continuous batching)
    v: float = 0.0
    last_t: float = 0.0
    ends: list[tuple[float, int]] = field(default_factory=list)
    firsts: list[tuple[float, int]] = field(default_factory=list)
    gen: int = 0
    batch: list[int] = field(default_factory=list)


class Pool:
    """Replicas, the pool queue and the service discipline."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: PoolInput,
        work: Callable[[int], tuple[float, float, float, float]],
        on_done: Callable[[int], None],
        on_first_token: Callable[[int], None],
        on_start: Callable[[int], None],
        cold_rng: np.random.Generator,
    ) -> None:
        self.env = env
        self.spec = spec
        self.work = work
        self.on_done = on_done
        self.on_first_token = on_first_token
        self.on_start = on_start
        self.cold_rng = cold_rng
        self.queue: deque[int] = deque()
        self.enqueued_s: dict[int, float] = {}
        self.replicas: list[Replica] = []
        self.live: list[Replica] = []
        self.in_service = 0
        self.batches = 0
        self.batch_items = 0
        self.timer_gen = 0
        self.timer_at = math.inf
        self.scaling_log: list[tuple[float, int, int, str]] = []
        self.inflight_area = 0.0
        self.inflight_t = 0.0
        self.on_activity: Callable[[], None] = lambda: None
        self.counts = {"provisioning": 0, "ready": 0, "draining": 0, "gone": 0}
        self.closed_s = 0.0
        self.live_requested_s = 0.0
        self.closed_billed_s = 0.0
        self.over_area_s = 0.0
        self.over_t = 0.0
        self.cap = math.inf
        self.guard: BudgetGuard | None = None
        self.on_evict: Callable[[int], None] = lambda _rid: None
        self._fit()

    # ------------------------------------------------------------------ model fits
    def _fit(self) -> None:
        s = self.spec
        if s.llm:
            single = 1.0 / s.single_tps
            m = max(s.max_sequences, 2)
            b = max((m / s.aggregate_tps - single) / (m - 1), 0.0)
            self.step_a, self.step_b = single - b, b
        else:
            per_item = max((s.batch8_s - s.batch1_s) / 7, 0.0)
            self.per_item_s, self.setup_s = per_item, s.batch1_s - per_item

    def step_s(self, n: int) -> float:
        """Seconds per decode step with n active sequences."""
        return self.step_a + self.step_b * n

    def batch_s(self, n: int) -> float:
        return self.setup_s + self.per_item_s * n

    # ------------------------------------------------------------------ counts
    @property
    def inflight(self) -> int:
        return len(self.queue) + self.in_service

    def count(self, state: str) -> int:
        return self.counts[state]

    def active(self) -> int:
        """Replicas that count towards the desired size (provisioning or ready)."""
        return self.counts["provisioning"] + self.counts["ready"]

    def _new(self, state: str) -> Replica:
        self._meter()
        r = Replica(len(self.replicas), self.env.now, state=state)
        self.replicas.append(r)
        self.live.append(r)
        self.counts[state] += 1
        self.live_requested_s += r.requested_s
        return r

    def _set(self, r: Replica, state: str) -> None:
        self.counts[r.state] -= 1
        self.counts[state] += 1
        r.state = state

    def _track(self) -> None:
        now = self.env.now
        self.inflight_area += self.inflight * (now - self.inflight_t)
        self.inflight_t = now

    def inflight_area_now(self) -> float:
        return self.inflight_area + self.inflight * (self.env.now - self.inflight_t)

    # ------------------------------------------------------------------ scaling
    def start_warm(self, n: int) -> None:
        for _ in range(n):
            r = self._new("ready")
            r.ready_s = r.last_t = self.env.now
        self._rearm()

    def _meter(self) -> None:
        """Advance the integral of node-seconds above the commitment (reserved pricing)."""
        now, over = self.env.now, max(len(self.live) - self.spec.committed_replicas, 0.0)
        self.over_area_s += over * (now - self.over_t)
        self.over_t = now

    def _rearm(self) -> None:
        if self.guard is not None:
            self.guard.rearm()

    def scale_to(self, desired: int, reason: str) -> None:
        if desired > self.cap:
            desired, reason = int(self.cap), f"{reason}; held at the floor (budget exhausted)"
        before = self.active()
        if desired == before:
            return
        if desired > before:
            self._grow(desired - before)
        else:
            self._shrink(before - desired)
        self.scaling_log.append((self.env.now, before, desired, reason))

    def _grow(self, k: int) -> None:
        for r in self.live:
            if k and r.state == "draining":
                self._set(r, "ready")
                k -= 1
        for _ in range(k):
            if self.guard is not None and not self.guard.may_start():
                self.guard.trip()
                return
            r = self._new("provisioning")
            delay = sum(self._stage(med, p95) for med, p95 in self.spec.cold_start)
            self.env.timeout(delay).callbacks.append(self._ready_callback(r))
        self._rearm()

    def _ready_callback(self, r: Replica) -> Callable[[simpy.Event], None]:
        return lambda _e: self._ready(r)

    def _stage(self, median: float, p95: float) -> float:
        if median <= 0:
            return 0.0
        sigma = math.log(max(p95 / median, 1.0)) / 1.6448536269514722
        return float(median * math.exp(sigma * self.cold_rng.standard_normal()))

    def _ready(self, r: Replica) -> None:
        if r.state != "provisioning":
            return
        self._set(r, "ready")
        r.ready_s, r.last_t = self.env.now, self.env.now
        self._dispatch()

    def _shrink(self, k: int) -> None:
        order = sorted(
            (r for r in self.live if r.state in ("provisioning", "ready")),
            key=lambda r: (r.state != "provisioning", r.busy > 0, -r.rid),
        )
        for r in order[:k]:
            if r.busy == 0:
                self._terminate(r)
            else:
                self._set(r, "draining")

    def _terminate(self, r: Replica) -> None:
        self._meter()
        self._set(r, "gone")
        r.end_s = self.env.now
        self.closed_s += r.end_s - r.requested_s
        self.closed_billed_s += billed_s(r.end_s - r.requested_s, self.spec.billing)
        self.live_requested_s -= r.requested_s
        self.live.remove(r)
        self._rearm()

    def cap_at(self, floor: int, reason: str) -> None:
        """Release every node above ``floor`` now (their requests are evicted); stay capped."""
        self.cap = floor
        before = self.active()
        order = sorted(self.live, key=lambda r: (r.state == "ready", -r.busy, -r.rid))
        for r in order[: max(len(self.live) - floor, 0)]:
            self._evict(r)
            if r.state != "gone":
                self._terminate(r)
        self.scaling_log.append((self.env.now, before, self.active(), reason))
        if floor == 0:
            self._track()
            while self.queue:
                rid = self.queue.popleft()
                self.enqueued_s.pop(rid, None)
                self.on_evict(rid)
        self._dispatch()

    def _evict(self, r: Replica) -> None:
        """Hand back the requests on replica r (its pending events become stale)."""
        r.gen += 1
        rids = [rid for _, rid in r.ends] if self.spec.llm else list(r.batch)
        r.ends.clear()
        r.firsts.clear()
        r.batch = []
        if rids:
            self._track()
            self.in_service -= len(rids)
            self._release(r, len(rids))
        for rid in rids:
            self.enqueued_s.pop(rid, None)
            self.on_evict(rid)

    # ------------------------------------------------------------------ requests
    def submit(self, rid: int) -> bool:
        """Queue a request; False when the pool queue is full (the caller drops it)."""
        limit = self.spec.queue_limit
        if self.cap == 0 or (limit is not None and len(self.queue) >= limit):
            return False
        self._track()
        self.queue.append(rid)
        self.enqueued_s[rid] = self.env.now
        self.on_activity()
        self._dispatch()
        return True

    def _dispatch(self) -> None:
        if self.spec.llm:
            self._dispatch_llm()
        else:
            self._dispatch_batches()

    # ------------------------------------------------------------------ dynamic batching
    def _dispatch_batches(self) -> None:
        for r in self.live:
            if not self.queue:
                return
            if r.state != "ready" or r.busy:
                continue
            oldest_wait = self.env.now - self.enqueued_s[self.queue[0]]
            full = len(self.queue) >= self.spec.max_batch
            if full or oldest_wait >= self.spec.max_queue_delay_s - EPS:
                self._start_batch(r)
            else:
                self._arm_timer(self.enqueued_s[self.queue[0]] + self.spec.max_queue_delay_s)
                return

    def _arm_timer(self, at: float) -> None:
        if self.timer_at <= at + EPS:
            return
        self.timer_gen += 1
        gen, self.timer_at = self.timer_gen, at
        ev = self.env.timeout(max(at - self.env.now, 0.0))
        ev.callbacks.append(lambda _e: self._timer(gen))

    def _timer(self, gen: int) -> None:
        if gen == self.timer_gen:
            self.timer_at = math.inf
            self._dispatch()

    def _start_batch(self, r: Replica) -> None:
        self._track()
        n = min(len(self.queue), self.spec.max_batch)
        batch = [self.queue.popleft() for _ in range(n)]
        self.in_service += n
        self.batches += 1
        self.batch_items += n
        r.busy, r.busy_since, r.batch = n, self.env.now, batch
        for rid in batch:
            self.on_start(rid)
        duration = self._batch_duration(batch)
        gen = r.gen
        self.env.timeout(duration).callbacks.append(lambda _e: self._end_batch(r, batch, gen))

    def _batch_duration(self, batch: list[int]) -> float:
        scale, exp_draw, _, _ = self.work(batch[0])
        mean = self.batch_s(len(batch)) * scale
        if self.spec.variability == "exponential":
            return mean * exp_draw
        return mean

    def _end_batch(self, r: Replica, batch: list[int], gen: int) -> None:
        if gen != r.gen:
            return
        r.batch = []
        self._track()
        self.in_service -= len(batch)
        self._release(r, len(batch))
        for rid in batch:
            self.enqueued_s.pop(rid, None)
            self.on_done(rid)
        self._dispatch()

    def _release(self, r: Replica, n: int) -> None:
        r.busy -= n
        if r.busy == 0 and r.busy_since is not None:
            r.busy_s += self.env.now - r.busy_since
            r.busy_since = None
            if r.state == "draining":
                self._terminate(r)

    # ------------------------------------------------------------------ continuous batching
    def _dispatch_llm(self) -> None:
        cap = self.spec.max_sequences
        for r in self.live:
            if not self.queue:
                return
            if r.state != "ready" or r.busy >= cap:
                continue
            self._advance(r)
            while self.queue and r.busy < cap:
                self._admit(r)
            self._schedule(r)

    def _advance(self, r: Replica) -> None:
        now = self.env.now
        if r.busy:
            r.v += (now - r.last_t) / self.step_s(r.busy)
        r.last_t = now

    def _admit(self, r: Replica) -> None:
        """Take the oldest queued request onto replica r (the area is tracked before the queue
        shrinks, so the in-flight integral never runs backwards)."""
        self._track()
        rid = self.queue.popleft()
        scale, _, prompt_tokens, output_tokens = self.work(rid)
        prefill_units = prompt_tokens / self.spec.prefill_tps * self.spec.single_tps * scale
        output_units = output_tokens * scale
        if r.busy == 0:
            r.busy_since = self.env.now
        r.busy += 1
        self.in_service += 1
        self.on_start(rid)
        heapq.heappush(r.firsts, (r.v + prefill_units, rid))
        heapq.heappush(r.ends, (r.v + prefill_units + output_units, rid))

    def _schedule(self, r: Replica) -> None:
        r.gen += 1
        if not r.busy:
            return
        target = min(r.firsts[0][0] if r.firsts else math.inf, r.ends[0][0])
        dt = max(target - r.v, 0.0) * self.step_s(r.busy)
        gen = r.gen
        self.env.timeout(dt).callbacks.append(lambda _e: self._ps_event(r, gen, target))

    def _ps_event(self, r: Replica, gen: int, target: float) -> None:
        if gen != r.gen:
            return
        self._advance(r)
        r.v = max(r.v, target)  # the clock cannot resolve the last few ulps of progress
        tol = EPS * max(1.0, r.v)
        while r.firsts and r.firsts[0][0] <= r.v + tol:
            self.on_first_token(heapq.heappop(r.firsts)[1])
        finished = []
        while r.ends and r.ends[0][0] <= r.v + tol:
            finished.append(heapq.heappop(r.ends)[1])
        if finished:
            self._track()
            self.in_service -= len(finished)
            self._release(r, len(finished))
            for rid in finished:
                self.enqueued_s.pop(rid, None)
                self.on_done(rid)
        if r.state == "ready":
            while self.queue and r.busy < self.spec.max_sequences:
                self._admit(r)
        self._schedule(r)
        if finished:
            self._dispatch()

    # ------------------------------------------------------------------ end of run
    def close(self, end_s: float) -> tuple[list[tuple[float, float, float]], float, float]:
        """Instances (requested, ready, end), busy replica-seconds and ready replica-seconds."""
        instances, busy, ready = [], 0.0, 0.0
        for r in self.replicas:
            end = r.end_s if r.state == "gone" else end_s
            instances.append((r.requested_s, r.ready_s, end))
            busy += r.busy_s + (end_s - r.busy_since if r.busy_since is not None else 0.0)
            if not math.isnan(r.ready_s):
                ready += max(end - r.ready_s, 0.0)
        return instances, busy, ready
