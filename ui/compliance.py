"""Compliance and risk: the editable checklist per architecture, its gaps, the risk matrix."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planner.compliance import CHECKLIST, quick_decisions
from planner.errors import ScenarioError
from planner.presets import apply_overrides
from ui import state
from ui.common import result

STATUSES = ["done", "planned", "gap", "not_applicable"]


def render() -> None:
    st.title("Compliance and risk")
    r = result()
    if r is None:
        return
    comp = r.extras["compliance"]
    if r.scenario.workload.sensitive_share > 0:
        if comp["residency_verified"]:
            st.success(
                f"Residency verified in the simulation: {int(r.figures['sensitive_left_site'])} "
                "sensitive requests crossed a site's link."
            )
        else:
            st.error(f"{int(r.figures['sensitive_left_site'])} sensitive requests left their site.")
    df = pd.DataFrame(
        [
            {"id": i["id"], "item": i["title"], "edge": i["edge"], "cloud": i["cloud"]}
            for i in comp["items"]
        ]
    )
    edited = st.data_editor(
        df,
        hide_index=True,
        disabled=["id", "item"],
        key="checklist_editor",
        column_config={
            a: st.column_config.SelectboxColumn(a, options=STATUSES) for a in ("edge", "cloud")
        },
    )
    if st.button("Apply checklist answers"):
        updates = {
            f"compliance.{a}": {row["id"]: row[a] for _, row in edited.iterrows()}
            for a in ("edge", "cloud")
        }
        try:
            state.set_scenario(apply_overrides(state.scenario(), updates))
            st.rerun()
        except ScenarioError as exc:
            st.error(str(exc))
    st.markdown(
        "**Gaps** — edge: "
        + (", ".join(comp["gaps"]["edge"]) or "none")
        + " · cloud: "
        + (", ".join(comp["gaps"]["cloud"]) or "none")
    )
    with st.expander("What each item means"):
        for it in CHECKLIST:
            st.markdown(f"**{it.title}** — edge: {it.edge_practice}; cloud: {it.cloud_practice}")
    st.subheader("Ten quick decisions (from the scenario and the simulation)")
    st.dataframe(pd.DataFrame(quick_decisions(r.scenario, r.figures)), hide_index=True)
    st.subheader("Risk matrix")
    st.dataframe(pd.DataFrame(comp["risks"]), hide_index=True)
