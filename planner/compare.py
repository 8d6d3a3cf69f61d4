"""Side by side: edge-only, cloud-only and the hybrid (or any variants) on the same traffic.

Like a wind-tunnel run of three wing shapes in the same gusts: each variant keeps the scenario's
seed, so its traffic and per-request random numbers are identical (common random numbers) and
the differences are the architecture's, not the dice's.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from planner.cost import CostBreakdown, estimate_monthly_cost
from planner.presets import apply_overrides
from planner.run import Progress, RunResult, run
from planner.scenario import Scenario
from planner.verdict import Verdict


@dataclass(frozen=True)
class Variant:
    label: str
    scenario: Scenario
    result: RunResult
    cost: CostBreakdown


def default_variants(s: Scenario) -> dict[str, dict[str, Any]]:
    """The three architectures; the hybrid keeps the scenario's own policy if it is one."""
    hybrid = (
        s.policy.routing.kind
        if s.policy.routing.kind in ("local_first", "split")
        else "local_first"
    )
    return {
        "edge-only": {"policy.routing.kind": "edge_only"},
        "cloud-only": {"policy.routing.kind": "cloud_only"},
        "hybrid": {} if hybrid == s.policy.routing.kind else {"policy.routing.kind": hybrid},
    }


def compare(
    s: Scenario,
    variants: dict[str, dict[str, Any]] | None = None,
    progress: Progress | None = None,
    engine: str = "compiled",
) -> list[Variant]:
    """Run each variant (same seed, same traffic) with its cost; one over the work limit is
    left out. ``engine`` as in ``planner.run``."""
    from planner.plan import WorkLimitError

    out = []
    chosen = variants or default_variants(s)
    if s.edge.device_count == 0:
        chosen = {k: v for k, v in chosen.items() if v.get("policy.routing.kind") == "cloud_only"}
    for i, (label, updates) in enumerate(chosen.items()):
        v = apply_overrides(s, updates) if updates else s
        try:
            r = run(v, decide_too=False, engine=engine)
        except WorkLimitError:
            continue  # e.g. sites sharing a GPU pool are all simulated: too big to compare
        out.append(Variant(label, v, r, estimate_monthly_cost(v, r.figures)))
        if progress:
            progress(i + 1, len(chosen))
    return out


Row = dict[str, Any]
ONE_PATH = frozenset({"edge_only", "cloud_only"})
"""Architectures with no second path: their fallback rate is 'none', not a measured 0 %."""
FIGURES = (
    ("latency_ms.p50", "p50 latency", "ms"),
    ("latency_ms.p95", "p95 latency", "ms"),
    ("latency_ms.p99", "p99 latency", "ms"),
    ("ttft_ms.p95", "p95 time to first token", "ttft"),
    ("slo_attainment", "SLO attainment", "pct"),
    ("fallback_rate", "fallback rate", "pct"),
    ("drop_rate", "drop rate", "pct"),
    ("cloud.gpu_hours", "GPU hours / month", "hours"),
)


def verdict_rows(v: Verdict) -> list[Row]:
    """The Compare table: one row per figure, one column per architecture, raw values with
    their kind (the views format them); the same rows in the dashboard, the CLI and the memo."""
    rows: list[Row] = [
        {"figure": name, "kind": kind, **{a.name: a.get(key) for a in v.architectures}}
        for key, name, kind in FIGURES
    ]
    years = v.architectures[0].cost.horizon_years if v.architectures else 3
    extra = (
        ("monthly cost", "usd", lambda a: a.monthly_usd),
        ("3-year cost", "usd", lambda a: a.three_year_usd),
        (f"{years}-year TCO", "usd", lambda a: a.horizon_usd),
        ("compliance gaps", "count", lambda a: float(len(a.gaps))),
        ("decision score", "score", lambda a: v.decision.scores[a.option]),
    )
    for name, kind, get in extra:
        if name == "3-year cost" and years == 3:
            continue
        rows.append({"figure": name, "kind": kind, **{a.name: get(a) for a in v.architectures}})
    return rows


def table(variants: list[Variant]) -> list[Row]:
    """Custom variants side by side (``compare --variant``): figures and costs."""
    rows: list[Row] = [
        {"figure": name, "kind": kind, **{x.label: x.result.get(key) for x in variants}}
        for key, name, kind in FIGURES
    ]
    rows.append(
        {
            "figure": "monthly cost",
            "kind": "usd",
            **{x.label: x.cost.monthly_usd["total"] for x in variants},
        }
    )
    years = variants[0].scenario.costs.horizon_years if variants else 3
    rows.append(
        {
            "figure": f"{years}-year TCO",
            "kind": "usd",
            **{x.label: x.cost.horizon_usd for x in variants},
        }
    )
    return rows


def break_even_volume(
    s: Scenario, factors: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 10.0)
) -> tuple[list[dict[str, float]], float | None]:
    """Monthly cost of edge-only and cloud-only across volumes (the engine at each point), and
    the volume where they cross (log-linear interpolation), or None when they do not."""
    from planner.plan import WorkLimitError

    rows = []
    base = s.workload.requests_per_month
    for f in factors:
        row = {"requests_per_month": base * f}
        try:
            for arch, key in (("edge_only", "edge_usd"), ("cloud_only", "cloud_usd")):
                v = apply_overrides(
                    s,
                    {
                        "policy.routing.kind": arch,
                        "workload.requests_per_month": base * f,
                        "simulation.replications": 1,
                    },
                )
                row[key] = estimate_monthly_cost(v, run(v, decide_too=False).figures).monthly_usd[
                    "total"
                ]
        except WorkLimitError:
            continue
        rows.append(row)
    return rows, crossing(rows)


def crossing(rows: list[dict[str, float]]) -> float | None:
    for a, b in itertools.pairwise(rows):
        da, db = a["edge_usd"] - a["cloud_usd"], b["edge_usd"] - b["cloud_usd"]
        if da == 0:
            return a["requests_per_month"]
        if da * db < 0:
            t = da / (da - db)
            la, lb = math.log(a["requests_per_month"]), math.log(b["requests_per_month"])
            return math.exp(la + t * (lb - la))
    return None
