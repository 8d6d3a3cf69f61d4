"""The pool's request timeout: a kitchen's ticket rail, the oldest order at the front.

Knative's revision timeout (``PoolInput.queue_timeout_s``) is the same for every request, so
requests reach their deadlines in the order they reached the pool. One timeout event waits for
the oldest deadline on the list; when it fires, every request whose deadline has come is dropped
if it is still waiting (``Pool._expire``) and left off the list if it started, and the event is
re-armed for the next one. A heap event per request would hold 300 s of arrivals in the heap and
slow every other event. The compiled mirror is ``simulations.compiled.kpool`` ``_deadline`` and
``expire``. Time in seconds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import simpy

from simulations.inputs import PoolInput


class Deadlines:
    """The deadline list of the pool's waiting requests (mixed into ``Pool``)."""

    env: simpy.Environment
    spec: PoolInput
    enqueued_s: dict[int, float]
    queued_in: dict[int, deque[int]]
    deadlines: deque[int]
    """Requests in pool-arrival order: one timeout for all, so their deadlines in order."""
    expiry_armed: bool

    def _expire(self, rid: int) -> None: ...

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
