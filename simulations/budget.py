"""The budget guard: a prepaid card for the month's GPU bill.

Like a prepaid phone card that cuts the call before the credit runs out: the guard knows what
the pool has been billed so far (through ``simulations.billing``, the same function the cost model
uses) and what the pool's floor (min replicas to the end of the month) will still cost. The
moment the two together would pass the budget, less one billing increment per live node, it
trips: every node above the floor is released at once (the requests on it are dropped with
reason ``budget_exhausted``), the pool may no longer grow above its floor, and the router applies
``on_budget_exhausted`` to cloud-bound work. A new node is started only if its minimum charge
still fits. So the month's bill never exceeds the budget. Time in seconds, money in USD.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

from simulations.billing import billed_s

if TYPE_CHECKING:
    from simulations.gpu_pool import Pool


class BudgetGuard:
    """Trips when billed spend plus the floor's remaining cost would reach the budget."""

    def __init__(
        self,
        env: simpy.Environment,
        pool: Pool,
        budget_usd: float | None,
        prior_usd: float,
        end_s: float,
        floor: int,
    ) -> None:
        self.env, self.pool = env, pool
        self.budget_usd = math.inf if budget_usd is None else budget_usd
        self.prior_usd, self.end_s = prior_usd, end_s
        spec = pool.spec
        self.price_s, self.terms = spec.price_per_replica_s, spec.billing
        self.committed = spec.committed_replicas
        self.floor_extra = max(floor - self.committed, 0)
        self.floor = floor
        self.tripped = False
        self.gen = 0
        self.on_trip: Callable[[], None] = lambda: None

    @property
    def active(self) -> bool:
        return math.isfinite(self.budget_usd)

    # ------------------------------------------------------------------ money
    def spent_usd(self, now: float | None = None) -> float:
        """Billed so far: carried-over spend, the commitment, metered node time."""
        t = self.env.now if now is None else now
        return self.prior_usd + self.pool.spec.committed_usd + self.metered_s(t) * self.price_s

    def metered_s(self, t: float) -> float:
        pool, nodes = self.pool, self.pool.nodes
        if self.committed:
            over = max(len(nodes.live) - self.committed, 0)
            return pool.over_area_s + over * (t - pool.over_t)
        # a live node has committed its minimum charge from the moment it was requested
        m = self.terms.minimum_s
        live = sum(billed_s(max(t - n.requested_s, m), self.terms) for n in nodes.live)
        return nodes.closed_billed_s + live

    def limit_usd(self) -> float:
        """The budget less one billing increment for every node that may still be rounded up."""
        margin = len(self.pool.nodes.live) * self.terms.increment_s * self.price_s
        return self.budget_usd - margin

    def floor_usd(self, t: float) -> float:
        return self.floor_extra * self.price_s * max(self.end_s - t, 0.0)

    def may_start(self) -> bool:
        """Whether one more node's minimum charge still fits under the budget."""
        if not self.active:
            return True
        if self.tripped:
            return False
        now = self.env.now
        extra = self.terms.minimum_s if not self.committed else 0.0
        extra_usd = (max(extra, self.terms.increment_s) + self.terms.increment_s) * self.price_s
        return self.spent_usd() + self.floor_usd(now) + extra_usd <= self.limit_usd()

    # ------------------------------------------------------------------ timer
    def rearm(self) -> None:
        """The set of live nodes changed: reschedule the moment the budget would run out."""
        if not self.active or self.tripped:
            return
        self.gen += 1
        at = self.time_to_limit()
        if at <= self.env.now:
            self.trip()
        elif at < math.inf:
            gen = self.gen
            ev = self.env.timeout(at - self.env.now)
            ev.callbacks.append(lambda _e: self._timer(gen))

    def _timer(self, gen: int) -> None:
        if gen == self.gen and not self.tripped:
            self.trip()

    def time_to_limit(self) -> float:
        """When spend plus the floor's remaining cost reaches the limit, with the live set fixed.

        Piecewise linear: a node still inside its minimum adds nothing until its minimum ends.
        """
        now, limit = self.env.now, self.limit_usd()
        value = self.spent_usd() + self.floor_usd(now)
        if value >= limit:
            return now
        if self.committed:
            live = len(self.pool.nodes.live)
            rate = (max(live - self.committed, 0) - self.floor_extra) * self.price_s
            return now + (limit - value) / rate if rate > 0 else math.inf
        m = self.terms.minimum_s
        nodes = self.pool.nodes.live
        pending = sorted(n.requested_s + m for n in nodes if now - n.requested_s < m)
        running = len(nodes) - len(pending)
        t = now
        for bp in [*pending, math.inf]:
            rate = (running - self.floor_extra) * self.price_s
            if rate > 0 and t + (limit - value) / rate <= bp:
                return t + (limit - value) / rate
            if bp == math.inf:
                return math.inf
            value += rate * (bp - t)
            t, running = bp, running + 1
        return math.inf

    def trip(self) -> None:
        """Out of money: release every node above the floor and stop growth above it."""
        self.tripped = True
        self.gen += 1
        self.pool.cap_at(self.floor, "budget exhausted: nodes above the floor released")
        self.on_trip()
