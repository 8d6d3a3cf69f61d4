"""Flip checks: the verdict's "what would flip it" for volume, confirmed by simulation.

Like checking a back-of-the-envelope break-even against a real quote: the verdict scales this
run's costs to say "cloud-first if volume > 3.1M/month"; here the engine simulates the
scenario (and its counterparts) at that volume and, when the recommendation does change,
narrows the flip by bisection with simulations — the same machinery as the sensitivity tornado,
in the same parallel rounds.
"""

from __future__ import annotations

from typing import Any

from planner.formatting import compact
from planner.scenario import Scenario
from planner.sensitivity import Probe, arch, volume_input
from planner.sweeps import Outcome


def check_probes(s: Scenario, base: Outcome) -> list[Probe]:
    """One probe per scaled volume flip of the base verdict: from the stated volume (factor 1)
    to the flip point (the probe's far end)."""
    flips = base.get("volume_flips") or []
    return [
        Probe(volume_input(s, 1.0, float(factor), f"verdict: {option} (costs scaled)"), {})
        for factor, option in flips
    ]


def check_rows(s: Scenario, probes: list[Probe], base: str | None) -> list[dict[str, Any]]:
    """Per volume flip: the scaled estimate, what the engine recommends there, the simulated
    bracket, and one sentence saying which."""
    return [check_row(s, p, base) for p in probes]


def check_row(s: Scenario, p: Probe, base: str | None) -> dict[str, Any]:
    factor = p.inp.high_factor
    volume = s.workload.requests_per_month
    scaled_to = p.inp.range_from.removeprefix("verdict: ").removesuffix(" (costs scaled)")
    at = p.outcomes[factor]
    simulated = arch(at)
    bracket = None
    if p.bracket is not None:
        same, other = p.bracket
        bracket = [volume * same, volume * other]
    row = {
        "lever": "volume",
        "scaled_flip_requests_per_month": volume * factor,
        "scaled_to": scaled_to,
        "simulated_architecture": simulated,
        "simulated_between": bracket,
        "confirmed": simulated == scaled_to,
        "error": at.get("error"),
    }
    return row | {"text": check_text(row, base, volume * factor, factor > 1)}


def check_text(row: dict[str, Any], base: str | None, volume: float, up: bool) -> str:
    sign = ">" if up else "<"
    head = f"{row['scaled_to']} if volume {sign} {compact(volume)}/month (scaled)"
    if row["error"]:
        return f"{head}: not simulated at that volume ({row['error'].splitlines()[0][:160]})"
    if row["confirmed"] and row["simulated_between"]:
        lo, hi = sorted(row["simulated_between"])
        return (
            f"{head}: confirmed by simulation — the engine recommends {row['scaled_to']} at "
            f"{compact(volume)}; the simulated flip lies between {compact(lo)} and {compact(hi)}"
        )
    if row["simulated_architecture"] == base:
        return (
            f"{head}: NOT confirmed — simulated at {compact(volume)}, the engine still "
            f"recommends {base}; the scaled estimate misses what the simulation shows"
        )
    between = row["simulated_between"]
    where = (
        f"; it flips between {compact(min(between))} and {compact(max(between))}" if between else ""
    )
    return (
        f"{head}: simulated at {compact(volume)}, the engine recommends "
        f"{row['simulated_architecture']} instead{where}"
    )
