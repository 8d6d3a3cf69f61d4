"""Replica and node lives inside a segment's measured window, as arrays: the GPU-hours by state.

Like a time clock read at the end of the shift: each card (a replica or GPU node, from request
to release) is clipped to the hours worked in the window, and the clipped times are added up
-- held, billed (through the billing terms), starting, above a reservation. The sums run in the
records' order one element after another (``running_sum``), so the figures are the very numbers
a loop over the lives gives (``simulations.billing``'s functions, for one life at a time). Time
in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulations.billing import EPS, BillingTerms
from simulations.records import SegmentRecords


def running_sum(x: np.ndarray) -> float:
    """x[0] + x[1] + ... in that order, 0 when empty: what Python's ``sum`` of the floats
    gives (numpy's ``sum`` adds in pairs and can differ in the last bit)."""
    return float(np.cumsum(x)[-1]) if x.size else 0.0


@dataclass(frozen=True)
class Lives:
    """The lives that overlap the measured window, clipped to it."""

    start_s: np.ndarray
    end_s: np.ndarray
    started: np.ndarray
    """Whether the life began inside the window (its start not billed before)."""

    @property
    def life_s(self) -> np.ndarray:
        out: np.ndarray = self.end_s - self.start_s
        return out


def instances(r: SegmentRecords) -> np.ndarray:
    """The replicas' (requested s, ready s or nan, terminated s), one row each."""
    return np.array(r.instances, dtype=float).reshape(-1, 3)


def node_spans(r: SegmentRecords, inst: np.ndarray) -> np.ndarray:
    """The GPU nodes' (requested s, removed s), or the replicas' lives where there are none."""
    if not r.nodes:
        return inst[:, [0, 2]]
    return np.array(r.nodes, dtype=float).reshape(-1, 2)


def measured(r: SegmentRecords, start_s: np.ndarray, end_s: np.ndarray) -> Lives:
    """Each life inside the measured window, whether it started there. A life that began before
    the window (warm-up, or carried over from the day before) had its start billed already."""
    a, b = np.maximum(start_s, r.warmup_s), np.minimum(end_s, r.end_s)
    keep = b > a
    return Lives(a[keep], b[keep], start_s[keep] >= r.warmup_s)


def billed_s(lives: Lives, terms: BillingTerms) -> float:
    """``billing.billed_total_s`` of the lives: the minimum per start inside the window, then
    whole increments."""
    life = lives.life_s
    span = np.where(lives.started, np.maximum(life, terms.minimum_s), life)
    return running_sum(np.ceil(span / terms.increment_s - EPS) * terms.increment_s)


def seconds_above(lives: Lives, committed: float) -> float:
    """``billing.seconds_above``: node-seconds above a committed count (a sweep over the starts
    and ends in time order, an end before a start at the same instant)."""
    if lives.start_s.size == 0:
        return 0.0
    t = np.concatenate([lives.start_s, lives.end_s])
    step = np.repeat(np.array([1, -1]), lives.start_s.size)
    order = np.lexsort((step, t))
    t, step = t[order], step[order]
    before = np.concatenate([[0], np.cumsum(step)[:-1]])
    since = t - np.concatenate([t[:1], t[:-1]])
    return running_sum(np.maximum(0.0, before - committed) * since)


def starting_s(r: SegmentRecords, inst: np.ndarray) -> float:
    """Instance-seconds in the measured window between request and ready (cold starts)."""
    start, ready, end = inst[:, 0], inst[:, 1], inst[:, 2]
    stop = np.minimum(np.minimum(np.where(np.isnan(ready), end, ready), end), r.end_s)
    return running_sum(np.maximum(0.0, stop - np.maximum(start, r.warmup_s)))
