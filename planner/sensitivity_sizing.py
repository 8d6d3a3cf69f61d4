"""Sizing hints for sweeps: a sweep's counterpart sized from the size the base run found.

Like a tailor altering a suit rather than cutting a new one: when an edge-only or cloud-only
counterpart cannot carry the load as configured, ``planner.sizing.size`` searches for the
smallest fleet or pool that does (up to six one-replication runs). A sweep asks that question
again for every evaluation, for a scenario that differs from the base run by one input. Here
the base run's answer starts the search:

- where the input did not change what the counterpart simulates at its configured size (its
  figures are equal to the base's to the last bit: a GPU price, the RTT or cold start of an
  edge-only counterpart), the base's sized fleet or pool is taken as it is, with no run;
- otherwise the base's size, moved by the input's ratio where the input scales the load,
  predicts the answer of ``size``'s own search. The few sizes on which that prediction rests
  (the smallest predicted to carry the load, the largest predicted not to, ...) are simulated,
  and ``size``'s search then runs with every size it asks about either simulated or implied by
  those (more devices or replicas never carry less). Where the prediction was wrong, the search
  simulates what it needs, so the answer is the search's own, only found in fewer runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from typing import Any

from planner.errors import ScenarioError
from planner.scenario import Scenario
from planner.sizing import (
    SIZE_HOOK,
    Figures,
    Sized,
    Sizing,
    carried,
    configured_size,
    meets,
    probe,
    size,
)

Hint = dict[str, Any]
"""{'sizing': Sizing as a dict, 'figures': the sized figures, 'configured': the configured
figures (None where unknown), 'ratio': how far the input moves the size}."""
Hints = dict[str, Hint]
"""By counterpart kind (edge_only, cloud_only)."""


def level_of(kind: str, f: Figures, level: float) -> int:
    """0: does not carry the load; 1: carries it, misses the SLO; 2: carries it, meets it."""
    if not carried(kind, f):
        return 0
    return 2 if meets(f, level) else 1


def same_figures(a: Figures, b: Figures) -> bool:
    """Equal to the last bit (NaN equal to NaN)."""
    if a.keys() != b.keys():
        return False
    return all(x == y or (x != x and y != y) for x, y in ((a[k], b[k]) for k in a))


def hint_of(sizing: Sizing, figures: Figures, configured: Figures | None) -> Hint:
    return {"sizing": asdict(sizing), "figures": figures, "configured": configured, "ratio": 1.0}


def scaled(hints: Hints, ratio: Callable[[str], float]) -> Hints:
    """The hints with each kind's size ratio set (``ratio(kind)``)."""
    return {k: h | {"ratio": ratio(k)} for k, h in hints.items()}


def hinted_size(s: Scenario, kind: str, f0: Figures, level: float, hint: Hint) -> Sized:
    """``size``'s answer, started from the hint."""
    base = Sizing(**hint["sizing"])
    top: Figures = hint["figures"]
    if base.sized is None:
        return size(s, kind, f0, level, measure=probe)
    if hint["configured"] is not None and same_figures(f0, hint["configured"]):
        from planner.sizing import resized

        return base, resized(s, kind, base.sized), top
    n_hint = max(1, math.ceil(base.sized * float(hint["ratio"]) - 1e-9))
    n0 = configured_size(s, kind)
    predicted: dict[int, int] = {}

    def predict(v: Scenario) -> Figures:
        n = configured_size(v, kind)
        f = top if n >= n_hint else f0
        predicted[n] = level_of(kind, f, level)
        return f

    size(s, kind, f0, level, measure=predict)
    oracle = Oracle(s, kind, level, {n0: f0})
    try:
        for n in witnesses(predicted):
            oracle.measure_size(n)
    except ScenarioError:
        return size(s, kind, f0, level, measure=probe)
    sizing, v, f = size(s, kind, f0, level, measure=oracle)
    if sizing.sized is not None and v is not None and f is not oracle.known.get(sizing.sized):
        f = oracle.run(v)  # the answer was implied, not simulated: its own figures
        sizing = replace(sizing, meets_slo=meets(f, level))
    return replace(sizing, runs=oracle.runs), v, f


def witnesses(predicted: dict[int, int]) -> list[int]:
    """The sizes whose simulation proves every predicted answer: per level the smallest size
    predicted at it (every larger one is at least there) and the largest (every smaller one is
    at most there); the highest level needs no upper witness, the lowest no lower one."""
    out: list[int] = []
    for lv in sorted(set(predicted.values())):
        sizes = sorted(n for n, p in predicted.items() if p == lv)
        if lv > 0:
            out.append(sizes[0])
        if lv < 2:
            out.append(sizes[-1])
    return sorted(set(out))


class Oracle:
    """``size``'s measure: a size simulated already, or implied by those simulated (more never
    carries less), else simulated now."""

    def __init__(self, s: Scenario, kind: str, level: float, known: dict[int, Figures]) -> None:
        self.s, self.kind, self.level, self.known = s, kind, level, dict(known)
        self.runs = 0

    def run(self, v: Scenario) -> Figures:
        f = probe(v)
        self.known[configured_size(v, self.kind)] = f
        self.runs += 1
        return f

    def measure_size(self, n: int) -> Figures:
        from planner.sizing import resized

        return self.known.get(n) or self.run(resized(self.s, self.kind, n))

    def implied(self, n: int) -> Figures | None:
        """Figures standing for size n: a simulated size's at the level n must be at."""
        levels = {m: level_of(self.kind, f, self.level) for m, f in self.known.items()}
        at_least = max((lv for m, lv in levels.items() if m <= n), default=0)
        at_most = min((lv for m, lv in levels.items() if m >= n), default=2)
        if at_least != at_most:
            return None
        nearest = min((m for m, lv in levels.items() if lv == at_least), key=lambda m: abs(m - n))
        return self.known[nearest]

    def __call__(self, v: Scenario) -> Figures:
        n = configured_size(v, self.kind)
        if n in self.known:
            return self.known[n]
        return self.implied(n) or self.run(v)


@contextmanager
def sizing_hints(hints: Hints | None, record: dict[str, Hint]) -> Iterator[None]:
    """Within the block, counterparts are sized from ``hints`` (by kind) where given, and
    every sizing (with the configured figures it started from) is written to ``record``."""

    def sizer(s: Scenario, kind: str, f0: Figures, level: float) -> Sized:
        hint = (hints or {}).get(kind)
        if hint is None:
            out = size(s, kind, f0, level, measure=probe)
        else:
            out = hinted_size(s, kind, f0, level, hint)
        sizing, _, f = out
        if f is not None:
            record[kind] = hint_of(sizing, f, f0)
        return out

    token = SIZE_HOOK.set(sizer)
    try:
        yield
    finally:
        SIZE_HOOK.reset(token)


GROWS_WITH_LOAD = ("volume", "peak ratio", "token sizes")
"""Inputs whose value the fleet or pool needed grows in proportion to (the peak's load, or
each request's work)."""


def size_ratio(name: str, kind: str, ratio: float) -> float:
    """How far an input moved by ``ratio`` (its value over the stated one) moves a counterpart's
    size: a guess the search confirms, so a wrong one costs runs, never the answer."""
    if name in GROWS_WITH_LOAD:
        return ratio
    if name == "device speed" and kind == "edge_only":
        return 1 / ratio  # a faster device: fewer of them
    return 1.0
