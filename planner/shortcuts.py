"""Which shortcuts a plan may take, and what it says about each.

Like a survey's methods note: a sample of sites is fine only where the sites are alike and
nothing they share (the GPU pool) would see a shrunken crowd; a month of representative days is
fine only where each day's randomness plays out within a day, and the note says when it does not
(device failures rarer than one a day) or why the whole month is simulated instead.
"""

from __future__ import annotations

from planner.month_check import measured_gap
from planner.scenario import Scenario

FULL_MONTH_MAX_REQUESTS = 250_000


def rare_failures(s: Scenario, k: int) -> str | None:
    """Device failures too rare for one simulated day to measure (< 1 a day), in words."""
    if s.policy.routing.kind == "cloud_only" or s.edge.device_count == 0:
        return None
    devices = s.edge.device_count * k / s.edge.sites
    per_day = devices * 24 / s.edge.mtbf_hours
    if per_day >= 1:
        return None
    return (
        f"device failures are rare ({per_day:.2g} a day across {devices:g} simulated devices, "
        f"each down about {s.edge.mttr_hours:g} h)"
    )


def horizon_notes(
    s: Scenario, horizon: str, budget: bool, month_expected: float, k: int
) -> list[str]:
    """Why the plan simulates the whole month, or what representative days measure loosely."""
    rare = rare_failures(s, k)
    if horizon == "representative_days":
        # rare failures: planner.failure_strata simulates each state and says so
        gap = measured_gap(s)
        return [gap] if gap else []
    if s.simulation.horizon == "full_month":
        why = f"{rare}, so one representative day would see none or one of them" if rare else ""
        return [f"simulated the whole month (simulation.horizon){': ' + why if why else ''}"]
    if budget:
        return ["simulated the whole month: a monthly budget carries state across days"]
    return [
        f"simulated the whole month: about {month_expected:,.0f} requests, within the "
        f"{FULL_MONTH_MAX_REQUESTS:,} a full month is simulated for"
    ]


def identical_sites(s: Scenario) -> bool:
    """Every site has the same devices and the same link (traffic shares are always equal)."""
    even = s.edge.device_count % s.edge.sites == 0
    return even and all(v == s.network.link for v in s.network.site_links.values())


def sites_to_simulate(s: Scenario, notes: list[str]) -> int:
    """Sites to simulate: a sample only of identical sites that share no GPU pool.

    Sites routing work to the shared pool are simulated in full: a sample would hand the pool
    a fraction of the fleet's traffic, and batching and queueing are not linear in load.
    """
    n, asked = s.edge.sites, s.simulation.sites_simulated
    if asked is None or asked >= n:
        return n
    if not identical_sites(s):
        notes.append(
            f"simulated all {n} sites (simulation.sites_simulated = {asked} ignored): the sites "
            "differ in devices or link, so no sample of them is representative"
        )
        return n
    if s.policy.routing.kind != "edge_only":
        notes.append(
            f"simulated all {n} sites (simulation.sites_simulated = {asked} ignored): they share "
            "the GPU pool, which must see the whole fleet's cloud traffic"
        )
        return n
    notes.append(f"simulated {asked} of {n} identical sites; figures scaled x{n / asked:g}")
    return asked


def work_remedies(s: Scenario) -> str:
    """What the user can set to shrink a refused run, naming only what applies to this scenario."""
    fields = []
    if s.edge.sites > 1 and s.policy.routing.kind == "edge_only" and identical_sites(s):
        fields.append("simulation.sites_simulated")
    fields.append("simulation.hours_per_day_simulated (profiles flat over their open hours)")
    fields.append("simulation.replications")
    out = "Lower " + ", ".join(fields[:-1]) + " or " + fields[-1]
    if s.edge.sites > 1 and s.policy.routing.kind != "edge_only":
        out += (
            " (sites are not sampled here: they share the GPU pool, which must see the whole "
            "fleet's cloud traffic)"
        )
    return out
