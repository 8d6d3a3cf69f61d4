"""Cost: monthly breakdown, cumulative TCO with the break-even month, cost per 1,000 requests,
and the break-even volume found by running the engine across volumes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planner.compare import break_even_volume
from planner.cost import busy_vs_billed_note
from ui import charts
from ui.common import result
from ui.state import canonical


@st.cache_data(max_entries=8, show_spinner=False)
def cached_break_even(scenario_json: str) -> tuple[list[dict[str, float]], float | None]:
    from planner.scenario import Scenario

    return break_even_volume(Scenario.model_validate_json(scenario_json))


def render() -> None:
    st.title("Cost")
    r = result()
    if r is None:
        return
    cost = r.extras["cost"]
    c1, c2 = st.columns(2)
    c1.plotly_chart(charts.fig_cost_breakdown(r), use_container_width=True)
    c2.plotly_chart(charts.fig_tco(r), use_container_width=True)
    rows = [
        {
            "architecture": name,
            "monthly (USD)": round(b.monthly_usd["total"], 2),
            "capex (USD)": round(b.capex_usd),
            "first year (USD)": round(b.first_year_usd),
            f"{b.horizon_years}-year (USD)": round(b.horizon_usd),
            "per 1,000 requests (USD)": round(b.per_1k_requests_usd, 4),
        }
        for name, b in r.extras["cost_breakdowns"].items()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    be = cost["break_even_month"]
    when = be if be is not None else "none in the horizon"
    st.caption(f"Break-even month (edge-first vs cloud-first): {when}")
    st.subheader("Monthly cost lines (this scenario)")
    st.dataframe(pd.DataFrame([cost["monthly_usd"]]).T.rename(columns={0: "USD / month"}))
    st.subheader("GPU-hours and the bill (this scenario)")
    if cost["gpu_bill"]:
        hours = cost["gpu_hours"]
        st.dataframe(
            pd.DataFrame([hours]).rename(index={0: "GPU-hours / month"}).T,
            use_container_width=False,
        )
        st.dataframe(pd.DataFrame(cost["gpu_bill"]), hide_index=True)
        st.caption(busy_vs_billed_note(hours))
    st.subheader("Break-even volume")
    if st.button("Simulate across volumes (edge-only vs cloud-only, x0.1 to x10)"):
        with st.spinner("simulating 10 runs..."):
            rows_v, crossing = cached_break_even(canonical(r.scenario))
        st.plotly_chart(charts.fig_break_even_volume(rows_v), use_container_width=True)
        st.write(
            f"Edge-only and cloud-only cost the same at about {crossing:,.0f} requests a month."
            if crossing
            else "The two cost curves do not cross in this range."
        )
