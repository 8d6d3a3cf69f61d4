"""Sensitivity: which uncertain input moves the cost, the SLO attainment or the recommendation.

Like a stress test on a business plan: each uncertain input (volume, peak ratio, token sizes,
device speed, RTT, GPU price, cold start, MTBF) is pushed to the low and the high end of its
plausible range, one at a time, everything else as stated, on the same traffic (common random
numbers). The swing in monthly cost and SLO attainment makes a tornado; where an end changes
the recommendation, bisection between the stated value and that end finds where it flips.

Ranges: a catalog figure's confidence grade sets its spread (H ±10 %, M-H ±20 %, M ±25 %,
L-M ±35 %, L ±50 %); inputs the architect states (volume, peak ratio, token sizes, cold start,
MTBF, a typed price) have stated ranges, listed with each input. Each evaluation runs one
replication (a sweep trades intervals for breadth).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.catalog import Figure, load_catalog
from planner.engine_inputs import edge_llm_speeds, edge_vision_s
from planner.errors import ScenarioError
from planner.plan import hourly_shape
from planner.presets import apply_overrides
from planner.scenario import Scenario
from planner.sweeps import Outcome, Sweeper

SPREAD_BY_CONFIDENCE = {"H": 0.10, "M-H": 0.20, "M": 0.25, "L-M": 0.35, "L": 0.50}
BISECTION_ROUNDS = 2
POINTS_PER_ROUND = 3
NO_FLIP = "no flip within range"
Apply = Callable[[Scenario, float], dict[str, Any]]


@dataclass(frozen=True)
class Input:
    name: str
    unit: str
    value: float
    """The stated value, in ``unit``."""
    low_factor: float
    high_factor: float
    range_from: str
    apply: Apply
    """Overrides that scale the input by a factor (1 = as stated)."""
    scales_deviation: bool = False
    """The factor scales the value's excess over 1 (a peak/mean ratio), not the value."""

    def at(self, factor: float) -> float:
        """The input's value, in ``unit``, at a factor."""
        if self.scales_deviation:
            return 1 + (self.value - 1) * factor
        return self.value * factor


def spread(fig: Figure) -> tuple[float, float, str]:
    conf = fig.grade.split("/")[1]
    d = SPREAD_BY_CONFIDENCE[conf]
    return 1 - d, 1 + d, f"grade {fig.grade}"


def uncertain_inputs(s: Scenario) -> list[Input]:
    """The inputs that apply to this scenario's architecture, with their ranges."""
    cat = load_catalog()
    kind = s.policy.routing.kind
    device, link = cat.devices[s.edge.device], cat.links[s.network.link]
    uses_edge = kind != "cloud_only" and s.edge.device_count > 0
    out = [volume_input(s, 0.5, 2.0, "stated ×0.5-×2")]
    shape = hourly_shape(s.workload)
    if float(shape.max()) > float(shape.mean()) * 1.001:
        out.append(peak_input(s, shape))
    out.append(size_input(s))
    if uses_edge:
        out.append(device_input(s, device))
        lo, hi = 0.5, 2.0
        out.append(
            Input(
                "MTBF",
                "hours",
                s.edge.mtbf_hours,
                lo,
                hi,
                "stated ×0.5-×2",
                lambda _s, f: {"edge.mtbf_hours": _s.edge.mtbf_hours * f},
            )
        )
    if kind != "edge_only":
        lo, hi, src = spread(link.rtt_median_ms)
        out.append(
            Input(
                "RTT",
                "ms (median)",
                link.rtt_median_ms.v * s.network.rtt_multiplier,
                lo,
                hi,
                src,
                lambda _s, f: {"network.rtt_multiplier": _s.network.rtt_multiplier * f},
            )
        )
        out.append(price_input(s))
        out.append(cold_start_input(s))
    return out


def volume_input(s: Scenario, low: float, high: float, range_from: str) -> Input:
    return Input(
        "volume",
        "requests/month",
        s.workload.requests_per_month,
        low,
        high,
        range_from,
        lambda _s, f: {"workload.requests_per_month": _s.workload.requests_per_month * f},
    )


def peak_input(s: Scenario, shape: np.ndarray) -> Input:
    mean = float(shape.mean())

    def apply(_s: Scenario, f: float) -> dict[str, Any]:
        weights = np.maximum(mean + f * (shape - mean), 0.0)
        return {"workload.daily_profile": [round(float(w), 9) for w in weights]}

    ratio = float(shape.max()) / mean
    return Input("peak ratio", "peak/mean", ratio, 0.7, 1.3, "stated ±30 % of excess", apply, True)


def size_input(s: Scenario) -> Input:
    classes = s.workload.request_classes
    if s.workload.is_llm:

        def apply(_s: Scenario, f: float) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for i, c in enumerate(_s.workload.request_classes):
                if c.kind == "llm":
                    out[f"workload.request_classes.{i}.prompt_tokens_mean"] = (
                        c.prompt_tokens_mean * f
                    )
                    out[f"workload.request_classes.{i}.output_tokens_mean"] = (
                        c.output_tokens_mean * f
                    )
            return out

        c0 = classes[0]
        value = c0.prompt_tokens_mean + c0.output_tokens_mean if c0.kind == "llm" else math.nan
        return Input("token sizes", "tokens/request", value, 0.7, 1.3, "stated ±30 %", apply)

    def apply_kb(_s: Scenario, f: float) -> dict[str, Any]:
        return {
            f"workload.request_classes.{i}.payload_kb": c.payload_kb * f
            for i, c in enumerate(_s.workload.request_classes)
            if c.kind == "vision"
        }

    c0 = classes[0]
    value = c0.payload_kb if c0.kind == "vision" else math.nan
    return Input("frame size", "kB", value, 0.7, 1.3, "stated ±30 %", apply_kb)


def device_input(s: Scenario, device: Any) -> Input:
    llm = edge_llm_speeds(s, device)
    if s.workload.is_llm and llm is not None:
        lo, hi, src = spread(device.llm.decode_tps)
        prefill, decode, _ = llm
        return Input(
            "device speed",
            "decode tokens/s",
            decode,
            lo,
            hi,
            src,
            lambda _s, f: {
                "edge.llm_prefill_tokens_per_s": prefill * f,
                "edge.llm_decode_tokens_per_s": decode * f,
            },
        )
    p50, p99 = edge_vision_s(s, device) or (math.nan, math.nan)
    lo, hi, src = spread(device.vision.latency_p50_ms) if device.vision else (0.7, 1.3, "stated")
    return Input(
        "device speed",
        "frames/s",
        1 / p50,
        lo,
        hi,
        src,
        lambda _s, f: {"edge.vision_p50_ms": p50 * 1000 / f, "edge.vision_p99_ms": p99 * 1000 / f},
    )


def price_input(s: Scenario) -> Input:
    gpu = load_catalog().gpus[s.cloud.gpu]
    fig = gpu.serverless_hourly_usd if s.cloud.pricing == "serverless" else gpu.on_demand_hourly_usd
    if s.cloud.gpu_hourly_usd is not None:
        base, (lo, hi, src) = s.cloud.gpu_hourly_usd, (0.7, 1.3, "stated ±30 %")
    else:
        base, (lo, hi, src) = fig.v, spread(fig)
    return Input(
        "GPU price",
        "USD/GPU-hour",
        base,
        lo,
        hi,
        src,
        lambda _s, f: {"cloud.gpu_hourly_usd": base * f},
    )


def cold_start_input(s: Scenario) -> Input:
    stages = s.cloud.cold_start.model_dump()
    total = sum(st["median_s"] for st in stages.values())

    def apply(_s: Scenario, f: float) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, st in stages.items():
            out[f"cloud.cold_start.{name}.median_s"] = min(st["median_s"] * f, 7200)
            out[f"cloud.cold_start.{name}.p95_s"] = min(st["p95_s"] * f, 7200)
        return out

    return Input("cold start", "s (median, all stages)", total, 0.5, 2.0, "stated ×0.5-×2", apply)


# --------------------------------------------------------------------------- the sweep
@dataclass
class Probe:
    """One input's evaluations: factor -> outcome, and its bisection interval when it flips."""

    inp: Input
    outcomes: dict[float, Outcome]
    bracket: tuple[float, float] | None = None
    """(factor with the stated recommendation, factor with another one)."""


def variant(s: Scenario, inp: Input, factor: float) -> Scenario:
    return apply_overrides(s, inp.apply(s, factor)) if factor != 1.0 else s


def run_factors(
    s: Scenario, probes: list[Probe], factors: list[list[float]], sweeper: Sweeper
) -> None:
    """Evaluate each probe at its factors, all in one parallel map."""
    jobs = [(p, f) for p, fs in zip(probes, factors, strict=True) for f in fs]
    scenarios, keep = [], []
    for p, f in jobs:
        try:
            scenarios.append(variant(s, p.inp, f))
            keep.append((p, f))
        except ScenarioError as exc:  # a value outside a field's range: not simulated
            p.outcomes[f] = {"error": str(exc).splitlines()[0]}
    for (p, f), o in zip(keep, sweeper.map(scenarios, "decide"), strict=True):
        p.outcomes[f] = o


def arch(o: Outcome) -> str | None:
    return None if "error" in o else str(o["architecture"])


def bisect(s: Scenario, probes: list[Probe], base: str | None, sweeper: Sweeper) -> None:
    """Narrow every flipping probe's bracket, the probes side by side (one map per round)."""
    for p in probes:
        for end in (p.inp.low_factor, p.inp.high_factor):
            if (
                end in p.outcomes
                and p.bracket is None
                and arch(p.outcomes[end]) not in (base, None)
            ):
                p.bracket = (1.0, end)
    active = [p for p in probes if p.bracket is not None]
    for _ in range(BISECTION_ROUNDS):
        grids = [interior(p.bracket) for p in active if p.bracket]
        run_factors(s, active, grids, sweeper)
        for p, grid in zip(active, grids, strict=True):
            assert p.bracket is not None
            same, other = p.bracket
            for f in grid:  # ordered from the stated side towards the flipping end
                if arch(p.outcomes[f]) == base:
                    same = f
                else:
                    other = f
                    break
            p.bracket = (same, other)


def interior(bracket: tuple[float, float] | None) -> list[float]:
    """POINTS_PER_ROUND factors evenly spaced in log between the bracket's ends."""
    assert bracket is not None
    a, b = math.log(bracket[0]), math.log(bracket[1])
    n = POINTS_PER_ROUND + 1
    return [math.exp(a + (b - a) * k / n) for k in range(1, n)]


def sensitivity(s: Scenario, sweeper: Sweeper, replications: int | None = None) -> dict[str, Any]:
    """The tornado: per input the swing in cost and attainment and where the decision flips.

    Each point runs ``replications`` replications (default: the scenario's own, on the same
    seeds as its main run, so the base point *is* the main run and every swing is a difference
    on common random numbers). The verdict's volume flips (costs scaled from the run) are
    re-simulated at their flip point and bisected by simulation in the same rounds.
    """
    from planner.flip_check import check_probes, check_rows

    main_reps = s.simulation.replications
    reps = replications or main_reps
    s = apply_overrides(s, {"simulation.replications": reps})
    probes = [Probe(inp, {}) for inp in uncertain_inputs(s)]
    base = sweeper.map([s], "decide")[0]
    checks = check_probes(s, base)
    for p in [*probes, *checks]:
        p.outcomes[1.0] = base
    ends = [[p.inp.low_factor, p.inp.high_factor] for p in probes]
    run_factors(s, [*probes, *checks], ends + [[c.inp.high_factor] for c in checks], sweeper)
    bisect(s, [*probes, *checks], arch(base), sweeper)
    rows = sorted((row_of(s, p) for p in probes), key=swing, reverse=True)
    return {
        "scenario": s.name,
        "recommendation": arch(base),
        "routing": s.policy.routing.kind,
        "base": {k: base.get(k) for k in ("monthly_usd", "slo_attainment", "p95_ms")},
        "replications": reps,
        "precision": precision(reps, main_reps),
        "rows": rows,
        "flip_checks": check_rows(s, checks, arch(base)),
        "evaluated": sweeper.evaluations,
    }


def precision(reps: int, main_reps: int) -> str:
    same = reps == main_reps
    head = f"each point: {reps} replication{'s' if reps > 1 else ''}"
    if same:
        return (
            f"{head} on the main run's seeds (common random numbers): the base point is the "
            "main run, and each swing is a difference on the same traffic"
        )
    return (
        f"{head} (the main run has {main_reps}) on the same seeds: swings smaller than the main "
        "run's 95 % intervals may be noise"
    )


def row_of(s: Scenario, p: Probe) -> dict[str, Any]:
    lo, hi = p.inp.low_factor, p.inp.high_factor
    o_lo, o_base, o_hi = p.outcomes[lo], p.outcomes[1.0], p.outcomes[hi]

    def triple(key: str) -> dict[str, Any]:
        return {"low": o_lo.get(key), "base": o_base.get(key), "high": o_hi.get(key)}

    flip: Any = NO_FLIP
    flip_to = between = None
    if p.bracket is not None:
        same, other = p.bracket
        flip = p.inp.at(math.sqrt(same * other))  # the bracket's geometric midpoint
        flip_to = arch(p.outcomes[other])
        between = [
            {"value": p.inp.at(f), "overrides": p.inp.apply(s, f) if f != 1.0 else {}}
            for f in (same, other)
        ]
    return {
        "input": p.inp.name,
        "unit": p.inp.unit,
        "value": p.inp.value,
        "low": p.inp.at(lo),
        "high": p.inp.at(hi),
        "range_from": p.inp.range_from,
        "monthly_usd": triple("monthly_usd"),
        "slo_attainment": triple("slo_attainment"),
        "recommendation": {"low": arch(o_lo), "base": arch(o_base), "high": arch(o_hi)},
        "flip_at": flip,
        "flip_to": flip_to,
        "flip_between": between,  # simulated either side: the stated recommendation, the other
        "errors": [o["error"] for o in (o_lo, o_hi) if "error" in o],
    }


def swing(row: dict[str, Any]) -> float:
    m = row["monthly_usd"]
    values = [v for v in (m["low"], m["high"], m["base"]) if v is not None and v == v]
    return max(values) - min(values) if values else 0.0
