"""The verdict: each architecture's figures and cost on the same traffic, the decision, the
checklist, and what would flip the decision. Built inside ``run()``; every view reads it.

Like a tender evaluation: the same bidders (edge-only, cloud-only, the hybrid), each priced on
the same specification (sized up where its bid could not carry the load), scored on one sheet,
with a note of what would change the award (a larger volume, a cheaper GPU hour, closed gaps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.compliance import Checklist, evaluate_checklist
from planner.cost import CostBreakdown, break_even_month, estimate_monthly_cost
from planner.criteria import Criterion, Evidence, must_stay, required_level
from planner.decision import OPTIONS, Decision, criteria_for, decide, with_residency
from planner.formatting import compact, label, usd, usd_rate
from planner.presets import apply_overrides
from planner.scenario import Scenario
from planner.sizing import size
from planner.sizing_ahead import AHEAD
from planner.sizing_rules import Sizing, undersized

Figures = dict[str, float]
OPTION_OF = {"edge_only": "edge-first", "cloud_only": "cloud-first"}


@dataclass(frozen=True)
class Architecture:
    """One architecture as evaluated: its scenario, simulated figures, cost and gaps."""

    key: str
    """Routing kind: edge_only, cloud_only, local_first or split."""
    option: str
    """The decision option it stands for: edge-first, cloud-first or hybrid."""
    name: str
    scenario: Scenario
    figures: Figures
    cost: CostBreakdown
    gaps: tuple[str, ...]
    is_scenario: bool
    """True for the scenario's own routing (its figures carry intervals)."""
    sizing: Sizing | None = None

    def get(self, key: str) -> float:
        return self.figures.get(key, math.nan)

    @property
    def monthly_usd(self) -> float:
        return self.cost.monthly_usd["total"]

    @property
    def three_year_usd(self) -> float:
        return self.cost.three_year_usd

    @property
    def horizon_usd(self) -> float:
        return self.cost.horizon_usd

    def gpu_billing(self) -> str:
        """How the GPU line is billed: billed hours x price = the line (empty without a cloud)."""
        from planner.cost import gpu_bill_rows

        line = self.cost.monthly_usd["cloud_gpu"]
        if self.key == "edge_only" or not line:
            return ""
        parts = [
            # hours to the hundredth and the price unrounded: their product is the line
            f"{hours:,.2f} billed GPU-hours ({label(what)}) x {usd_rate(price)}"
            for what, hours, price in gpu_bill_rows(self.scenario, self.figures)
        ]
        return " + ".join(parts) + f" = {usd(line, True)} a month"


@dataclass(frozen=True)
class Verdict:
    architectures: tuple[Architecture, ...]
    """Edge-only, cloud-only, hybrid (those that could run), in that order."""
    decision: Decision
    checklist: Checklist
    flips: tuple[str, ...]
    break_even_month: int | None
    required_level: float
    missing: tuple[tuple[str, str], ...] = ()
    """(architecture, why) for those the engine could not simulate (e.g. its work limit)."""

    @property
    def recommended(self) -> Architecture:
        return next(a for a in self.architectures if a.option == self.decision.architecture)

    def by_option(self, option: str) -> Architecture | None:
        return next((a for a in self.architectures if a.option == option), None)

    @property
    def own(self) -> Architecture:
        return next(a for a in self.architectures if a.is_scenario)


def hybrid_kind(s: Scenario) -> str:
    kind = s.policy.routing.kind
    return kind if kind in ("local_first", "split") else "local_first"


def arch_gaps(s: Scenario, key: str, f: Figures) -> tuple[str, ...]:
    gaps = evaluate_checklist(s, f).gaps
    if key == "edge_only":
        return tuple(gaps["edge"])
    if key == "cloud_only":
        stay = must_stay(s) and "data_residency" not in gaps["cloud"]
        return tuple(gaps["cloud"]) + (("data_residency",) if stay else ())
    return tuple(dict.fromkeys(gaps["edge"] + gaps["cloud"]))


def architecture(
    s: Scenario, key: str, f: Figures, own: bool, sizing: Sizing | None = None
) -> Architecture:
    option = OPTION_OF.get(key, "hybrid")
    name = label(key)
    if sizing is not None and sizing.sized is not None:
        name = f"{name}, {sizing.sized:,} {sizing.what}"
    f = {**f, "edge.devices": float(s.edge.device_count)}
    return Architecture(
        key, option, name, s, f, estimate_monthly_cost(s, f), arch_gaps(s, key, f), own, sizing
    )


def counterpart(s: Scenario, key: str, f: Figures, level: float, fair: bool) -> Architecture:
    """A counterpart as configured, or sized up when it cannot carry the load."""
    v = apply_overrides(s, {"policy.routing.kind": key})
    if fair and undersized(key, f):
        ahead = AHEAD.get()
        found = ahead.take(key, f) if ahead is not None else None
        sizing, sized_s, sized_f = found or size(v, key, f, level)
        if sized_s is not None and sized_f is not None:
            return architecture(sized_s, key, sized_f, False, sizing)
        return architecture(v, key, f, False, sizing)
    return architecture(v, key, f, False)


def evidence(archs: tuple[Architecture, ...], tco: dict[str, float] | None = None) -> Evidence:
    by = {a.option: a for a in archs}
    figs = [by[o].figures if o in by else None for o in OPTIONS]
    tcos = [(tco or {}).get(o, by[o].horizon_usd) if o in by else math.nan for o in OPTIONS]
    gaps = [by[o].gaps if o in by else () for o in OPTIONS]
    names = [by[o].name if o in by else o for o in OPTIONS]
    return Evidence(
        figs[0],
        figs[1],
        figs[2],
        tcos[0],
        tcos[1],
        tcos[2],
        (gaps[0], gaps[1], gaps[2]),
        (names[0], names[1], names[2]),
    )


def build_verdict(
    s: Scenario,
    main: Figures,
    others: dict[str, Figures],
    fair: bool = True,
    skipped: tuple[str, ...] = (),
) -> Verdict:
    """All architectures (the scenario's own run and its counterparts), scored on one sheet."""
    level = required_level(s)
    own_kind = s.policy.routing.kind
    archs, missing = [], []
    for key in ("edge_only", "cloud_only", hybrid_kind(s)):
        if key == own_kind:
            archs.append(architecture(s, key, main, True))
        elif key in others:
            archs.append(counterpart(s, key, others[key], level, fair))
        elif fair:
            tag = key.replace("_", "-")
            why = next((n for n in skipped if tag in n), "it cannot run this scenario")
            missing.append((label(key), why))
    ordered = tuple(archs)
    decision = decide(s, evidence(ordered))
    checklist = evaluate_checklist(s, main)
    return Verdict(
        ordered,
        decision,
        checklist,
        tuple(flips(s, ordered, decision)),
        break_even(ordered),
        level,
        tuple(missing),
    )


def break_even_pair(
    archs: tuple[Architecture, ...],
) -> tuple[Architecture, Architecture] | None:
    """The two architectures the break-even month compares: the scenario's hybrid (else
    edge-only) against cloud-only; the pages name them from here."""
    by = {a.option: a for a in archs}
    cloud = by.get("cloud-first")
    edge = next((a for a in archs if a.is_scenario and a.option == "hybrid"), by.get("edge-first"))
    if edge is None or cloud is None or edge is cloud:
        return None
    return edge, cloud


def recommended_text(v: Verdict) -> str:
    """'cloud-first (cloud-only)', but 'hybrid (local-first)', not 'hybrid (hybrid (...))'."""
    name, option = v.recommended.name, v.decision.architecture
    return name if name.startswith(option) else f"{option} ({name})"


def break_even(archs: tuple[Architecture, ...]) -> int | None:
    pair = break_even_pair(archs)
    if pair is None:
        return None
    return break_even_month(pair[0].cost.cumulative_usd, pair[1].cost.cumulative_usd)


def scaled_tco(a: Architecture, volume: float = 1.0, gpu_price: float = 1.0) -> float:
    """Multi-year cost with the volume and the GPU-hour price scaled (not re-simulated): cloud
    GPU time and egress follow the volume; the fleet grows once its utilisation passes 80 %."""
    m, months = a.cost.monthly_usd, 12 * a.cost.horizon_years
    cloud = m["cloud_gpu"] + m["cloud_egress"] + m["cloud_fixed"]
    edge_part = a.horizon_usd - cloud * months
    util = a.get("edge.utilization")
    grow = max(1.0, volume * util / 0.8) if edge_part > 0 and util > 0 else 1.0
    scaled_cloud = m["cloud_gpu"] * volume * gpu_price + m["cloud_egress"] * volume
    return edge_part * grow + (scaled_cloud + m["cloud_fixed"]) * months


def decision_under(
    s: Scenario, archs: tuple[Architecture, ...], fixed: list[Criterion], **scale: float
) -> str:
    tco = {a.option: scaled_tco(a, **scale) for a in archs}
    return decide(s, evidence(archs, tco), fixed=fixed).architecture


FACTORS = tuple(10 ** (k / 20) for k in range(1, 27))  # x1.12 .. x20


def first_change(
    s: Scenario, archs: tuple[Architecture, ...], best: str, lever: str, up: bool
) -> tuple[float, str] | None:
    # only costs scale: the other criteria are scored once, not for each factor
    fixed = criteria_for(s, with_residency(s, evidence(archs)))
    for f in FACTORS:
        x = f if up else 1 / f
        other = decision_under(s, archs, fixed, **{lever: x})
        if other != best:
            return x, other
    return None


def flips(s: Scenario, archs: tuple[Architecture, ...], decision: Decision) -> list[str]:
    """What would change the recommendation: volume and GPU price (costs scaled from this run,
    not re-simulated), and closing the other options' checklist gaps."""
    best = decision.architecture
    if len(archs) < 2:
        lone = archs[0].name if archs else best
        return [
            f"nothing was compared: only 1 of the 3 architectures ({lone}) could be simulated "
            "(see those the engine refused), so no volume or price is known to flip it"
        ]
    out = []
    volume = s.workload.requests_per_month
    for up in (True, False):
        hit = first_change(s, archs, best, "volume", up)
        if hit:
            sign = ">" if up else "<"
            out.append(
                f"{hit[1]} if volume {sign} {compact(volume * hit[0])} requests/month "
                f"(now {compact(volume)}; costs scaled from this run)"
            )
    price = next((a.cost for a in archs if a.cost.monthly_usd["cloud_gpu"] > 0), None)
    if price is not None:
        from planner.scenario import gpu_hourly_usd

        rate = gpu_hourly_usd(s)
        for up in (False, True):
            hit = first_change(s, archs, best, "gpu_price", up)
            if hit:
                sign = ">" if up else "<"
                out.append(
                    f"{hit[1]} if the GPU hour cost {sign} {usd(rate * hit[0], cents=True)} "
                    f"(now {usd(rate, cents=True)})"
                )
    for a in archs:
        if a.option != best and a.gaps:
            closed = tuple(b if b is not a else _without_gaps(b) for b in archs)
            if decide(s, evidence(closed)).architecture == a.option:
                items = ", ".join(label(g) for g in a.gaps)
                out.append(
                    f"{a.option} if {a.name}'s {len(a.gaps)} checklist gaps were closed ({items})"
                )
    if not out:
        out.append(
            f"{best} holds across volumes x0.05 to x20 ({compact(volume / 20)} to "
            f"{compact(volume * 20)} requests/month) and GPU prices /20 to x20"
        )
    return out


def _without_gaps(a: Architecture) -> Architecture:
    from dataclasses import replace

    return replace(a, gaps=())
