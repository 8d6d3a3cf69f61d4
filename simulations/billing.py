"""Billing: what a provider charges for the seconds a GPU node was held.

Like a taxi meter with a minimum fare: the meter runs from the moment the node is requested until
it is released, the first ``minimum_s`` are charged whatever happens, and the rest is charged in
whole ``increment_s`` steps (AWS EC2 and Google Compute Engine on-demand: 1 s steps with a 60 s
minimum; serverless GPU platforms: 1 s steps, no minimum). A reservation is a season ticket: the
committed GPUs are paid for every second of the month, used or not, and only GPUs running above
the commitment are metered (at the on-demand rate). These pure functions are the one billing
model: the engine's budget tracker and the planner's cost model both call them. Time in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

EPS = 1e-9


@dataclass(frozen=True)
class BillingTerms:
    """How one catalog offer bills a node's life."""

    increment_s: float = 1.0
    """Billing granularity: a started increment is billed in full."""
    minimum_s: float = 0.0
    """Minimum billed per node start (AWS/GCP on-demand: 60 s)."""

    def __post_init__(self) -> None:
        if self.increment_s <= 0 or self.minimum_s < 0:
            raise ValueError(f"billing increment_s must be > 0 and minimum_s >= 0, got {self}")


def billed_s(life_s: float, terms: BillingTerms, started: bool = True) -> float:
    """Seconds billed for one node life of ``life_s`` seconds.

    ``started`` is False for a life that began before the measured window (a node carried over
    from the previous day): its start was billed before, so the minimum does not apply again.
    """
    if life_s <= 0:
        return 0.0
    span = max(life_s, terms.minimum_s) if started else life_s
    return math.ceil(span / terms.increment_s - EPS) * terms.increment_s


def billed_total_s(lives: Iterable[tuple[float, bool]], terms: BillingTerms) -> float:
    """Billed seconds of several node lives, each ``(life_s, started_in_window)``."""
    return sum(billed_s(life, terms, started) for life, started in lives)


def seconds_above(intervals: Iterable[tuple[float, float]], committed: float) -> float:
    """Node-seconds above a committed count, from (start, end) intervals (a sweep)."""
    events: list[tuple[float, int]] = []
    for a, b in intervals:
        if b > a:
            events += [(a, 1), (b, -1)]
    events.sort()
    total, n, last = 0.0, 0, events[0][0] if events else 0.0
    for t, step in events:
        total += max(0.0, n - committed) * (t - last)
        n, last = n + step, t
    return total


def reserved_usd(
    committed: float, month_s: float, committed_price_per_s: float, overflow_s: float, price: float
) -> float:
    """A reservation's bill: the commitment in full, plus overflow seconds at ``price``/s."""
    return committed * month_s * committed_price_per_s + overflow_s * price
