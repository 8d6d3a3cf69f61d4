"""Streamlit entry: routes pages, renders the scenario sidebar, keeps the URL in step."""

from __future__ import annotations

import streamlit as st

import ui.optimise as optimise_page
import ui.whatif as whatif_page
from ui import assumptions, capacity, compare, compliance, cost, latency, overview, sidebar, state

st.set_page_config(page_title="Edge-Cloud Inference Planner", layout="wide")
state.init_from_link()
sidebar.render()
st.session_state["result"] = state.current_result()
page = st.navigation(
    [
        st.Page(overview.render, title="Overview", url_path="overview", default=True),
        st.Page(latency.render, title="Latency", url_path="latency"),
        st.Page(capacity.render, title="Fallback and capacity", url_path="capacity"),
        st.Page(cost.render, title="Cost", url_path="cost"),
        st.Page(compliance.render, title="Compliance and risk", url_path="compliance"),
        st.Page(compare.render, title="Compare", url_path="compare"),
        st.Page(assumptions.render, title="Assumptions", url_path="assumptions"),
        st.Page(optimise_page.render, title="Optimise and sensitivity", url_path="optimise"),
        st.Page(whatif_page.render, title="What-if", url_path="whatif"),
    ]
)
page.run()
state.sync_url()
state.follow_with_full()  # after a preview: the full answer replaces it
