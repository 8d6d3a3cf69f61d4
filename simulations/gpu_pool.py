"""The GPU pool: a taxi rank of replicas that come and go, behind a load balancer.

A request reaching the pool is assigned by the balancer (``simulations.balancer``) to one ready
replica and waits in that replica's own queue; with ``shared_queue`` it waits in one pool queue
and the first replica with a free slot takes it. While no replica is ready (scale from zero, cold
starts) requests wait in the pool's buffer, as in Knative's activator, and are assigned when a
replica becomes ready. How a replica serves is ``simulations.service``.

Replicas are requested, go through the sampled cold-start stages, serve, drain (a draining
replica finishes what it holds, its own queue included) and terminate; billing runs from request
to termination through ``simulations.billing``. A budget guard may release every replica above
the floor at once; the requests they held are handed back (``on_evict``). Same-time events run in
SimPy's scheduling order; ties between replicas go to the lowest replica id. Time in seconds.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import simpy

from simulations.balancer import pick
from simulations.inputs import PoolInput
from simulations.nodes import Node, NodePool
from simulations.service import Replica, Service

if TYPE_CHECKING:
    from simulations.budget import BudgetGuard

__all__ = ["Pool", "Replica"]


class Pool(Service):
    """Replicas, the balancer, the queues and the billing clock."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: PoolInput,
        work: Callable[[int], tuple[float, float, float, float]],
        on_done: Callable[[int], None],
        on_first_token: Callable[[int], None],
        on_start: Callable[[int], None],
        cold_rng: np.random.Generator,
        lb_rng: np.random.Generator | None = None,
    ) -> None:
        self.env, self.spec, self.work = env, spec, work
        self.on_done, self.on_first_token, self.on_start = on_done, on_first_token, on_start
        self.cold_rng = cold_rng
        self.lb_rng = lb_rng if lb_rng is not None else np.random.default_rng(0)
        self.shared = spec.load_balancer == "shared_queue"
        self.queue: deque[int] = deque()
        """The shared queue, or the buffer of requests waiting for any replica to be ready."""
        self.n_waiting = 0
        self.enqueued_s: dict[int, float] = {}
        self.replicas: list[Replica] = []
        self.live: list[Replica] = []
        self.last_rid = -1
        self.in_service = self.batches = self.batch_items = 0
        self.timer_gen, self.timer_at = 0, math.inf
        self.scaling_log: list[tuple[float, int, int, str]] = []
        self.inflight_area = self.inflight_t = 0.0
        self.on_activity: Callable[[], None] = lambda: None
        self.counts = {"provisioning": 0, "ready": 0, "draining": 0, "gone": 0}
        self.over_area_s = self.over_t = 0.0
        self.nodes = NodePool(env, spec.node_keep_alive_s, spec.billing, self._node_change)
        self.cap = math.inf
        self.guard: BudgetGuard | None = None
        self.on_evict: Callable[[int], None] = lambda _rid: None
        self.on_timeout: Callable[[int], None] = lambda _rid: None
        self.queued_in: dict[int, deque[int]] = {}
        """Where each waiting request sits (the buffer, the shared queue or a replica's)."""
        self.deadlines: deque[int] = deque()
        """Requests in pool-arrival order: one timeout for all, so their deadlines in order."""
        self.expiry_armed = False
        self._fit()

    # ------------------------------------------------------------------ counts
    @property
    def inflight(self) -> int:
        return self.n_waiting + self.in_service

    def count(self, state: str) -> int:
        return self.counts[state]

    def active(self) -> int:
        """Replicas that count towards the desired size (provisioning or ready)."""
        return self.counts["provisioning"] + self.counts["ready"]

    def _new(self, state: str) -> Replica:
        r = Replica(len(self.replicas), self.env.now, state=state)
        self.replicas.append(r)
        self.live.append(r)
        self.counts[state] += 1
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

    # ------------------------------------------------------------------ billing clock
    def _meter(self) -> None:
        """Advance the integral of node-seconds above the commitment (reserved pricing)."""
        now = self.env.now
        over = max(len(self.nodes.live) - self.spec.committed_replicas, 0.0)
        self.over_area_s += over * (now - self.over_t)
        self.over_t = now

    def _rearm(self) -> None:
        if self.guard is not None:
            self.guard.rearm()

    def _node_change(self, after: bool) -> None:
        """Nodes come and go: meter before the change, re-arm the budget guard after it."""
        if after:
            self._rearm()
        else:
            self._meter()

    # ------------------------------------------------------------------ scaling
    def start_warm(self, n: int) -> None:
        for _ in range(n):
            r = self._new("ready")
            r.ready_s = r.last_t = self.env.now
            r.node = self.nodes.new(0.0, ready_now=True)

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
            self._place(self._new("provisioning"))
        self._flush()

    def _place(self, r: Replica) -> None:
        """Schedule a new pod: on an empty ready node (image cached: weights and warm-up
        only), on a node still provisioning, or on a new node (provisioning + image pull)."""
        node = self.nodes.take()
        if node is None:
            stages = self.spec.cold_start
            node = self.nodes.new(self._stage(*stages[0]) if stages else 0.0)
        r.node = node
        if node.state == "ready":
            self._pod_start(r, node)
        else:
            node.waiting = lambda n: self._pod_start(r, n)

    def _pod_start(self, r: Replica, node: Node) -> None:
        stages = self.spec.cold_start[1:]
        if node.image_cached:
            stages = stages[1:]
        node.image_cached = True
        delay = sum(self._stage(med, p95) for med, p95 in stages)
        self.env.timeout(delay).callbacks.append(self._ready_callback(r))

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
        if self.shared:
            self._dispatch()
        else:
            self._flush()

    def _shrink(self, k: int) -> None:
        order = sorted(
            (r for r in self.live if r.state in ("provisioning", "ready")),
            key=lambda r: (r.state != "provisioning", r.outstanding > 0, -r.rid),
        )
        for r in order[:k]:
            if r.outstanding == 0:
                self._terminate(r)
            else:
                self._set(r, "draining")

    def _terminate(self, r: Replica) -> None:
        """The pod goes; its node (kept after a cancelled start too) enters its keep-alive."""
        self._set(r, "gone")
        r.end_s = self.env.now
        self.live.remove(r)
        if r.node is not None:
            self.nodes.release(r.node, keep_alive=self.cap == math.inf)

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
        self.nodes.drop_idle()
        if floor == 0:
            self._hand_back(self.queue)
        self._dispatch()

    def _hand_back(self, q: deque[int]) -> None:
        self._track()
        while q:
            rid = q.popleft()
            self.queued_in.pop(rid, None)
            self.n_waiting -= 1
            self.enqueued_s.pop(rid, None)
            self.on_evict(rid)

    def _evict(self, r: Replica) -> None:
        """Hand back the requests on replica r (its pending events become stale)."""
        r.gen += 1
        r.timer_gen += 1
        rids = [rid for _, rid in r.ends] + [int(p[0]) for p in r.prefills] + list(r.batch)
        r.ends.clear()
        r.prefills.clear()
        r.batch, r.kv, r.kv_used = [], {}, 0.0
        self._hand_back(r.queue)
        if rids:
            self._track()
            self.in_service -= len(rids)
            self._release(r, len(rids))
        for rid in rids:
            self.enqueued_s.pop(rid, None)
            self.on_evict(rid)

    # ------------------------------------------------------------------ requests
    def submit(self, rid: int) -> bool:
        """Queue a request; False when the pool is capped at zero or its queue is full."""
        limit = self.spec.queue_limit
        if self.cap == 0 or (limit is not None and self.n_waiting >= limit):
            return False
        self._track()
        self.n_waiting += 1
        self.enqueued_s[rid] = self.env.now
        self.on_activity()
        timeout = self.spec.queue_timeout_s
        if timeout is not None:
            self._deadline(rid, timeout)
        if self.shared:
            self._enqueue(rid, self.queue)
            self._dispatch()
        else:
            self._assign(rid)
        return True

    def _enqueue(self, rid: int, q: deque[int]) -> None:
        q.append(rid)
        self.queued_in[rid] = q

    def _deadline(self, rid: int, timeout: float) -> None:
        """The request joins the deadline list; one timeout event waits for the oldest (not one
        per request: a heap of 300 s of arrivals slowed every event)."""
        self.deadlines.append(rid)
        if not self.expiry_armed:
            self.expiry_armed = True
            self.env.timeout(timeout).callbacks.append(self._expiry_callback(rid))

    def _expiry_callback(self, target: int) -> Callable[[simpy.Event], None]:
        return lambda _e: self._expire_due(target)

    def _expire_due(self, target: int) -> None:
        """Every request whose deadline has come (and ``target``, the one the event was set
        for: its re-armed time may round a hair under its deadline) is dropped if still
        waiting, left off the list if started; the event is re-armed for the next deadline."""
        timeout, now = self.spec.queue_timeout_s or 0.0, self.env.now
        self.expiry_armed = False
        while self.deadlines:
            rid = self.deadlines[0]
            waiting = rid in self.queued_in
            if waiting and rid != target and self.enqueued_s[rid] + timeout > now:
                break
            self.deadlines.popleft()
            if waiting:
                self._expire(rid)
        if self.deadlines:
            head = self.deadlines[0]
            self.expiry_armed = True
            delay = (self.enqueued_s[head] + timeout) - now
            self.env.timeout(delay).callbacks.append(self._expiry_callback(head))

    def _expire(self, rid: int) -> None:
        """The pool's request timeout (Knative's revision timeout): a request still waiting
        is dropped (reason cloud_timeout); one already started runs to the end."""
        q = self.queued_in.pop(rid, None)
        if q is None:
            return  # started, finished or handed back already
        self._track()
        q.remove(rid)
        self.n_waiting -= 1
        self.enqueued_s.pop(rid, None)
        self.on_timeout(rid)

    def _assign(self, rid: int) -> None:
        """The balancer's choice among ready replicas. While none is ready, or a backlog is
        still buffered, the request waits in the buffer (Knative's activator in the path)."""
        ready = [r for r in self.live if r.state == "ready"]
        if not ready or self.queue:
            self._enqueue(rid, self.queue)
            self._flush()
            return
        self._send(rid, ready)

    def _send(self, rid: int, candidates: list[Replica]) -> None:
        r = candidates[pick(self.spec.load_balancer, candidates, self.lb_rng, self.last_rid)]
        self.last_rid = r.rid
        self._enqueue(rid, r.queue)
        self._serve(r, r.queue, r)

    def slots(self) -> int:
        """Requests a replica serves at once: its batch or its sequences."""
        return self.spec.max_sequences if self.spec.llm else self.spec.max_batch

    def _flush(self) -> None:
        """The buffer drains oldest first, each request to a ready replica with a free slot (as
        the activator forwards within containerConcurrency), so a backlog is not piled onto
        the first replica that becomes ready."""
        if self.shared:
            return
        while self.queue:
            free = [r for r in self.live if r.state == "ready" and r.outstanding < self.slots()]
            if not free:
                return
            rid = self.queue.popleft()
            self.queued_in.pop(rid, None)
            self._send(rid, free)

    def _serve(self, r: Replica, src: deque[int], timer: Replica | None) -> bool:
        """Let replica r take work from src; True when a batch timer was armed instead."""
        if not src:
            return False
        if self.spec.llm:
            if r.busy < self.spec.max_sequences:
                self._fill(r, src)
            return False
        return not r.busy and self._try_batch(r, src, timer)

    def _dispatch(self) -> None:
        """Shared queue: ready replicas in id order take the oldest requests."""
        if not self.shared:
            return
        for r in self.live:
            if not self.queue:
                return
            if r.state == "ready" and self._serve(r, self.queue, None):
                return

    def _timer_fired(self, owner: Replica | None) -> None:
        if owner is None:
            self._dispatch()
        elif owner.state in ("ready", "draining"):
            self._serve(owner, owner.queue, owner)

    def _after_service(self, r: Replica) -> None:
        """A batch or step ended on r: it takes more work (its own queue, or the shared one)."""
        if self.shared:
            if self.spec.llm:
                if r.state == "ready" and self.queue and r.busy < self.spec.max_sequences:
                    self._fill(r, self.queue)
                else:
                    self._schedule(r)
            self._dispatch()
        elif r.state != "gone":
            if self.spec.llm:
                self._fill(r, r.queue)
            else:
                self._serve(r, r.queue, r)
            self._flush()

    def _release(self, r: Replica, n: int) -> None:
        r.busy -= n
        if r.busy == 0 and r.busy_since is not None:
            r.busy_s += self.env.now - r.busy_since
            r.busy_since = None
            if r.state == "draining" and not r.queue:
                self._terminate(r)

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
