"""The decision matrix: edge-first, cloud-first or hybrid, each reason quoting a figure.

Like a referee's scorecard that marks every team on the same sheet: the simulated criteria
(SLO attainment against the level the SLO asks for, the tail latency against its target, cost as
a ratio to the cheapest on a log scale, each architecture's own checklist gaps, drops and
fallbacks) are scored from each architecture's run on the same traffic, and the source article's
matrices (latency bands, residency, connectivity, per-device volume, model size, burst
elasticity, bandwidth, fleet-ops capacity, capex preference, local integrations, multi-tenancy,
quality beyond quantisation) add their points. An option another beats or equals on cost, SLO
attainment and compliance gaps at once (dominated) is never recommended.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from planner.compliance import Checklist
from planner.criteria import (
    Criterion,
    Evidence,
    availability,
    bandwidth,
    compliance_gaps,
    connectivity,
    cost_ratio,
    device_volume,
    drops,
    elasticity,
    fallback,
    fig,
    latency_band,
    model_size,
    must_stay,
    ops_and_org,
    residency,
    slo_attainment,
)
from planner.formatting import compact
from planner.scenario import Scenario

OPTIONS = ("edge-first", "cloud-first", "hybrid")


@dataclass(frozen=True)
class Decision:
    architecture: str
    scores: dict[str, float]
    reasons: list[str]
    criteria: list[Criterion] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    dominated: dict[str, str] = field(default_factory=dict)
    """Option -> the option that dominates it (never recommended)."""

    def as_dict(self) -> dict[str, object]:
        return {
            "architecture": self.architecture,
            "scores": self.scores,
            "reasons": self.reasons,
            "flags": self.flags,
            "dominated": self.dominated,
            "criteria": [
                {
                    "name": c.name,
                    "edge_first": c.points[0],
                    "cloud_first": c.points[1],
                    "hybrid": c.points[2],
                    "reason": c.reason,
                }
                for c in self.criteria
            ],
        }


def dominates(a: tuple[float, float, int], b: tuple[float, float, int]) -> bool:
    """(cost, SLO attainment, gaps): a is no worse on all and better on one (NaN SLO ignored)."""
    cost_a, att_a, gaps_a = a
    cost_b, att_b, gaps_b = b
    if math.isnan(att_a) or math.isnan(att_b):
        att_a = att_b = 0.0
    no_worse = cost_a <= cost_b and att_a >= att_b and gaps_a <= gaps_b
    better = cost_a < cost_b or att_a > att_b or gaps_a < gaps_b
    return no_worse and better


def with_residency(s: Scenario, ev: Evidence) -> Evidence:
    """Cloud-only cannot keep data that must stay on site: that is a residency gap of its own."""
    edge, cloud, hybrid = ev.gaps
    if not must_stay(s) or "data_residency" in cloud:
        return ev
    return replace(ev, gaps=(edge, (*cloud, "data_residency"), hybrid))


def dominance(ev: Evidence) -> dict[str, str]:
    """Options dominated by another runnable option, with the one that dominates them."""
    keys = {
        o: (t, fig(f, "slo_attainment"), len(g))
        for o, f, t, g in zip(OPTIONS, ev.all, ev.tco, ev.gaps, strict=True)
        if f is not None and not math.isnan(t)
    }
    out: dict[str, str] = {}
    for o, k in keys.items():
        for other, k2 in keys.items():
            if other != o and dominates(k2, k):
                out[o] = other
                break
    return out


def criteria_for(s: Scenario, ev: Evidence) -> list[Criterion]:
    found = [
        slo_attainment(s, ev),
        latency_band(s, ev),
        cost_ratio(s, ev),
        compliance_gaps(s, ev),
        drops(s, ev),
        fallback(s, ev),
        residency(s, ev),
        connectivity(s, ev),
        device_volume(s, ev),
        model_size(s, ev),
        elasticity(s),
        bandwidth(s, ev),
        availability(s, ev),
    ]
    return [c for c in found if c is not None] + ops_and_org(s, ev)


def recosted(s: Scenario, ev: Evidence, criteria: list[Criterion]) -> list[Criterion]:
    """``criteria`` of the same runs with the cost criterion scored on ``ev``'s costs: what a
    what-if that scales only costs changes (``planner.verdict.flips`` asks a hundred)."""
    cost = cost_ratio(s, ev)
    return [cost if cost is not None and c.name == cost.name else c for c in criteria]


def decide(
    s: Scenario,
    ev: Evidence,
    checklist: Checklist | None = None,
    fixed: list[Criterion] | None = None,
) -> Decision:
    """Score the options that ran, never pick a dominated one, and explain the winner
    (``fixed``: the criteria of the same runs, only the costs rescored)."""
    ev = with_residency(s, ev)
    criteria = criteria_for(s, ev) if fixed is None else recosted(s, ev, fixed)
    scores = {o: round(sum(c.points[i] for c in criteria), 2) for i, o in enumerate(OPTIONS)}
    runnable = [o for o, f in zip(OPTIONS, ev.all, strict=True) if f is not None] or list(OPTIONS)
    beaten = dominance(ev)
    candidates = [o for o in runnable if o not in beaten] or runnable
    best = max(candidates, key=lambda o: (scores[o], o == "hybrid"))
    i = OPTIONS.index(best)
    others = [j for j, o in enumerate(OPTIONS) if o in runnable and j != i]

    def margin(c: Criterion) -> float:
        """How much the criterion favours the winner over the other options on average."""
        rest = [c.points[j] for j in others]
        return c.points[i] - (sum(rest) / len(rest) if rest else 0.0)

    def best_of(c: Criterion) -> float:
        """How far the winner is behind the best other option on this criterion (<= 0)."""
        return c.points[i] - max((c.points[j] for j in others), default=c.points[i])

    ranked = sorted(criteria, key=margin, reverse=True)
    # a reason favours the winner: no other option scores better on it; the strongest first
    favour = [c for c in criteria if margin(c) > 0 and best_of(c) >= 0]
    favour.sort(key=lambda c: margin(c) * c.strength, reverse=True)
    reasons = [f"{c.name}: {c.reason}" for c in favour][:4]
    if not reasons:
        reasons = [f"{c.name}: {c.reason}" for c in ranked[:2]]

    def favoured(c: Criterion) -> str:
        """The other option this criterion favours most (a flag names it: a reason that praises
        the edge fleet reads as a contradiction under 'Against cloud-first' otherwise)."""
        return OPTIONS[max(others, key=lambda j: c.points[j])]

    flags = [
        f"{c.name} favours {favoured(c)}: {c.reason}" for c in ranked[::-1] if best_of(c) < -0.5
    ][:3]
    return Decision(best, scores, reasons, criteria, flags, beaten)


def volume_text(requests_per_month: float) -> str:
    return f"{compact(requests_per_month)} requests/month"
