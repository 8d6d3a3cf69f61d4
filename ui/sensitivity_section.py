"""Sensitivity section (Overview, Optimise): the tornado of the current scenario, where its
decision flips, and the verdict's volume flip re-simulated. Computed on request — a sweep of
simulations must never hold up the first answer — and kept per scenario link in the session,
so the other page and the memo show it without simulating again."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from planner import sensitivity_text as text
from planner.errors import ScenarioError
from planner.run import RunResult
from planner.scenario import Scenario
from planner.sensitivity import SCREEN_REPLICATIONS, sensitivity, uncertain_inputs
from planner.sweeps import INPROCESS, Outcome, clean, outcome_of, sweeper
from ui import state, tool_charts
from ui.common import markdown_cells, page_scheduler
from ui.timings import Timings, cache_dir


def key(s: Scenario, replications: int) -> str:
    return repr(("sensitivity", state.canonical(s), replications))


def computed(s: Scenario) -> dict[str, Any] | None:
    """The sensitivity of this scenario computed in this session (the screen first)."""
    for reps in dict.fromkeys((SCREEN_REPLICATIONS, s.simulation.replications)):
        out: dict[str, Any] | None = st.session_state.get(key(s, reps))
        if out:
            return out
    return None


@st.cache_resource
def timings() -> Timings:
    """One log per server, read from the cache directory's file: a restart keeps what earlier
    sensitivity runs took here (the estimate on the Overview was uncalibrated after each)."""
    return Timings(cache_dir())


def naive_seconds(s: Scenario, r: RunResult | None, replications: int) -> float | None:
    """The minimum evaluations (the stated point, each input's two ends) at the stated run's
    measured speed per replication; None without a run."""
    if r is None:
        return None
    per = r.engine["wall_s"] * replications / max(1, r.engine["replications"])
    return (1 + 2 * len(uncertain_inputs(s))) * per


def estimate_text(s: Scenario, r: RunResult | None, replications: int) -> str:
    n = 1 + 2 * len(uncertain_inputs(s))
    where = (
        "in the dashboard's process"
        if page_scheduler() == INPROCESS
        else f"on the Dask scheduler {page_scheduler()}"
    )
    head = f"At least {n} evaluations (the scenario and its counterparts at each input's ends; "
    head += f"more when a flip is bisected and confirmed), {where}"
    t = timings()
    measured = t.measured(key(s, replications))
    ratios = t.sorted_ratios()
    if measured:
        return (
            f"{head}. Measured on this server for this scenario: {measured[0]:,.0f} s "
            f"({measured[1]} evaluations)."
        )
    naive = naive_seconds(s, r, replications)
    if naive is None:
        return head + "."
    if not ratios:
        return (
            f"{head}: roughly {naive:,.0f} s at this run's speed, uncalibrated (bisection adds "
            "evaluations, shared work saves some); the first sensitivity measured on this "
            "server calibrates the estimate."
        )
    factor = ratios[len(ratios) // 2]
    return (
        f"{head}: roughly {naive * factor:,.0f} s, i.e. {naive:,.0f} s at this run's speed "
        f"times {factor:,.1f}, the median of measured / that estimate over the last "
        f"{len(ratios)} sensitivity run{'s' if len(ratios) > 1 else ''} on this server."
    )


def base_outcome(s: Scenario, r: RunResult | None) -> Outcome | None:
    """The Overview's own run as the sweep's stated point (a full run of this very scenario,
    with its counterparts), so the sweep does not simulate it again."""
    if r is None or r.verdict is None or r.engine.get("mode", "full") != "full":
        return None
    if state.canonical(r.scenario) != state.canonical(s):
        return None
    return outcome_of(r)


def render(s: Scenario, r: RunResult | None = None, level: int = 2) -> None:
    """The section; ``level`` 2 is a page section (header), 3 a subsection (Overview)."""
    (st.header if level == 2 else st.subheader)("Sensitivity")
    main = s.simulation.replications
    st.caption(
        "Each uncertain input at the low and the high end of its range (catalog figures by "
        "their confidence grade, stated inputs by stated ranges), one at a time, on the same "
        "traffic; where an end changes the recommendation, bisection with simulations finds "
        "where it flips, and the two points either side are simulated again with the "
        f"scenario's {main} replications. The verdict's volume and GPU-price flips (costs "
        "scaled) are re-simulated too."
    )
    options = list(dict.fromkeys((min(SCREEN_REPLICATIONS, main), main)))
    cols = st.columns([1, 2])
    reps = cols[0].radio(
        "Replications per screened point",
        options,
        format_func=lambda n: f"{n} (as this run, same seeds)" if n == main else f"{n} (screen)",
        key=f"sens_reps_{level}",
        horizontal=True,
    )
    cols[1].caption(estimate_text(s, r, int(reps)))
    if st.button("Compute sensitivity", key=f"sens_run_{level}"):
        try:
            with st.spinner("simulating the tornado..."), sweeper(page_scheduler()) as sw:
                started = time.perf_counter()
                out = sensitivity(s, sw, int(reps), base_outcome(s, r))
                timings().record(
                    key(s, int(reps)),
                    time.perf_counter() - started,
                    int(out.get("evaluated", 0)),
                    naive_seconds(s, r, int(reps)),
                )
                st.session_state[key(s, int(reps))] = clean(out)
        except ScenarioError as exc:
            st.error(str(exc))
        else:
            st.rerun()  # the flip list and the memo above this section read it too
    out = st.session_state.get(key(s, int(reps))) or computed(s)
    if out:
        show(out)


def show(out: dict[str, Any]) -> None:
    st.markdown(text.headline(out).replace("$", "\\$"))
    st.plotly_chart(tool_charts.fig_tornado(out), width="stretch")
    # a table wraps its cells: the grid cut 'monthly cost, low / high end' at 820 px
    st.table(pd.DataFrame(markdown_cells(text.table(out))), hide_index=True)
    for line in text.flips_found(out) + text.notes(out) + text.check_lines(out):
        st.markdown("- " + line.replace("$", "\\$"))
