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

from planner.compliance import evaluate_checklist
from planner.cost import CostBreakdown, estimate_monthly_cost
from planner.decision import OPTIONS, Evidence, decide
from planner.presets import apply_overrides
from planner.run import Progress, RunResult, run
from planner.scenario import Scenario

ARCHITECTURES = ("edge_only", "cloud_only", "local_first")


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
) -> list[Variant]:
    """Run each variant (same seed, same traffic) with its cost; one over the work limit is
    left out."""
    from planner.plan import WorkLimitError

    out = []
    chosen = variants or default_variants(s)
    if s.edge.device_count == 0:
        chosen = {k: v for k, v in chosen.items() if v.get("policy.routing.kind") == "cloud_only"}
    for i, (label, updates) in enumerate(chosen.items()):
        v = apply_overrides(s, updates) if updates else s
        try:
            r = run(v, decide_too=False)
        except WorkLimitError:
            continue  # e.g. sites sharing a GPU pool are all simulated: too big to compare
        out.append(Variant(label, v, r, estimate_monthly_cost(v, r.figures)))
        if progress:
            progress(i + 1, len(chosen))
    return out


def scores(variants: list[Variant]) -> dict[str, float]:
    """Decision-matrix scores from the compared runs (edge-only, cloud-only, hybrid labels)."""
    by = {v.label: v for v in variants}
    e, c, h = by.get("edge-only"), by.get("cloud-only"), by.get("hybrid")
    if e is None and c is None:
        return {}
    base = (h or e or c).scenario  # type: ignore[union-attr]
    ev = Evidence(
        edge=e.result.figures if e else None,
        cloud=c.result.figures if c else None,
        hybrid=h.result.figures if h else None,
        edge_tco_usd=e.cost.horizon_usd if e else math.nan,
        cloud_tco_usd=c.cost.horizon_usd if c else math.nan,
        hybrid_tco_usd=h.cost.horizon_usd if h else math.nan,
    )
    d = decide(base, ev, evaluate_checklist(base, (h or e or c).result.figures))  # type: ignore[union-attr]
    return dict(
        zip(("edge-only", "cloud-only", "hybrid"), (d.scores[o] for o in OPTIONS), strict=True)
    )


ROWS = (
    ("latency_ms.p50", "p50 latency (ms)"),
    ("latency_ms.p95", "p95 latency (ms)"),
    ("latency_ms.p99", "p99 latency (ms)"),
    ("ttft_ms.p95", "p95 TTFT (ms)"),
    ("slo_attainment", "SLO attainment"),
    ("fallback_rate", "fallback rate"),
    ("drop_rate", "drop rate"),
    ("cloud.gpu_hours", "GPU hours / month"),
)


def table(variants: list[Variant]) -> list[dict[str, Any]]:
    """One row per figure, one column per variant (the same rows in CLI, UI and memo)."""
    sc = scores(variants)
    rows = [
        {"figure": label, **{v.label: v.result.get(key) for v in variants}} for key, label in ROWS
    ]
    rows.append(
        {"figure": "monthly cost (USD)", **{v.label: v.cost.monthly_usd["total"] for v in variants}}
    )
    years = variants[0].scenario.costs.horizon_years if variants else 3
    rows.append(
        {"figure": f"{years}-year TCO (USD)", **{v.label: v.cost.horizon_usd for v in variants}}
    )
    rows.append(
        {"figure": "decision score", **{v.label: sc.get(v.label, math.nan) for v in variants}}
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
