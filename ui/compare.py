"""Compare: edge-only, cloud-only and the hybrid side by side on the same traffic, exactly the
figures the decision scored (read from the run's verdict, not simulated again)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planner.compare import verdict_rows
from planner.decision import OPTIONS
from planner.formatting import cell
from planner.verdict import Verdict, recommended_text
from ui import charts
from ui.common import result
from ui.overview import NO_FALLBACK


def points(x: float) -> str:
    """A criterion's points as the score row shows the sum: one decimal, signed ('-7.75293'
    was a raw float)."""
    return "0" if abs(x) < 0.05 else f"{x:+.1f}"


def score_rows(v: Verdict) -> pd.DataFrame:
    """The decision matrix behind the 'decision score' row: each criterion that applied, the
    points it gave each architecture, and why (the score row is their sum)."""
    index = {o: i for i, o in enumerate(OPTIONS)}
    rows = [
        {
            "criterion": c.name,
            **{a.name: points(c.points[index[a.option]]) for a in v.architectures},
            "why": c.reason,
        }
        for c in v.decision.criteria
    ]
    return pd.DataFrame(rows, columns=["criterion", *(a.name for a in v.architectures), "why"])


def render() -> None:
    st.title("Compare architectures")
    r = result()
    if r is None or r.verdict is None:
        return
    v = r.verdict
    st.caption(
        "Each architecture runs on the scenario's seed: identical traffic and random numbers. "
        f"Recommended: {recommended_text(v)}."
    )
    llm = r.scenario.workload.is_llm
    names = [a.name for a in v.architectures]
    one_path = {a.name for a in v.architectures if a.key in NO_FALLBACK}
    rows = [
        {
            "figure": row["figure"],
            **{
                # as on the Overview's tiles: '0.0 %' read as a measured rate of a path that
                # edge-only and cloud-only do not have
                n: "none"
                if row["figure"] == "fallback rate" and n in one_path
                else cell(row["kind"], row[n], llm)
                for n in names
            },
        }
        for row in verdict_rows(v)
    ]
    df = pd.DataFrame(rows)
    best = v.recommended.name
    styled = df.style.set_properties(subset=[best], **{"background-color": "#e6f2e6"})
    # 35 px a row plus the header: every row shown, no blank row below the last
    st.dataframe(styled, hide_index=True, width="stretch", height=35 * (len(df) + 1) + 3)
    with st.expander("How the decision score adds up"):
        st.caption(
            "Each criterion of the decision matrix that applies to this scenario gives each "
            "option points (negative: it counts against it); the score is their sum. The "
            "recommendation is the highest-scoring option that ran and is not dominated."
        )
        st.table(score_rows(v), hide_index=True)
    for option, by in v.decision.dominated.items():
        st.caption(f"{option} is dominated by {by} (no better on cost, SLO attainment or gaps).")
    for a in v.architectures:
        if a.sizing is not None:
            st.caption(a.sizing.text(a.name))
    for name, why in v.missing:
        st.warning(f"{name} is not compared: {why}")
    st.plotly_chart(charts.fig_compare(r), width="stretch")
