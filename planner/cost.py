"""Total cost of ownership: what the simulated month costs, and what the years cost.

Like a household budget that separates the car you bought (capex, written off over its life)
from the fuel and insurance you pay each month (opex). Edge: devices and spares amortised over
their months, electricity from the simulated busy and idle hours, maintenance as a share of
capex, management fees and connectivity. Cloud: GPU time as the offer bills it (on-demand and
serverless per second with the catalog's minimum per node start, reserved by the whole commitment
plus overflow on demand; see ``simulations.billing``), tiered egress and the fixed monthly
overhead. A month is 30 days (720 h). Cash views (first year, multi-year, cumulative) pay capex
up front and again when devices reach the end of their life.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.catalog import load_catalog
from planner.engine_inputs import overflow_hourly_usd
from planner.scenario import HOURS_PER_MONTH, Scenario, gpu_hourly_usd

EDGE_LINES = (
    "edge_amortization",
    "edge_power",
    "edge_maintenance",
    "edge_ops_fees",
    "connectivity",
)
CLOUD_LINES = ("cloud_gpu", "cloud_egress", "cloud_fixed")


@dataclass(frozen=True)
class CostBreakdown:
    """Money for one architecture, in USD."""

    monthly_usd: dict[str, float]
    """Each line and 'total', amortised (capex spread over its months)."""
    capex_usd: float
    """Up-front device purchase (in service and spares)."""
    opex_monthly_usd: float
    """Everything but amortisation, per month."""
    first_year_usd: float
    """Cash in the first year: capex plus twelve months of opex."""
    horizon_usd: float
    """Cash over the horizon (capex renewed at end of life)."""
    horizon_years: int
    per_1k_requests_usd: float
    per_slo_met_request_usd: float
    cumulative_usd: list[float]
    """Cash spent by the end of month m, m = 0 (purchase) .. 12 x horizon_years."""
    three_year_usd: float
    """Cash over 36 months whatever the horizon (the memo's and Compare's "3-year cost")."""
    gpu_bill: list[dict[str, float | str]]
    """The GPU line as rows: billed GPU-hours x USD per GPU-hour = USD (they sum to the line)."""
    gpu_hours: dict[str, float]
    """GPU-hours of the month by state (busy, ready_idle, starting), held and billed."""

    def as_dict(self) -> dict[str, object]:
        return {
            "monthly_usd": self.monthly_usd,
            "capex_usd": self.capex_usd,
            "opex_monthly_usd": self.opex_monthly_usd,
            "first_year_usd": self.first_year_usd,
            "three_year_usd": self.three_year_usd,
            "horizon_usd": self.horizon_usd,
            "horizon_years": self.horizon_years,
            "per_1k_requests_usd": self.per_1k_requests_usd,
            "per_slo_met_request_usd": self.per_slo_met_request_usd,
            "gpu_bill": self.gpu_bill,
            "gpu_hours": self.gpu_hours,
        }


def capex_per_device_usd(s: Scenario) -> float:
    if s.edge.capex_usd_per_device is not None:
        return s.edge.capex_usd_per_device
    return load_catalog().devices[s.edge.device].capex_usd.v


def uses_edge(s: Scenario, figures: dict[str, float]) -> bool:
    """An architecture pays for devices when it routes work to them."""
    if s.policy.routing.kind != "cloud_only":
        return s.edge.device_count > 0
    return figures.get("latency_ms_by_path.edge.share", 0.0) > 0


def uses_cloud(s: Scenario) -> bool:
    return s.policy.routing.kind != "edge_only"


def egress_usd(gb: float, free_gb: float, tiers: list[tuple[float | None, float]]) -> float:
    """Tiered egress price for a month's GB after the free allowance."""
    left, cost = max(gb - free_gb, 0.0), 0.0
    for size, price in tiers:
        take = left if size is None else min(left, size)
        cost += take * price
        left -= take
        if left <= 0:
            break
    return cost


def gpu_bill_rows(s: Scenario, figures: dict[str, float]) -> list[tuple[str, float, float]]:
    """The GPU line as (what, billed GPU-hours, USD per GPU-hour); their products sum to it.

    Billed hours come from ``simulations.billing`` (per-second increments with the offer's
    minimum per node start; a reservation's commitment in full plus overflow on demand).
    """
    if s.cloud.pricing != "reserved":
        return [(s.cloud.pricing, figures["cloud.gpu_hours_billed"], gpu_hourly_usd(s))]
    committed_h = s.cloud.reserved_replicas * HOURS_PER_MONTH
    overflow_h = figures["cloud.gpu_hours_billed"] - committed_h
    return [
        ("reserved commitment", committed_h, gpu_hourly_usd(s)),
        ("overflow on demand", max(overflow_h, 0.0), overflow_hourly_usd(s)),
    ]


def gpu_cost_usd(s: Scenario, figures: dict[str, float]) -> float:
    """GPU time as billed under the scenario's pricing model."""
    return sum(hours * price for _, hours, price in gpu_bill_rows(s, figures))


GPU_HOUR_STATES = ("busy", "ready_idle", "starting", "keep_alive")


def gpu_hours_by_state(figures: dict[str, float]) -> dict[str, float]:
    """Busy + ready-idle + starting + node keep-alive = held; billed adds the per-start minimums
    (or, reserved, the unused commitment)."""
    out = {k: figures.get(f"cloud.gpu_hours_{k}", 0.0) for k in GPU_HOUR_STATES}
    out["held"] = figures.get("cloud.gpu_hours", 0.0)
    out["billed"] = figures.get("cloud.gpu_hours_billed", 0.0)
    return out


def gpu_bill(s: Scenario, figures: dict[str, float]) -> list[dict[str, float | str]]:
    """The GPU line, row by row, as the Cost page and the JSON show it."""
    if not uses_cloud(s):
        return []
    return [
        {"billing": what, "billed_gpu_hours": h, "usd_per_gpu_hour": p, "usd": h * p}
        for what, h, p in gpu_bill_rows(s, figures)
    ]


ARTICLE_GPU_HOURS = (200.0, 300.0)
"""The source article's cloud option: 200-300 GPU-hours a month for 1M ~200-token chats."""


def busy_vs_billed_note(hours: dict[str, float]) -> str:
    """One sentence on why billed GPU-hours exceed busy ones, beside the article's figure."""
    lo, hi = ARTICLE_GPU_HOURS
    return (
        f"Busy GPU-hours ({hours['busy']:,.1f}) count only the time a GPU was serving requests, "
        f"which is what the article's {lo:.0f}-{hi:.0f} GPU-hours a month for 1M chats measure; "
        f"the provider bills every second a GPU is held ({hours['held']:,.1f} h: also ready but "
        f"idle {hours['ready_idle']:,.1f} h, starting {hours['starting']:,.1f} h, empty nodes kept "
        f"alive {hours['keep_alive']:,.1f} h) plus the "
        f"minimum charge per start, so billed GPU-hours are {hours['billed']:,.1f} and billed "
        "hours x price is the GPU line."
    )


def monthly_lines(s: Scenario, figures: dict[str, float]) -> tuple[dict[str, float], float]:
    """(amortised monthly lines, capex) for the architecture the scenario's policy describes."""
    lines = dict.fromkeys(EDGE_LINES + CLOUD_LINES, 0.0)
    capex = 0.0
    c = s.costs
    if uses_edge(s, figures):
        capex = capex_per_device_usd(s) * (s.edge.device_count + s.edge.spares)
        lines["edge_amortization"] = capex / s.edge.amortization_months
        lines["edge_power"] = figures["edge.energy_kwh"] * c.electricity_usd_per_kwh
        lines["edge_maintenance"] = capex * c.maintenance_pct_capex_per_year / 100 / 12
        lines["edge_ops_fees"] = c.ops_usd_per_device_month * s.edge.device_count
        lines["connectivity"] = c.connectivity_usd_per_site_month * s.edge.sites
    if uses_cloud(s):
        lines["cloud_gpu"] = gpu_cost_usd(s, figures)
        lines["cloud_egress"] = egress_usd(
            figures["egress_gb"], c.egress_free_gb_per_month, c.egress_tiers
        )
        lines["cloud_fixed"] = c.fixed_cloud_usd_per_month
    lines["total"] = sum(lines.values())
    return lines, capex


def cumulative_cash(capex: float, opex: float, life_months: int, months: int) -> list[float]:
    """Cash spent by the end of each month: capex at month 0 and at each end of life."""
    out, spent = [], 0.0
    for m in range(months + 1):
        if capex and m % life_months == 0 and m < months:
            spent += capex
        if m:
            spent += opex
        out.append(spent)
    return out


def estimate_monthly_cost(s: Scenario, figures: dict[str, float]) -> CostBreakdown:
    """Cost of the scenario's architecture from its simulated figures (flat dotted names)."""
    lines, capex = monthly_lines(s, figures)
    opex = lines["total"] - lines["edge_amortization"]
    months = 12 * s.costs.horizon_years
    cumulative = cumulative_cash(capex, opex, s.edge.amortization_months, months)
    requests = figures.get("requests_per_month.arrived", 0.0)
    met = requests * figures.get("slo_attainment", math.nan)
    return CostBreakdown(
        monthly_usd=lines,
        capex_usd=capex,
        opex_monthly_usd=opex,
        first_year_usd=cumulative[12],
        horizon_usd=cumulative[months],
        horizon_years=s.costs.horizon_years,
        per_1k_requests_usd=lines["total"] / requests * 1000 if requests else math.nan,
        per_slo_met_request_usd=lines["total"] / met if met and met > 0 else math.nan,
        cumulative_usd=cumulative,
        three_year_usd=cumulative_cash(capex, opex, s.edge.amortization_months, 36)[36],
        gpu_bill=gpu_bill(s, figures),
        gpu_hours=gpu_hours_by_state(figures),
    )


def break_even_month(edge_first: list[float], cloud_first: list[float]) -> int | None:
    """First month from which edge-first's cumulative cash stays at or below cloud-first's."""
    for m in range(len(edge_first)):
        if all(e <= c for e, c in zip(edge_first[m:], cloud_first[m:], strict=True)):
            return m
    return None
