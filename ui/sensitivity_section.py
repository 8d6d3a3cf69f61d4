"""Sensitivity section: the tornado of the current scenario and where its decision flips."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from planner.errors import ScenarioError
from planner.scenario import Scenario
from planner.sensitivity import sensitivity
from planner.sweeps import clean, sweeper
from ui import state, tool_charts
from ui.common import page_scheduler


def table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "input": r["input"],
                "unit": r["unit"],
                "low": r["low"],
                "high": r["high"],
                "range from": r["range_from"],
                "monthly USD low": r["monthly_usd"]["low"],
                "monthly USD high": r["monthly_usd"]["high"],
                "attainment low": r["slo_attainment"]["low"],
                "attainment high": r["slo_attainment"]["high"],
                "flips at": r["flip_at"]
                if isinstance(r["flip_at"], str)
                else f"{r['flip_at']:,.4g} → {r['flip_to']}",
            }
            for r in rows
        ]
    )


def render(s: Scenario) -> None:
    st.header("Sensitivity")
    st.caption(
        "Each uncertain input at the low and high end of its range (catalog figures by their "
        "confidence grade), one at a time, on the same traffic; bisection finds where the "
        "recommendation flips."
    )
    key = repr(("sensitivity", state.canonical(s)))
    if st.button("Run sensitivity", key="sens_run"):
        try:
            with st.spinner("simulating the tornado..."), sweeper(page_scheduler()) as sw:
                st.session_state[key] = clean(sensitivity(s, sw))
        except ScenarioError as exc:
            st.error(str(exc))
    out = st.session_state.get(key)
    if not out:
        return
    base = out["base"]
    st.write(f"Recommendation as stated: **{out['recommendation']}**")
    st.plotly_chart(
        tool_charts.fig_tornado(out["rows"], base["monthly_usd"] or 0.0), width="stretch"
    )
    st.dataframe(table(out["rows"]), hide_index=True)
