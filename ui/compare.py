"""Compare: edge-only, cloud-only and hybrid side by side on the same traffic."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planner.compare import compare, table
from ui import charts
from ui.common import result
from ui.state import canonical


@st.cache_data(max_entries=8, show_spinner=False)
def cached_compare(scenario_json: str) -> tuple[list[dict[str, object]], list[str]]:
    from planner.scenario import Scenario

    runs = compare(Scenario.model_validate_json(scenario_json))
    return table(runs), [v.label for v in runs]


def render() -> None:
    st.title("Compare architectures")
    r = result()
    if r is None:
        return
    st.caption("Each variant keeps the scenario's seed: identical traffic and random numbers.")
    with st.spinner("simulating the three architectures..."):
        rows, labels = cached_compare(canonical(r.scenario))
    st.dataframe(pd.DataFrame(rows).round(3), hide_index=True)
    st.plotly_chart(charts.fig_compare(rows, labels), use_container_width=True)
