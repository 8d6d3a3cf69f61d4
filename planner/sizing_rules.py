"""The rules a counterpart's size is judged by: whether a fleet or pool carries its load, how
far from it a run is, and the size the run's own figures point to.

Like a removal firm's rules of thumb: a van carries the load when nothing is left on the
pavement (capacity drops under 1 %) and it is not packed to the roof (busy under 85 % of the
time); a van leaving a third behind needs about half as much room again, which is the estimate
the search starts from (``planner.sizing``). Utilisation is busy time over available time;
sizes are devices (edge-only) or GPU replicas (cloud-only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from planner.formatting import pct
from planner.presets import apply_overrides
from planner.scenario import Scenario

Figures = dict[str, float]
LIMITS = {"edge_only": 100_000, "cloud_only": 10_000}
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


SURE_DROP, SURE_UTIL = 2 * UNDERSIZED_DROP, 0.99


def surely_undersized(kind: str, f: Figures) -> bool:
    """Undersized beyond what one replication's scatter could undo: capacity drops over twice
    the threshold, or the fleet or pool busy over 99 % of the time (the kiosk's 12 L4: 1.00,
    the seasonal app's one device turning away 71 %)."""
    if kind not in CAPACITY_DROPS:
        return False
    util = f.get(UTILISATION[kind], math.nan)
    return capacity_drop(kind, f) > SURE_DROP or util > SURE_UTIL


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


def running_size(s: Scenario, kind: str) -> int:
    """Devices or replicas the configured run could use: a fixed pool runs its min_replicas."""
    if kind == "edge_only":
        return s.edge.device_count
    return s.cloud.min_replicas if s.cloud.autoscaler.kind == "fixed" else s.cloud.max_replicas


def load_factor(kind: str, f: Figures) -> float:
    """The size multiple at which a run's work would sit at CARRIED_UTIL: its utilisation times
    offered over served (completed) requests, over the target (2, a doubling, where unknown)."""
    util = f.get(UTILISATION[kind], math.nan)
    arrived = f.get("requests.arrived", 0.0)
    if not arrived or not util > 0:
        return 2.0
    # served: completed inside the window (an overloaded pool with no queue limit drops
    # nothing, its queue grows; the requests it still holds at the end finish after it)
    done = f.get("requests.completed_in_window", f.get("requests.completed", math.nan))
    if math.isnan(done):
        done = arrived - f.get("requests.dropped", 0.0)
    served = max(done, arrived * 1e-3)
    return util * (arrived / served) / CARRIED_UTIL


def estimate(kind: str, n: int, f: Figures) -> int:
    """The size at which a run of size ``n`` with figures ``f`` would carry its load at the
    target utilisation (utilisation ~ 1 / size at the same work)."""
    return max(1, math.ceil(n * load_factor(kind, f) - 1e-9))


def tolerance(n: int) -> int:
    """How far above the smallest size the answer may be: an eighth (at least one)."""
    return max(1, n // 8)


def cap_binds(s: Scenario, kind: str, n: int, f: Figures) -> bool:
    """Whether a larger size could change the run: always for devices and a fixed pool; for an
    autoscaled pool only if it reached its cap of ``n`` (below it, a larger cap runs the same)."""
    if kind == "edge_only" or s.cloud.autoscaler.kind == "fixed":
        return True
    peak = f.get("cloud.peak_replicas", math.nan)
    return not peak < n - 0.5


def both(kind: str, f: Figures, level: float) -> bool:
    return carried(kind, f) and meets(f, level)
