"""Assumptions: every catalog figure the scenario uses, with its source and confidence grade."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from pydantic import BaseModel

from planner.catalog import iter_figures, load_catalog
from planner.engines import describe
from planner.errors import ScenarioError
from planner.formatting import label
from planner.plan import build_plan, day_table
from planner.scenario import Scenario
from ui import pilot, state


def render() -> None:
    st.title("Assumptions")
    s = state.scenario()
    cat = load_catalog()
    links = {s.network.link, *s.network.site_links.values()}
    entries = [
        ("device", s.edge.device, cat.devices[s.edge.device]),
        ("GPU", s.cloud.gpu, cat.gpus[s.cloud.gpu]),
    ]
    entries += [("link", k, cat.links[k]) for k in sorted(links)]
    st.caption(
        "Grade = type/confidence. Type: M measured, VM vendor-measured, VC vendor claim, "
        "L list price, D derived. Confidence: H high, M medium, L low."
    )
    for kind, key, entry in entries:
        # one table per profile: a 'profile' column repeating 'device: pi5 8gb hailo10h' on
        # every row pushed the source notes past the right edge of an 820 px window
        st.markdown(f"**{kind}: {label(key)}**")
        st.table(profile_rows(entry), hide_index=True, border="horizontal")
    overrides = {
        "edge.capex_usd_per_device": s.edge.capex_usd_per_device,
        "cloud.gpu_hourly_usd": s.cloud.gpu_hourly_usd,
        "cloud.batch1_ms": s.cloud.batch1_ms,
    }
    given = {k: v for k, v in overrides.items() if v is not None}
    if given:
        st.subheader("Scenario overrides of catalog figures")
        st.dataframe(
            {"field": list(given), "value": [f"{x:,g}" for x in given.values()]}, hide_index=True
        )
    days_simulated(s)
    engine_info()
    pilot.render_section()


def profile_rows(entry: BaseModel) -> pd.DataFrame:
    """A catalog profile's figures with value, grade and source (a table wraps the long source
    notes; a dataframe cell would cut them off)."""
    rows = [
        {"figure": label(name), "value": f"{fig.v:,g}", "grade": fig.grade, "source": fig.src}
        for name, fig in iter_figures(entry)
    ]
    return pd.DataFrame(rows, columns=["figure", "value", "grade", "source"])


def engine_info() -> None:
    """Which engine answered (and why SimPy where the compiled one was asked), full or
    preview, and how precise the key figures are."""
    r = st.session_state.get("result")
    if r is None or "used" not in r.engine:
        return
    st.subheader("Engine and precision")
    for line in describe(r.engine):
        st.caption(line)


def days_caption(horizon: str) -> str:
    """What the day list is, for the plan's horizon."""
    if horizon == "full_month":
        return "The whole 30-day month is simulated in one stretch (day 1 a Monday)."
    shares = "each counts for its share of the 30-day month (day 1 a Monday); the shares sum to 30."
    if horizon == "sampled_hours":
        return (
            "Representative days cut to sampled hours (every hour of the day, each simulated "
            "for L seconds at its real rate and reweighted; the notes below give L): " + shares
        )
    return "Representative days: each simulated day " + shares


def days_simulated(s: Scenario) -> None:
    """The plan's day list: which days are simulated and how many days of the month each is."""
    st.subheader("Simulated days")
    try:
        plan = build_plan(s)
    except ScenarioError as e:
        st.warning(str(e))
        return
    st.caption(days_caption(plan.horizon))
    st.dataframe(pd.DataFrame(day_table(plan)), hide_index=True, width="stretch")
    for note in plan.notes:
        st.caption(state.plain(note))  # notes quote class names from links
