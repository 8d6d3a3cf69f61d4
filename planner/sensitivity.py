"""Sensitivity: which uncertain input moves the cost, the SLO attainment or the recommendation.

Like a stress test on a business plan: each uncertain input (volume, peak ratio, token sizes,
device speed, RTT, GPU price, cold start, MTBF; ranges in ``planner.sensitivity_inputs``) is
pushed to the low and the high end of its plausible range, one at a time, everything else as
stated, on the same traffic (common random numbers). The swing in monthly cost and SLO
attainment makes a tornado; where an end changes the recommendation, bisection between the
stated value and that end finds where it flips.

Screen, then confirm: the ends and the bisection run a cheap screen (one replication on the
main run's first seeds by default, so every swing is a difference on the same traffic); the
recommendation as stated and the two points either side of each flip are simulated with the
scenario's own replications (the main run's seeds), so a reported flip is one the full run
shows. Where the full run does not show the screen's flip, the search is repeated at full
replications from the end of the range (or the flip is dropped, and the row says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from planner.errors import ScenarioError
from planner.presets import apply_overrides
from planner.scenario import Scenario
from planner.sensitivity_inputs import (
    SPREAD_BY_CONFIDENCE as SPREAD_BY_CONFIDENCE,
)
from planner.sensitivity_inputs import (
    Input as Input,
)
from planner.sensitivity_inputs import (
    price_input as price_input,
)
from planner.sensitivity_inputs import (
    uncertain_inputs as uncertain_inputs,
)
from planner.sensitivity_inputs import (
    volume_input as volume_input,
)
from planner.sensitivity_text import value
from planner.sweeps import Given, Key, Outcome, Sweeper

BISECTION_ROUNDS = 3
POINTS_PER_ROUND = 2
"""Six evaluations per flip, in three rounds of two: the bracket narrows 27-fold (two rounds of
three: 16-fold), and on two cores each round is one evaluation's time, not two."""
SCREEN_REPLICATIONS = 1
NO_FLIP = "no flip within range"
LEAVES_SOME_ALONE = frozenset({"GPU price", "RTT", "cold start", "device speed", "MTBF"})
"""Inputs some architecture may not simulate (an edge-only fleet has no RTT, no cold start,
no GPU bill): their points start from the stated point's runs and sizes, replayed where an
architecture's engine inputs or configured run come out bit-identical."""
Job = tuple["Probe", float, bool]
"""(probe, factor, at full replications)."""


@dataclass
class Levels:
    """The scenario at the screen's replications (False) and at the full ones (True), and what
    is known of the stated point at each: its counterparts' runs, which a point whose input
    leaves them unchanged replays (``planner.sensitivity_runs``), and their sizes, which every
    other point's sizing starts from (``planner.sensitivity_sizing``)."""

    scenarios: dict[bool, Scenario]
    known: dict[bool, Given] = field(default_factory=dict)

    def __getitem__(self, full: bool) -> Scenario:
        return self.scenarios[full]

    def given(self, full: bool) -> Given:
        return self.known.get(full, {})


# --------------------------------------------------------------------------- the sweep
@dataclass(eq=False)
class Probe:
    """One input's evaluations by factor (screen and full), and its flip bracket if any."""

    inp: Input
    outcomes: dict[float, Outcome]
    """The screen's outcomes."""
    full: dict[float, Outcome] = field(default_factory=dict)
    """Outcomes at the scenario's own replications."""
    bracket: tuple[float, float] | None = None
    """(factor with the stated recommendation, factor with another one)."""
    end: float = 1.0
    """The end of the range the bracket lies towards."""
    confirmed: bool = False
    """Both bracket points simulated at full replications give the two recommendations."""
    note: str | None = None

    def store(self, full: bool) -> dict[float, Outcome]:
        return self.full if full else self.outcomes


def variant(s: Scenario, inp: Input, factor: float) -> Scenario:
    return apply_overrides(s, inp.apply(s, factor)) if factor != 1.0 else s


Started = list[tuple[Job, Key]]


def run_jobs(levels: Levels, jobs: list[Job], sweeper: Sweeper) -> None:
    """Evaluate each (probe, factor, full) not yet known, all in one parallel map."""
    finish_jobs(start_jobs(levels, jobs, sweeper), sweeper)


def start_jobs(levels: Levels, jobs: list[Job], sweeper: Sweeper) -> Started:
    """Submit each (probe, factor, full) not yet known; ``finish_jobs`` stores the outcomes."""
    scenarios, given, keep = [], [], []
    for p, f, full in dict.fromkeys(jobs):
        if f in p.store(full):
            continue
        try:
            scenarios.append(variant(levels[full], p.inp, f))
        except ScenarioError as exc:  # a value outside a field's range: not simulated
            p.store(full)[f] = {"error": str(exc).splitlines()[0]}
            continue
        given.append(levels.given(full) | {"flips": full and f == 1.0})  # stated point
        keep.append((p, f, full))
    return list(zip(keep, sweeper.submit(scenarios, "decide", given), strict=True))


def finish_jobs(started: Started, sweeper: Sweeper) -> None:
    outcomes = sweeper.gather([k for _, k in started])
    for ((p, f, full), _), o in zip(started, outcomes, strict=True):
        p.store(full)[f] = o


def arch(o: Outcome) -> str | None:
    return None if "error" in o else str(o["architecture"])


def open_brackets(probes: list[Probe], base: str | None, full: bool) -> None:
    """A probe whose end gives another recommendation gets the bracket (stated value, end)."""
    for p in probes:
        for end in (p.inp.low_factor, p.inp.high_factor):
            o = p.store(full).get(end)
            if p.bracket is None and o is not None and arch(o) not in (base, None):
                p.bracket, p.end = (1.0, end), end


def bisect(
    levels: Levels, probes: list[Probe], base: str | None, sweeper: Sweeper, full: bool
) -> None:
    """Narrow every bracketed probe's flip, the probes side by side (one map per round)."""
    active = [p for p in probes if p.bracket is not None]
    for _ in range(BISECTION_ROUNDS):
        grids = [interior(p.bracket) for p in active]
        jobs = [(p, f, full) for p, g in zip(active, grids, strict=True) for f in g]
        run_jobs(levels, jobs, sweeper)
        for p, grid in zip(active, grids, strict=True):
            assert p.bracket is not None
            same, other = p.bracket
            for f in grid:  # ordered from the stated side towards the flipping end
                if arch(p.store(full)[f]) == base:
                    same = f
                else:
                    other = f
                    break
            p.bracket = (same, other)


def confirm(levels: Levels, probes: list[Probe], base: str | None, sweeper: Sweeper) -> None:
    """Re-simulate each screened bracket's two points at full replications. Where they do not
    give the two recommendations, search again at full replications from the range's end."""
    active = [p for p in probes if p.bracket is not None]
    run_jobs(levels, [(p, f, True) for p in active for f in p.bracket or ()], sweeper)
    retry = []
    for p in active:
        assert p.bracket is not None
        same, other = (arch(p.full[f]) for f in p.bracket)
        p.confirmed = same == base and other not in (base, None)
        if not p.confirmed:
            retry.append(p)
    run_jobs(levels, [(p, p.end, True) for p in retry], sweeper)
    again = []
    for p in retry:
        if arch(p.full[p.end]) in (base, None):
            p.bracket, p.note = None, unconfirmed_note(p, levels)
        else:
            p.bracket = (1.0, p.end)
            again.append(p)
    bisect(levels, again, base, sweeper, full=True)
    for p in again:
        p.confirmed = True


def known_of(o: Outcome) -> Given:
    """What a stated point's evaluation tells the sweep's other points: its sized
    counterparts (as sizing hints) and its counterparts' runs (none when it came from the
    Overview's run, which keeps only their means)."""
    return {"sizing": dict(o.get("sizing") or {}), "replays": dict(o.get("replays") or {})}


def unconfirmed_note(p: Probe, levels: Levels) -> str:
    n = levels[True].simulation.replications
    return (
        f"the {levels[False].simulation.replications}-replication screen showed a flip towards "
        f"{value(p.inp.at(p.end), p.inp.unit)} ({p.inp.unit}); with the scenario's {n} "
        "replications the recommendation holds there, so no flip is reported"
    )


def interior(bracket: tuple[float, float] | None) -> list[float]:
    """POINTS_PER_ROUND factors evenly spaced in log between the bracket's ends."""
    assert bracket is not None
    a, b = math.log(bracket[0]), math.log(bracket[1])
    n = POINTS_PER_ROUND + 1
    return [math.exp(a + (b - a) * k / n) for k in range(1, n)]


def levels_of(s: Scenario, replications: int | None) -> Levels:
    main = s.simulation.replications
    screen = min(replications or SCREEN_REPLICATIONS, main)
    return Levels({False: apply_overrides(s, {"simulation.replications": screen}), True: s})


def sensitivity(
    s: Scenario,
    sweeper: Sweeper,
    replications: int | None = None,
    base: Outcome | None = None,
) -> dict[str, Any]:
    """The tornado: per input the swing in cost and attainment and where the decision flips.

    ``replications``: the screen's, per point (default SCREEN_REPLICATIONS; at most the
    scenario's own, whose value makes the screen the full run). The stated point and each
    flip's bracket run the scenario's own replications on the main run's seeds; ``base`` is
    that evaluation when the caller has it already (the Overview's run). The verdict's scaled
    volume and GPU-price flips are re-simulated and bisected in the same rounds.
    """
    from planner.flip_check import check_probes, check_rows

    levels = levels_of(s, replications)
    probes = [Probe(inp, {}) for inp in uncertain_inputs(s)]
    anchor = Probe(probes[0].inp, {}, {1.0: base} if base else {})
    ends = [(p, f, False) for p in probes for f in (p.inp.low_factor, p.inp.high_factor)]
    if base is not None and levels[False] == levels[True]:
        anchor.outcomes[1.0] = base  # the screen is the full run: the given base serves both
    # the stated point first; the ends of an input some architecture cannot see wait for it
    # (they replay its runs and sizes), the others start beside it
    stated = start_jobs(levels, [(anchor, 1.0, False)], sweeper)
    stated_full = start_jobs(levels, [(anchor, 1.0, True)], sweeper)
    waiting = [j for j in ends if j[0].inp.name in LEAVES_SOME_ALONE]
    started = start_jobs(levels, [j for j in ends if j not in waiting], sweeper)
    finish_jobs(stated, sweeper)
    levels.known[False] = known_of(anchor.outcomes[1.0])
    started += start_jobs(levels, waiting, sweeper)
    finish_jobs(stated_full, sweeper)
    levels.known[True] = known_of(anchor.full[1.0])
    finish_jobs(started, sweeper)
    full_base, screen_base = anchor.full[1.0], anchor.outcomes[1.0]
    rec = arch(full_base)
    checks = check_probes(s, full_base)
    for p in [*probes, *checks]:
        p.outcomes[1.0], p.full[1.0] = screen_base, full_base
    run_jobs(levels, [(c, c.inp.high_factor, True) for c in checks], sweeper)
    open_brackets(probes, rec, full=False)
    open_brackets(checks, rec, full=True)
    bisect(levels, [*probes, *checks], rec, sweeper, full=False)
    confirm(levels, [*probes, *checks], rec, sweeper)
    rows = sorted((row_of(s, p, rec) for p in probes), key=swing, reverse=True)
    main_reps = s.simulation.replications
    screen_reps = levels[False].simulation.replications
    return {
        "scenario": s.name,
        "recommendation": rec,
        "routing": s.policy.routing.kind,
        "base": {k: full_base.get(k) for k in ("monthly_usd", "slo_attainment", "p95_ms")},
        "replications": screen_reps,
        "confirm_replications": main_reps,
        "precision": precision(screen_reps, main_reps),
        "rows": rows,
        "flip_checks": check_rows(s, checks, rec),
        "evaluated": sweeper.evaluations,
    }


def precision(reps: int, main_reps: int) -> str:
    if reps == main_reps:
        return (
            f"each point: {reps} replication{'s' if reps > 1 else ''} on the main run's seeds "
            "(common random numbers): the stated point is the main run, and each swing is a "
            "difference on the same traffic"
        )
    return (
        f"ends and bisection: {reps} replication{'s' if reps > 1 else ''} on the main run's "
        "first seeds (common random numbers: each swing is a difference on the same traffic; "
        "swings smaller than the main run's 95 % intervals may be noise); the stated "
        f"recommendation and the two points either side of each flip: the main run's {main_reps}"
        " replications"
    )


def row_of(s: Scenario, p: Probe, base: str | None) -> dict[str, Any]:
    """One tornado row: the screen's figures at either end (beside the screen's stated point,
    so each bar is a difference on the same traffic), the recommendation there (the full run's
    where an end was simulated at full replications) and the confirmed flip, if any."""
    lo, hi = p.inp.low_factor, p.inp.high_factor
    o_lo, o_base, o_hi = p.outcomes[lo], p.outcomes[1.0], p.outcomes[hi]

    def triple(key: str) -> dict[str, Any]:
        return {"low": o_lo.get(key), "base": o_base.get(key), "high": o_hi.get(key)}

    def rec_at(f: float) -> str | None:
        return arch(p.full[f]) if f in p.full else arch(p.outcomes[f])

    flip: Any = NO_FLIP
    flip_to = between = None
    if p.bracket is not None and p.confirmed:
        same, other = p.bracket
        flip = p.inp.at(math.sqrt(same * other))  # the bracket's geometric midpoint
        flip_to = arch(p.full[other])
        between = [
            {
                "value": p.inp.at(f),
                "overrides": p.inp.apply(s, f) if f != 1.0 else {},
                "recommendation": arch(p.full[f]),
            }
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
        "recommendation": {"low": rec_at(lo), "base": base, "high": rec_at(hi)},
        "flip_at": flip,
        "flip_to": flip_to,
        "flip_between": between,  # simulated either side at full replications
        "note": p.note,
        "errors": [o["error"] for o in (o_lo, o_hi) if "error" in o],
    }


def swing(row: dict[str, Any]) -> float:
    m = row["monthly_usd"]
    values = [v for v in (m["low"], m["high"], m["base"]) if v is not None and v == v]
    return max(values) - min(values) if values else 0.0
