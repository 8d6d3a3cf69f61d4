"""Routing: the dispatcher at each site deciding where a request is served.

Like a clinic's front desk: a patient is seen locally when a room is free; when the wait is too
long the desk may send them to the city hospital, but only if they agree to leave the site, only
at the rate the hospital accepts referrals (a token bucket) and only while the month's budget
lasts. Policies: edge_only, cloud_only, local_first (fallback) and split (on-device encoder, the
rest in the pool). Sensitive requests never cross the site's link unless the scenario allows it;
every request ends completed, dropped with a reason, or in flight at the end. Each site's link
has a circuit breaker (``simulations.breaker``): while it is open the desk neither sends nor
waits -- fallbacks stay local, other cloud-bound work is dropped at once (``circuit_open``).
Time in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from simulations.breaker import Breaker
from simulations.edge import Device
from simulations.gpu_pool import Pool
from simulations.inputs import PolicyInput
from simulations.network import Link
from simulations.records import (
    PATH_CLOUD,
    PATH_DROPPED,
    PATH_EDGE,
    PATH_FALLBACK,
    PATH_SPLIT,
    REASON,
    RequestColumns,
)
from simulations.traffic import Requests


@dataclass
class Book:
    """Per-request outcome arrays being filled in during a run."""

    path: np.ndarray
    reason: np.ndarray
    done_s: np.ndarray
    ttft_s: np.ndarray
    wait_s: np.ndarray
    start_s: np.ndarray
    service_s: np.ndarray
    pool_arrival_s: np.ndarray
    left_site: np.ndarray
    scale: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Book:
        nan = np.full(n, math.nan)
        return cls(
            path=np.full(n, -2, dtype=np.int8),
            reason=np.zeros(n, dtype=np.int8),
            done_s=nan.copy(),
            ttft_s=nan.copy(),
            wait_s=nan.copy(),
            start_s=nan.copy(),
            service_s=nan.copy(),
            pool_arrival_s=nan.copy(),
            left_site=np.zeros(n, dtype=bool),
            scale=np.ones(n),
        )


def request_columns(req: Requests, book: Book) -> RequestColumns:
    """The per-request arrays of a SegmentRecords: what arrived and what became of it."""
    return {
        "arrival_s": req.arrival_s,
        "site": req.site,
        "cls": req.cls,
        "sensitive": req.sensitive,
        "prompt_tokens": req.prompt_tokens,
        "output_tokens": req.output_tokens,
        "response_kb": req.response_kb,
        "path": book.path,
        "reason": book.reason,
        "done_s": book.done_s,
        "ttft_s": book.ttft_s,
        "wait_s": book.wait_s,
        "service_s": book.service_s,
        "left_site": book.left_site,
    }


class TokenBucket:
    """Fallback rate limit: ``rate`` tokens a second, at most ``depth`` stored."""

    def __init__(self, rate: float, depth: float) -> None:
        self.rate, self.depth, self.tokens, self.t = rate, depth, depth, 0.0

    def take(self, now: float) -> bool:
        self.tokens = min(self.depth, self.tokens + (now - self.t) * self.rate)
        self.t = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Router:
    """Applies the policy to each arrival and to work a failed device hands back."""

    def __init__(
        self,
        env: simpy.Environment,
        policy: PolicyInput,
        req: Requests,
        book: Book,
        devices: list[list[Device]],
        links: list[Link],
        pool: Pool,
        eligible: np.ndarray,
        edge_service_s: np.ndarray,
        edge_ttft_part_s: np.ndarray,
        budget_exhausted: Callable[[], bool],
    ) -> None:
        self.env, self.policy, self.req, self.book = env, policy, req, book
        self.devices, self.links, self.pool = devices, links, pool
        self.eligible = eligible
        self.edge_service_s = edge_service_s
        self.edge_ttft_part_s = edge_ttft_part_s
        self.budget_exhausted = budget_exhausted
        self.budget_alerts = 0
        """Requests sent to the cloud after the budget ran out (on_budget_exhausted: allow)."""
        self.bucket = TokenBucket(policy.fallback_rate_per_s, policy.fallback_burst)
        self.split_stage: set[int] = set()
        self.in_transit = 0
        """Requests on or waiting for a link (between the site and the pool)."""
        self.breakers = [Breaker(policy.breaker) for _ in links]
        self.kept_local_by_breaker = 0
        """Would-be fallbacks kept at the site because their site's breaker was open."""
        self.kept_local_link_down = 0
        """Would-be fallbacks kept at the site because the link was down when they tried."""

    # ------------------------------------------------------------------ helpers
    def may_leave(self, rid: int) -> bool:
        return not self.req.sensitive[rid] or self.policy.sensitive_may_leave

    def drop(self, rid: int, reason: str) -> None:
        self.book.path[rid] = PATH_DROPPED
        self.book.reason[rid] = REASON[reason]

    def pick_device(self, rid: int) -> Device | None:
        """The up device at the request's site with the fewest requests in it."""
        best: Device | None = None
        for d in self.devices[int(self.req.site[rid])]:
            if d.up and (best is None or d.in_system < best.in_system):
                best = d
        return best

    def budget_left(self) -> bool:
        """False once the month's budget is exhausted (with 'allow', each use is an alert)."""
        if not self.budget_exhausted():
            return True
        if self.policy.on_budget_exhausted == "allow":
            self.budget_alerts += 1
            return True
        return False

    def to_cloud_only_class(self, rid: int) -> None:
        """A request only the cloud can serve: the pool's paid floor takes it, else the budget
        decides (every class counts against the budget)."""
        if self.budget_left() or self.pool.cap > 0:
            self.to_cloud(rid, PATH_CLOUD)
        else:
            self.drop(rid, "budget_exhausted")

    # ------------------------------------------------------------------ arrivals
    def arrive(self, rid: int) -> None:
        kind = self.policy.kind
        if kind == "edge_only":
            self.to_edge_or_drop(rid, "not_edge_eligible")
        elif kind == "cloud_only":
            if self.may_leave(rid):
                self.to_cloud(rid, PATH_CLOUD)
            else:
                self.to_edge_or_drop(rid, "residency")
        elif kind == "split":
            self.arrive_split(rid)
        else:
            self.arrive_local_first(rid)

    def to_edge_or_drop(self, rid: int, reason_if_ineligible: str) -> None:
        if not self.eligible[rid]:
            self.drop(rid, reason_if_ineligible)
            return
        d = self.pick_device(rid)
        if d is None:
            self.drop(rid, "device_failed")
        elif d.can_queue():
            self.edge(rid, d)
        else:
            self.drop(rid, "queue_full")

    def edge(self, rid: int, d: Device) -> None:
        self.book.path[rid] = PATH_EDGE
        d.admit(rid, float(self.edge_service_s[rid]), float(self.edge_ttft_part_s[rid]))

    def arrive_local_first(self, rid: int) -> None:
        if not self.eligible[rid]:
            if self.may_leave(rid):
                self.to_cloud_only_class(rid)
            else:
                self.drop(rid, "residency")
            return
        d = self.pick_device(rid)
        busy = d is None or (
            len(d.queue) >= self.policy.queue_threshold
            or d.expected_wait_s() > self.policy.wait_threshold_s
            or not d.can_queue()
        )
        if busy and self.try_fallback(rid):
            return
        if d is not None and d.can_queue():
            self.edge(rid, d)
        elif d is None:
            self.drop(rid, "device_failed")
        else:
            self.drop(rid, self.blocked_reason(rid))

    def try_fallback(self, rid: int) -> bool:
        """Send to the cloud as a fallback if residency, the rate limit and the budget allow."""
        if not self.may_leave(rid):
            return False
        if self.fallback_blocked(rid):
            return False
        capped = self.policy.on_budget_exhausted != "allow"
        if capped and self.budget_exhausted():
            if self.policy.on_budget_exhausted == "drop":
                self.drop(rid, "budget_exhausted")
                return True
            return False
        if not self.bucket.take(self.env.now):
            return False
        if self.budget_exhausted():
            self.budget_alerts += 1
        self.to_cloud(rid, PATH_FALLBACK)
        return True

    def blocked_reason(self, rid: int) -> str:
        if self.may_leave(rid) and self.budget_exhausted():
            return "budget_exhausted"
        return "queue_full"

    def arrive_split(self, rid: int) -> None:
        allowed = self.may_leave(rid) or self.policy.sensitive_split_allowed
        if not allowed:
            self.to_edge_or_drop(rid, "residency")
            return
        d = self.pick_device(rid)
        if d is None or not d.can_queue():
            self.drop(rid, "device_failed" if d is None else "queue_full")
            return
        self.split_stage.add(rid)
        self.book.path[rid] = PATH_SPLIT
        d.admit(rid, self.policy.encoder_s)

    # ------------------------------------------------------------------ edge completions
    def edge_first(self, rid: int) -> None:
        if rid not in self.split_stage:
            self.book.ttft_s[rid] = self.env.now - self.req.arrival_s[rid]

    def edge_done(self, rid: int, start_s: float) -> None:
        now = self.env.now
        if rid in self.split_stage:
            self.split_stage.discard(rid)
            self.book.scale[rid] = self.policy.cloud_work_fraction
            self.to_cloud(rid, PATH_SPLIT, payload_factor=self.policy.payload_reduction)
            return
        book = self.book
        book.done_s[rid] = now
        book.service_s[rid] = now - start_s
        book.wait_s[rid] = start_s - self.req.arrival_s[rid]

    def device_failed(self, victims: list[int]) -> None:
        """Work a failed device held: fall back where allowed, else another device, else drop."""
        for rid in victims:
            self.split_stage.discard(rid)
            self.book.ttft_s[rid] = math.nan  # a first token on the failed device is void
            if self.policy.kind in ("local_first", "cloud_only") and self.try_fallback(rid):
                continue
            d = self.pick_device(rid)
            if d is not None and d.can_queue() and self.eligible[rid]:
                self.edge(rid, d)
            elif self.book.path[rid] != PATH_DROPPED:
                self.drop(rid, "device_failed")

    # ------------------------------------------------------------------ cloud
    def fallback_blocked(self, rid: int) -> bool:
        """A fallback neither sends nor waits when the site's breaker is open, or when its
        connection attempt finds the link down (a failure for the breaker): it stays local."""
        site = int(self.req.site[rid])
        if not self.breakers[site].allows(self.env.now):
            self.kept_local_by_breaker += 1
            return True
        if not self.links[site].up:
            self.breakers[site].failure(self.env.now, rid)
            self.kept_local_link_down += 1
            return True
        return False

    def link_allows(self, rid: int) -> bool:
        """Whether the site's circuit breaker lets a request be sent now."""
        return self.breakers[int(self.req.site[rid])].allows(self.env.now)

    def to_cloud(self, rid: int, path: int, payload_factor: float = 1.0) -> None:
        if not self.link_allows(rid):
            self.drop(rid, "circuit_open")
            return
        site = int(self.req.site[rid])
        self.breakers[site].sending(self.env.now, rid)
        self.book.path[rid] = path
        self.in_transit += 1
        link = self.links[site]
        deadline = self.env.now + self.policy.cloud_timeout_s
        if not link.up:  # the connection attempt fails at once; the request retries until then
            self.breakers[site].failure(self.env.now, rid)
        link.wait_for_up(
            lambda: self.send(rid, link, payload_factor, deadline),
            lambda: self.give_up(rid, "offline"),
            self.policy.cloud_timeout_s,
        )

    def send(self, rid: int, link: Link, payload_factor: float, deadline: float) -> None:
        """Queue the request's data on the site's uplink, or give up at the deadline when the
        lane is backed up past it."""
        req = self.req
        sent = link.send_up(
            float(req.request_kb[rid]) * payload_factor,
            float(req.z_rtt[rid]),
            float(req.u_loss[rid]),
            deadline,
        )
        if sent is None:
            wait = max(deadline - self.env.now, 0.0)
            self.env.timeout(wait).callbacks.append(lambda _e: self.give_up(rid, "link_timeout"))
            return
        self.book.left_site[rid] = True
        self.env.timeout(sent[0]).callbacks.append(lambda _e: self.reach_pool(rid))

    def reach_pool(self, rid: int) -> None:
        self.in_transit -= 1
        self.breakers[int(self.req.site[rid])].success(rid)
        self.book.pool_arrival_s[rid] = self.env.now
        if not self.pool.submit(rid):
            self.drop(rid, "budget_exhausted" if self.pool.cap == 0 else "pool_queue_full")

    def pool_evicted(self, rid: int) -> None:
        """The budget ran out while the request was in the pool: its node was released."""
        self.drop(rid, "budget_exhausted")

    def give_up(self, rid: int, reason: str) -> None:
        """The link stayed down, or its queue backed up, past the timeout: local-first serves
        on the device if it can; everything else is dropped. A queue timeout is a failure for
        the breaker (a down link was counted when the request first found it down)."""
        self.in_transit -= 1
        if reason == "link_timeout":
            self.breakers[int(self.req.site[rid])].failure(self.env.now, rid)
        d = self.pick_device(rid)
        local = self.policy.kind == "local_first" and self.eligible[rid]
        if local and d is not None and d.can_queue():
            self.edge(rid, d)
        else:
            self.drop(rid, reason)  # a cloud-only design has no device to fall back to

    def pool_started(self, rid: int) -> None:
        self.book.start_s[rid] = self.env.now
        self.book.wait_s[rid] = self.env.now - self.book.pool_arrival_s[rid]

    def pool_first_token(self, rid: int) -> None:
        link = self.links[int(self.req.site[rid])]
        req = self.req
        back = link.first_token_down(float(req.z_rtt[rid]), float(req.u_loss[rid]))
        back += self.pool.spec.overhead_s
        self.book.ttft_s[rid] = back - self.req.arrival_s[rid]

    def pool_done(self, rid: int) -> None:
        book, req = self.book, self.req
        book.service_s[rid] = self.env.now - book.start_s[rid]
        link = self.links[int(req.site[rid])]
        back = link.send_down(
            float(req.response_kb[rid]), float(req.z_rtt[rid]), float(req.u_loss[rid])
        )
        book.done_s[rid] = back + self.pool.spec.overhead_s
        if math.isnan(book.ttft_s[rid]):
            book.ttft_s[rid] = book.done_s[rid] - req.arrival_s[rid]
