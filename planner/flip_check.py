"""Flip checks: the verdict's "what would flip it" for volume and GPU price, confirmed by
simulation.

Like checking a back-of-the-envelope break-even against a real quote: the verdict scales this
run's costs to say "cloud-first if volume > 3.1M/month" or "edge-first if the GPU hour cost >
$12.40"; here the engine simulates the scenario (and its counterparts, with the scenario's own
replications) at that point and, when the recommendation does change, narrows the flip by
bisection with simulations — the same machinery as the sensitivity tornado, in the same
parallel rounds.
"""

from __future__ import annotations

from typing import Any

from planner.formatting import compact, usd
from planner.scenario import Scenario, gpu_hourly_usd
from planner.sensitivity import Probe, arch, price_input, volume_input
from planner.sensitivity_inputs import Input
from planner.sweeps import Outcome

LEVERS = {"volume": "volume_flips", "GPU price": "price_flips"}


def check_probes(s: Scenario, base: Outcome) -> list[Probe]:
    """One probe per scaled flip of the base verdict: from the stated value (factor 1) to the
    flip point (the probe's far end)."""
    out = []
    for lever, key in LEVERS.items():
        for factor, option in base.get(key) or []:
            out.append(Probe(lever_input(s, lever, float(factor), str(option)), {}))
    return out


def lever_input(s: Scenario, lever: str, factor: float, option: str) -> Input:
    src = f"verdict: {option} (costs scaled)"
    if lever == "volume":
        return volume_input(s, 1.0, factor, src)
    p = price_input(s)
    return Input(p.name, p.unit, p.value, 1.0, factor, src, p.apply)


def check_rows(s: Scenario, probes: list[Probe], base: str | None) -> list[dict[str, Any]]:
    """Per scaled flip: the estimate, what the engine recommends there, the simulated bracket,
    and one sentence saying which."""
    return [check_row(s, p, base) for p in probes]


def lever_values(s: Scenario, lever: str) -> tuple[float, Any]:
    """The lever's stated value (as the verdict quotes it) and how a value of it reads."""
    if lever == "volume":
        return s.workload.requests_per_month, lambda x: f"{compact(x)}/month"
    return gpu_hourly_usd(s), lambda x: f"{usd(x, cents=True)}/GPU-hour"


def check_row(s: Scenario, p: Probe, base: str | None) -> dict[str, Any]:
    factor = p.inp.high_factor
    lever = "volume" if p.inp.name == "volume" else "GPU price"
    stated, _ = lever_values(s, lever)
    scaled_to = p.inp.range_from.removeprefix("verdict: ").removesuffix(" (costs scaled)")
    at = p.full[factor]
    simulated = arch(at)
    bracket = between = None
    if p.bracket is not None and p.confirmed:
        same, other = p.bracket
        bracket = [stated * same, stated * other]
        between = [
            {"overrides": p.inp.apply(s, f) if f != 1.0 else {}, "recommendation": arch(p.full[f])}
            for f in (same, other)
        ]
    row = {
        "lever": lever,
        "scaled_flip_at": stated * factor,
        "overrides": p.inp.apply(s, factor),
        "flip_between": between,
        "scaled_to": scaled_to,
        "simulated_architecture": simulated,
        "simulated_between": bracket,
        "confirmed": simulated == scaled_to,
        "error": at.get("error"),
    }
    if lever == "volume":  # the name the JSON has carried since the volume check came first
        row["scaled_flip_requests_per_month"] = stated * factor
    return row | {"text": check_text(s, row, base, factor > 1)}


def check_text(s: Scenario, row: dict[str, Any], base: str | None, up: bool) -> str:
    lever = row["lever"]
    _, fmt = lever_values(s, lever)
    at = fmt(row["scaled_flip_at"])
    what = "volume" if lever == "volume" else "the GPU hour cost"
    head = f"{row['scaled_to']} if {what} {'>' if up else '<'} {at} (scaled)"
    if row["error"]:
        where = "volume" if lever == "volume" else "price"
        return f"{head}: not simulated at that {where} ({row['error'].splitlines()[0][:160]})"
    if row["confirmed"] and row["simulated_between"]:
        lo, hi = sorted(row["simulated_between"])
        return (
            f"{head}: confirmed by simulation — the engine recommends {row['scaled_to']} at "
            f"{at}; the simulated flip lies between {fmt(lo)} and {fmt(hi)}"
        )
    if row["simulated_architecture"] == base:
        return (
            f"{head}: NOT confirmed — simulated at {at}, the engine still recommends {base}; "
            "the scaled estimate misses what the simulation shows"
        )
    between = row["simulated_between"]
    where = f"; it flips between {fmt(min(between))} and {fmt(max(between))}" if between else ""
    return (
        f"{head}: simulated at {at}, the engine recommends "
        f"{row['simulated_architecture']} instead{where}"
    )
