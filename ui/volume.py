"""The volume slider's limit: the largest monthly volume the engine's work limit accepts for
a scenario, and the message for a volume over it (from a link).

Like a lift's load plate: the figure is the lift's rating, not how full the building is today.
The limit is the request limit of the engine that would run the scenario (its plan built at
trial volumes, bisected on a log scale, nothing simulated), never the memory free on the
server at the moment: a link valid here must be valid on a colleague's server, and the slider's
range must not change between two reruns.
"""

from __future__ import annotations

import math

import streamlit as st

from planner.errors import ScenarioError
from planner.presets import apply_overrides
from planner.scenario import Scenario
from ui import state

LIMIT = "volume_limit_for"


def held_limit(s: Scenario, schema_max: float) -> tuple[float, str]:
    """The volume limit, computed once per scenario and held for the session (a bisection of
    plans: cheap, but not free on every rerun). The slider's maximum is part of its widget
    identity: a different maximum makes Streamlit drop the slider's state."""
    here = state.canonical(s)
    held = st.session_state.get(LIMIT)
    if held is None or held[0] != here:
        held = (here, limit(s, schema_max))
        st.session_state[LIMIT] = held
    found: tuple[float, str] = held[1]
    return found


def refusal(s: Scenario, top: float, why: str) -> str | None:
    """Why a volume over the slider's limit (from a link or the CLI's YAML) is not simulated,
    naming the field and its allowed range; None within it. Checked before the run, so the
    message is the same on every server (the run's own memory check depends on the machine)."""
    volume = s.workload.requests_per_month
    if volume <= top * (1 + 1e-9):
        return None
    return (
        f"requests per month (workload.requests_per_month) = {volume:,.0f} is over this "
        f"scenario's limit: allowed 1 to {top:,.0f} ({why}). {RAISE_LIMIT} The slider shows "
        "the limit: press Run to simulate that volume."
    )


def within_work_limit(s: Scenario) -> bool:
    """Whether the scenario's main run fits the request limit of the engine that would run it.

    The same request test as the run's (``planner.plan.check_work``) without its memory test:
    the memory free on the server changes from minute to minute and from server to server, and
    the slider's range must not (a link valid here must be valid on a colleague's server). A
    run the memory cannot hold is still refused, with its estimate, when it is asked for.
    """
    from planner.engines import DEFAULT_ENGINE, cost_of
    from planner.plan import WorkLimitError, request_limit
    from planner.prepare import pick_engines, plan_variants

    try:
        variants, plans, _ = plan_variants(s, False)
        picks, _ = pick_engines(variants, plans, DEFAULT_ENGINE)
    except (ScenarioError, WorkLimitError):
        return False
    total = plans["main"].expected_requests * s.simulation.replications
    return total <= request_limit(s, cost_of(list(picks["main"])))


def limit(s: Scenario, schema_max: float) -> tuple[float, str]:
    """The largest monthly volume the engine's work limit accepts for this scenario, and why:
    the plan is built and its engine picked (no simulation) at trial volumes, bisected on a
    log scale. Deterministic: it depends on the scenario only, never on the machine."""

    def accepted(volume: float) -> bool:
        try:
            v = apply_overrides(s, {"workload.requests_per_month": volume})
        except ScenarioError:
            return False
        return within_work_limit(v)

    if accepted(schema_max):
        return schema_max, "the schema's bound"
    lo, hi = 0.0, math.log10(schema_max)
    if not accepted(10**lo):
        return 10**lo, "the engine's work limit refuses even 1 request a month"
    for _ in range(20):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if accepted(10**mid) else (lo, mid)
    return 10**lo, f"the engine's work limit at {s.simulation.replications} replications"


RAISE_LIMIT = (
    "The limit counts simulated requests over all replications (sampled hours and sites keep "
    "it far below the month's volume); fewer replications raise it (a link cannot raise the "
    "server's work limit: simulate a larger run from the command line)."
)
