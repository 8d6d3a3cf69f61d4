"""Compare: edge-only, cloud-only and the hybrid side by side on the same traffic, exactly the
figures the decision scored (read from the run's verdict, not simulated again)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planner.compare import verdict_rows
from planner.formatting import cell
from planner.verdict import recommended_text
from ui import charts
from ui.common import result


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
    rows = [
        {"figure": row["figure"], **{n: cell(row["kind"], row[n], llm) for n in names}}
        for row in verdict_rows(v)
    ]
    df = pd.DataFrame(rows)
    best = v.recommended.name
    styled = df.style.set_properties(subset=[best], **{"background-color": "#e6f2e6"})
    # 35 px a row plus the header: every row shown, no blank row below the last
    st.dataframe(styled, hide_index=True, width="stretch", height=35 * (len(df) + 1) + 3)
    for option, by in v.decision.dominated.items():
        st.caption(f"{option} is dominated by {by} (no better on cost, SLO attainment or gaps).")
    for a in v.architectures:
        if a.sizing is not None:
            st.caption(a.sizing.text(a.name))
    for name, why in v.missing:
        st.warning(f"{name} is not compared: {why}")
    st.plotly_chart(charts.fig_compare(r), width="stretch")
