"""The decision matrix: edge-first, cloud-first or hybrid, each reason quoting a figure.

Like a referee's scorecard: every criterion of the source article's two matrices (latency bands,
privacy and residency, connectivity, per-device volume, capex preference, local integrations,
fleet-ops capacity; throughput and model size, burst elasticity, multi-tenancy, quality beyond
quantisation) awards points to the options from the scenario *and* the simulated figures of an
edge-only run, a cloud-only run and the hybrid run on the same traffic, then adds the costs.
The recommendation is the highest score; the reasons are the criteria that decided it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from planner.compliance import Checklist
from planner.scenario import Scenario

OPTIONS = ("edge-first", "cloud-first", "hybrid")
SUB_50_MS, INTERACTIVE_MS = 50.0, 200.0


@dataclass(frozen=True)
class Evidence:
    """Figures of the three architectures on the same traffic (None: not runnable)."""

    edge: dict[str, float] | None
    cloud: dict[str, float] | None
    hybrid: dict[str, float] | None
    edge_tco_usd: float = math.nan
    cloud_tco_usd: float = math.nan
    hybrid_tco_usd: float = math.nan


@dataclass(frozen=True)
class Criterion:
    name: str
    points: tuple[float, float, float]
    """Points for edge-first, cloud-first, hybrid."""
    reason: str


@dataclass(frozen=True)
class Decision:
    architecture: str
    scores: dict[str, float]
    reasons: list[str]
    criteria: list[Criterion] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "architecture": self.architecture,
            "scores": self.scores,
            "reasons": self.reasons,
            "flags": self.flags,
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


def ms(x: float | None) -> str:
    if x is None or math.isnan(x):
        return "n/a"
    return f"{x / 1000:,.1f} s" if x >= 10_000 else f"{x:,.0f} ms"


def pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x * 100:.1f} %"


def fig(f: dict[str, float] | None, key: str) -> float:
    return math.nan if f is None else f.get(key, math.nan)


def share(f: dict[str, float] | None, key: str) -> float:
    """``key`` per arrived request; NaN when nothing arrived (a very low volume)."""
    arrived = fig(f, "requests.arrived")
    return fig(f, key) / arrived if arrived > 0 else math.nan


def latency_band(s: Scenario, ev: Evidence) -> Criterion | None:
    target = s.slo.latency_target_ms
    if target is None:
        return None
    q = "p99" if s.slo.p99_ms else ("p95" if s.slo.p95_ms else "p50")
    e, c = fig(ev.edge, f"latency_ms.{q}"), fig(ev.cloud, f"latency_ms.{q}")
    edge_ok, cloud_ok = e <= target, c <= target
    reason = f"{q} on the device {ms(e)}, in the cloud {ms(c)}, against a {ms(target)} target"
    # the article's bands: sub-50 ms (local only), 50-200 ms (edge or regional), >200 ms
    sub_50 = target <= SUB_50_MS
    weight = 3.0 if sub_50 or s.slo.hard_deadline else (2.0 if target <= INTERACTIVE_MS else 1.0)
    band = "<=50 ms" if sub_50 else ("50-200 ms" if target <= INTERACTIVE_MS else ">200 ms")
    pts = (weight * (1 if edge_ok else -1), weight * (1 if cloud_ok else -1), 0.0)
    if s.slo.hard_deadline and not cloud_ok:
        pts = (pts[0], -5.0, pts[2])
    hybrid = weight * 0.5 if edge_ok and not sub_50 else (pts[0] - 1 if edge_ok else -weight)
    return Criterion(f"latency {band}", (pts[0], pts[1], hybrid), reason)


def residency(s: Scenario, ev: Evidence) -> Criterion | None:
    share = s.workload.sensitive_share
    if share == 0 or s.policy.sensitive_may_leave_site:
        return None
    dropped = fig(ev.cloud, "drop_rate")
    reason = (
        f"{pct(share)} of requests carry sensitive data that must stay on site; a cloud-only "
        f"design could not serve them remotely (its run dropped {pct(dropped)})"
    )
    # local-first helps only for the requests that may leave; with all data sensitive it adds
    # a cloud bill and nothing else
    hybrid = 2.0 if share < 0.999 else 0.5
    return Criterion("privacy and residency", (3.0, -3.0, hybrid), reason)


def connectivity(s: Scenario, ev: Evidence) -> Criterion | None:
    drops = share(ev.cloud, "requests.dropped_by_reason.offline")
    down = fig(ev.cloud or ev.hybrid or ev.edge, "links.down_fraction")
    if math.isnan(down) or (down < 0.005 and not drops > 0.001):
        return None
    reason = f"links down {pct(down)} of the time; the cloud-only run lost {pct(drops)} offline"
    return Criterion("intermittent connectivity", (2.0, -2.0, 1.0), reason)


def device_volume(s: Scenario, ev: Evidence) -> Criterion | None:
    if ev.edge is None or s.edge.device_count == 0:
        return None
    per_day = fig(ev.edge, "requests_per_month.arrived") / 30 / s.edge.device_count
    util = fig(ev.edge, "edge.utilization")
    full = share(ev.edge, "requests.dropped_by_reason.queue_full")
    reason = (
        f"{per_day:,.0f} requests a day per device at {pct(util)} device utilisation; "
        f"edge-only turns away {pct(full)} for full queues"
    )
    if full > 0.01 or util > 0.85:
        return Criterion(
            "per-device volume", (-2.0, 2.0, 1.0), reason + ": the fleet is undersized"
        )
    return Criterion("per-device volume", (1.0, 0.0, 0.5), reason + ": the fleet carries it")


def availability(s: Scenario, ev: Evidence) -> Criterion | None:
    failed = share(ev.edge, "requests.dropped_by_reason.device_failed")
    if not failed > 0.001:
        return None
    reason = (
        f"device failures (MTBF {s.edge.mtbf_hours:,.0f} h, repair {s.edge.mttr_hours:g} h) lose "
        f"{pct(failed)} of requests edge-only: add spares per site or a fallback"
    )
    return Criterion("device availability", (-1.0, 0.5, 0.5), reason)


def model_size(s: Scenario, ev: Evidence) -> Criterion | None:
    ineligible = fig(ev.edge, "requests.dropped_by_reason.not_edge_eligible")
    arrived = fig(ev.edge, "requests.arrived")
    share = ineligible / arrived if arrived else math.nan
    biggest = max(
        (c.model_params_b for c in s.workload.request_classes if c.kind == "llm"), default=0
    )
    if not share > 0 and biggest <= 7:
        return None
    if share >= 0.999:
        return Criterion(
            "model size",
            (-4.0, 3.0, -2.0),
            f"the model ({biggest:g}B) does not fit the device: no request is edge-eligible",
        )
    reason = (
        f"{pct(share)} of requests need a model or context the device cannot hold "
        f"(largest {biggest:g}B)"
    )
    if 0 < share < 0.01:
        return Criterion("model size", (-0.5, 0.5, 0.5), reason)
    if share > 0:
        return Criterion("model size", (-2.0, 2.0, 2.0), reason)
    return Criterion(
        "model size", (0.0, 1.0, 0.5), f"a {biggest:g}B model favours data-centre GPUs"
    )


def elasticity(s: Scenario) -> Criterion | None:
    w = s.workload
    mult = max([b.multiplier for b in w.bursts] + [x.multiplier for x in w.seasons] + [1.0])
    if mult < 3:
        return None
    return Criterion(
        "burst elasticity",
        (-1.0, 2.0, 1.0),
        f"traffic bursts to x{mult:g}: elastic capacity avoids buying for the peak",
    )


def ops_and_org(s: Scenario, checklist: Checklist) -> list[Criterion]:
    c = s.compliance
    out = []
    if not c.fleet_ops_capacity:
        out.append(
            Criterion(
                "fleet-ops capacity",
                (-3.0, 3.0, -1.0),
                "no capacity for fleet OTA and device security: prefer the cloud",
            )
        )
    if c.capex_preferred:
        out.append(Criterion("capex preference", (1.0, -0.5, 0.5), "up-front purchases preferred"))
    if c.local_integrations:
        out.append(
            Criterion(
                "local integrations",
                (2.0, -1.0, 1.0),
                "inference is coupled to local buses or peripherals",
            )
        )
    if c.multi_tenant:
        out.append(
            Criterion(
                "multi-tenant hosting",
                (-0.5, 1.0, 0.5),
                "several tenants: central quotas, SSO and billing",
            )
        )
    if not c.quantization_acceptable:
        out.append(
            Criterion(
                "quality beyond quantisation",
                (-2.0, 2.0, 1.0),
                "the model's quality does not survive edge quantisation",
            )
        )
    if "secure_ota_signing" in checklist.gaps["edge"]:
        out.append(
            Criterion(
                "edge readiness",
                (-1.0, 0.0, -0.5),
                "edge fleet without signed OTA and model signing (checklist gap)",
            )
        )
    return out


def usd(x: float) -> str:
    return "n/a" if math.isnan(x) else f"${x:,.0f}"


def slo_and_cost(s: Scenario, ev: Evidence) -> list[Criterion]:
    """SLO attainment and TCO: points in proportion to the gap, so noise cannot decide."""
    out = []
    att = [
        fig(ev.edge, "slo_attainment"),
        fig(ev.cloud, "slo_attainment"),
        fig(ev.hybrid, "slo_attainment"),
    ]
    known = [a for a in att if not math.isnan(a)]
    if len(known) >= 2:
        mean = sum(known) / len(known)
        pts = [0.0 if math.isnan(a) else max(-3.0, min(3.0, 20 * (a - mean))) for a in att]
        out.append(
            Criterion(
                "SLO attainment",
                (pts[0], pts[1], pts[2]),
                f"SLO met by {pct(att[0])} edge-only, {pct(att[1])} cloud-only, "
                f"{pct(att[2])} hybrid",
            )
        )
    tco = [ev.edge_tco_usd, ev.cloud_tco_usd, ev.hybrid_tco_usd]
    known = [t for t in tco if not math.isnan(t)]
    if len(known) >= 2:
        cheapest = min(known)
        pts = [0.0 if math.isnan(t) else 2.0 * cheapest / max(t, 1e-9) - 1.0 for t in tco]
        years = s.costs.horizon_years
        out.append(
            Criterion(
                f"{years}-year TCO",
                (pts[0], pts[1], pts[2]),
                f"{years}-year cost {usd(tco[0])} edge-only, {usd(tco[1])} cloud-only, "
                f"{usd(tco[2])} hybrid",
            )
        )
    return out


def bandwidth(s: Scenario, ev: Evidence) -> Criterion | None:
    """Upload a cloud design needs per site at the busy hour, against the link's uplink."""
    from planner.catalog import load_catalog
    from planner.plan import base_rate, hourly_shape, weekly_shape

    w = s.workload
    peak_per_s = (
        base_rate(w, s.edge.sites) * float(hourly_shape(w).max()) * float(weekly_shape(w).max())
    )
    kb = sum(
        c.share * (c.request_kb if c.kind == "llm" else c.payload_kb) for c in w.request_classes
    )
    need_mbps = peak_per_s * kb * 8 / 1000
    have = load_catalog().links[s.network.link].uplink_mbps.v
    if need_mbps < 0.25 * have:
        return None
    reason = (
        f"a cloud design uploads {need_mbps:,.1f} Mbit/s per site at the busy hour "
        f"on a {have:g} Mbit/s uplink"
    )
    if need_mbps >= have:
        return Criterion("bandwidth", (3.0, -4.0, 1.0), reason + ": it does not fit")
    return Criterion("bandwidth", (1.5, -1.5, 0.5), reason)


def decide(s: Scenario, ev: Evidence, checklist: Checklist) -> Decision:
    """Score the three options and explain the winner."""
    found = [
        latency_band(s, ev),
        residency(s, ev),
        connectivity(s, ev),
        device_volume(s, ev),
        model_size(s, ev),
        elasticity(s),
        bandwidth(s, ev),
        availability(s, ev),
    ]
    criteria = [c for c in found if c is not None] + ops_and_org(s, checklist) + slo_and_cost(s, ev)
    scores = {o: round(sum(c.points[i] for c in criteria), 2) for i, o in enumerate(OPTIONS)}
    if ev.hybrid is None:
        scores["hybrid"] = round((scores["edge-first"] + scores["cloud-first"]) / 2, 2)
    best = max(OPTIONS, key=lambda o: (scores[o], o == "hybrid"))
    i = OPTIONS.index(best)
    ranked = sorted(
        criteria, key=lambda c: c.points[i] - max(c.points[:i] + c.points[i + 1 :]), reverse=True
    )
    reasons = [f"{c.name}: {c.reason}" for c in ranked[:4]]
    flags = [f"{c.name}: {c.reason}" for c in criteria if c.points[i] < 0]
    return Decision(best, scores, reasons, criteria, flags)
