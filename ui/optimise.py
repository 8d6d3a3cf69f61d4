"""Optimise: the Pareto front of the scenario's search space, each point a link; sensitivity.

The sweeps run through ``planner.sweeps``: on the Dask scheduler named by
``PLANNER_DASK_SCHEDULER`` when set, else in the web server's process (a page should not
start a cluster per click).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from planner.errors import ScenarioError
from planner.formatting import ms, pct, usd
from planner.links import to_params
from planner.optimise import Constraints, default_constraints, optimise, optimise_json
from planner.presets import apply_overrides
from planner.safe_input import parse_value
from planner.scenario import Scenario
from planner.search_space import Dimension, default_space, dim
from planner.sweeps import clean, sweeper
from ui import sensitivity_section, state, tool_charts
from ui.common import page_scheduler

METHODS = {"grid": "Every combination (exhaustive grid)", "nsga2": "NSGA-II (Optuna)"}


def point_link(s: Scenario, overrides: dict[str, Any]) -> str | None:
    """A relative link that opens the point as a scenario on the Overview page (None for a
    combination the scenario refuses). The Overview is the default page, served at the app's
    root: '/overview' would open a "Page not found" dialog over it."""
    try:
        return "./?" + urlencode(to_params(apply_overrides(s, overrides)))
    except ScenarioError:
        return None


def space_editor(s: Scenario) -> list[Dimension]:
    """The default space, each dimension's values editable as a comma-separated list."""
    out = []
    with st.expander("Search space (values per knob, comma-separated)"):
        for d in default_space(s):
            text = st.text_input(d.name, ", ".join(str(v) for v in d.choices), key=f"opt_{d.name}")
            try:
                values = [parse_value(v, d.name) for v in text.split(",") if v.strip()]
            except ScenarioError as exc:
                st.error(state.plain(str(exc)))
                continue
            values = valid_values(s, d, values)
            if values:
                out.append(dim(d.paths[0], values, *d.paths[1:]))
    return out


MAX_VALUES = 24
"""Values per knob: the grid multiplies them, and the evaluations are capped anyway."""


def valid_values(s: Scenario, d: Dimension, values: list[Any]) -> list[Any]:
    """The values the scenario accepts for this knob on their own; each refused one is named
    with the schema's reason (a point the optimiser found on '-5 devices' had no link to open
    and broke the page)."""
    values = list(dict.fromkeys(values))
    if len(values) > MAX_VALUES:
        st.warning(f"{d.name}: {len(values)} values; the first {MAX_VALUES} are used.")
        values = values[:MAX_VALUES]
    kept = []
    for v in values:
        try:
            apply_overrides(s, dict.fromkeys(d.paths, v))
        except ScenarioError as exc:
            if v not in d.choices:  # the default space's own misfits go quietly
                st.error(f"{d.name} = {state.plain(str(v))[:40]} left out: {state.plain(str(exc))}")
            continue
        kept.append(v)
    return kept


def render() -> None:
    st.title("Optimise")
    s = state.scenario()
    st.caption(
        "The cheapest configurations meeting the SLO: each candidate is simulated on the same "
        "traffic (one replication), the short-list again with the scenario's replications."
    )
    space = space_editor(s)
    base = default_constraints(s)
    cols = st.columns(3)
    evaluations = cols[0].number_input("Evaluations", 2, 200, 12, key="opt_evaluations")
    target = cols[1].number_input(
        "SLO attainment target", 0.0, 1.0, base.min_slo_attainment or 0.0, key="opt_target"
    )
    max_drop = cols[2].number_input("Max drop rate", 0.0, 1.0, 0.01, key="opt_drop")
    constraints = Constraints(target or None, max_drop, base.residency)
    key = ("optimise", state.canonical(s), repr(space), int(evaluations), repr(constraints))
    if st.button("Run optimisation", key="opt_run", type="primary"):
        try:
            with st.spinner("simulating candidates..."), sweeper(page_scheduler()) as sw:
                result = optimise(s, sw, int(evaluations), space or None, constraints)
            st.session_state[repr(key)] = clean(optimise_json(result)) | {
                "points": [p.as_dict() for p in result.points]
            }
        except ScenarioError as exc:
            st.error(str(exc))
    out = st.session_state.get(repr(key))
    if out:
        show_front(s, out)
    r = st.session_state.get("result")
    sensitivity_section.render(s, r if r is not None and r.scenario == s else None)


def show_front(s: Scenario, out: dict[str, Any]) -> None:
    best = out["cheapest_feasible"]
    st.subheader("Pareto front")
    method = METHODS.get(out["method"], out["method"])
    st.write(
        f"{method}, {out['evaluated']} simulations. Cheapest feasible: "
        + (f"{usd(best['monthly_usd'])}/month" if best else "none found").replace("$", "\\$")
    )
    st.plotly_chart(tool_charts.fig_pareto(out["points"], out["front"]), width="stretch")
    rows = [
        {
            "monthly cost": usd(p["monthly_usd"]),
            "SLO attainment": pct(p["slo_attainment"], 2),
            "p95 latency": ms(p["p95_ms"]),
            "feasible": "yes" if p["feasible"] else "no: " + "; ".join(p["violations"]),
            "open": point_link(s, p["overrides"]) or "",
            "changes": ", ".join(f"{k}={v}" for k, v in p["overrides"].items()) or "as stated",
        }
        for p in out["front"]
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "open": st.column_config.LinkColumn("open", display_text="open as scenario"),
            "changes": st.column_config.TextColumn("changes", width="large"),
        },
    )
    st.markdown(  # the full changes of each point (the table's cell cuts long ones off)
        "\n".join(
            (
                f"- [point {i + 1}: {r['monthly cost']}/month]({r['open']})"
                if r["open"]
                else f"- point {i + 1}: {r['monthly cost']}/month (no scenario: refused)"
            ).replace("$", "\\$")
            + f": `{r['changes']}`"
            for i, r in enumerate(rows)
        )
    )
