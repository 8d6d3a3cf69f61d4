"""Fair counterparts: when edge-only or cloud-only cannot carry the load as configured, find the
smallest fleet or pool that does, with the engine, in a bounded number of runs.

Like pricing a removal van: if the van you were quoted leaves half the furniture behind, the
fair comparison is the smallest van that takes it all. The search doubles the size until the
simulated drop rate and utilisation say the load is carried, then halves the gap a few times.
Each probe is one replication of the whole plan on the same traffic (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from planner.errors import ScenarioError
from planner.formatting import pct
from planner.presets import apply_overrides
from planner.scenario import Scenario

Figures = dict[str, float]
MAX_RUNS = 6
CAPACITY_DROPS = {"edge_only": "queue_full", "cloud_only": "pool_queue_full"}
UTILISATION = {"edge_only": "edge.utilization", "cloud_only": "cloud.utilization"}
CARRIED_DROP, CARRIED_UTIL, UNDERSIZED_DROP = 0.01, 0.85, 0.03


@dataclass(frozen=True)
class Sizing:
    """What the configured counterpart lacked and the size it was priced at."""

    what: str
    """'devices' or 'GPU replicas'."""
    configured: int
    sized: int | None
    """None: no size up to ``tried`` carried the load."""
    tried: int
    runs: int
    configured_drop_rate: float
    meets_slo: bool

    def count(self, n: int) -> str:
        return f"{n:,} {self.what}" if n != 1 else f"1 {self.what[:-1]}"

    def text(self, name: str) -> str:
        head = (
            f"{name} as configured ({self.count(self.configured)}) cannot carry the load: "
            f"it drops {pct(self.configured_drop_rate)} of requests"
        )
        if self.sized is None:
            return f"{head}; even {self.count(self.tried)} did not ({self.runs} simulated runs)"
        goal = "meets the SLO" if self.meets_slo else "carries the load (the SLO stays missed)"
        return (
            f"{head}; priced with {self.count(self.sized)}, the smallest found in "
            f"{self.runs} simulated runs that {goal}"
        )


def capacity_drop(kind: str, f: Figures) -> float:
    arrived = f.get("requests.arrived", 0.0)
    dropped = f.get(f"requests.dropped_by_reason.{CAPACITY_DROPS[kind]}", 0.0)
    return dropped / arrived if arrived else 0.0


def undersized(kind: str, f: Figures) -> bool:
    """Capacity drops above a few per cent, or a saturated fleet or pool."""
    if kind not in CAPACITY_DROPS:
        return False
    util = f.get(UTILISATION[kind], math.nan)
    return capacity_drop(kind, f) > UNDERSIZED_DROP or util > 0.97


def carried(kind: str, f: Figures) -> bool:
    util = f.get(UTILISATION[kind], math.nan)
    return capacity_drop(kind, f) <= CARRIED_DROP and not util > CARRIED_UTIL


def meets(f: Figures, level: float) -> bool:
    att = f.get("slo_attainment", math.nan)
    return math.isnan(att) or att >= level


def resized(s: Scenario, kind: str, n: int) -> Scenario:
    if kind == "edge_only":
        return apply_overrides(s, {"edge.device_count": n})
    updates: dict[str, Any] = {"cloud.max_replicas": n}
    if s.cloud.autoscaler.kind == "fixed":
        updates["cloud.min_replicas"] = n
    return apply_overrides(s, updates)


def configured_size(s: Scenario, kind: str) -> int:
    if kind == "edge_only":
        return s.edge.device_count
    return s.cloud.max_replicas


def probe(s: Scenario) -> Figures:
    """One replication of a resized counterpart, on the engine and in the mode of the run
    being decided."""
    from planner.run import PROBE_SETTINGS, run

    engine, mode = PROBE_SETTINGS.get()
    one = apply_overrides(s, {"simulation.replications": 1})
    return run(one, decide_too=False, engine=engine, mode=mode).figures


Sized = tuple[Sizing, Scenario | None, Figures | None]
SIZE_HOOK: ContextVar[Callable[[Scenario, str, Figures, float], Sized] | None] = ContextVar(
    "SIZE_HOOK", default=None
)
"""A sweep's sizer (``planner.sensitivity_sizing``): it starts from a size it already knows and
calls ``size`` back with its own ``measure``; None: size from the configured size."""


def size(
    s: Scenario,
    kind: str,
    f0: Figures,
    level: float,
    measure: Callable[[Scenario], Figures] | None = None,
) -> Sized:
    """The smallest size (doubling, then bisection) that carries the load and, where a few more
    doublings reach it, meets the SLO. At most MAX_RUNS engine runs (``measure``: what runs
    one; ``probe`` unless a SIZE_HOOK sizer supplies its own)."""
    hook = SIZE_HOOK.get()
    if measure is None and hook is not None:
        return hook(s, kind, f0, level)
    probe_at = measure or probe
    n0 = configured_size(s, kind)
    limit = 100_000 if kind == "edge_only" else 10_000
    runs, lo, n = 0, n0, n0
    found: tuple[int, Scenario, Figures] | None = None
    while runs < MAX_RUNS and n < limit:
        n = min(limit, max(n + 1, n * 2))
        try:
            v = resized(s, kind, n)
            f = probe_at(v)
        except ScenarioError:
            break
        runs += 1
        if carried(kind, f):
            if found is None or meets(f, level):
                found = (n, v, f)
            if meets(f, level) or runs >= MAX_RUNS - 2:
                break
        elif found is None:
            lo = n
    while found is not None and runs < MAX_RUNS and found[0] - lo > max(1, found[0] // 8):
        mid = (lo + found[0]) // 2
        v = resized(s, kind, mid)
        f = probe_at(v)
        runs += 1
        ok = carried(kind, f) and (meets(f, level) or not meets(found[2], level))
        if ok:
            found = (mid, v, f)
        else:
            lo = mid
    what = "devices" if kind == "edge_only" else "GPU replicas"
    sizing = Sizing(
        what=what,
        configured=n0,
        sized=found[0] if found else None,
        tried=n,
        runs=runs,
        configured_drop_rate=f0.get("drop_rate", math.nan),
        meets_slo=bool(found and meets(found[2], level)),
    )
    return sizing, (found[1] if found else None), (found[2] if found else None)
