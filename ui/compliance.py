"""Compliance and risk: the editable checklist per architecture, its gaps, the risk matrix."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from planner.compliance import (
    CHECKLIST,
    hybrid_patterns,
    item_status,
    quick_decisions,
    residency_price,
    routing_check_text,
)
from planner.errors import ScenarioError
from planner.formatting import label
from planner.presets import apply_overrides
from planner.scenario import Scenario
from ui import state
from ui.common import result

STATUSES = ["done", "planned", "gap", "not applicable"]
ARCHS = {"edge": "edge fleet", "cloud": "cloud pool"}


def to_status(text: str) -> str:
    return "not_applicable" if text == "not applicable" else text


def changed_answers(s: Scenario, edited: pd.DataFrame) -> dict[str, Any]:
    """Only the answers that differ from what the scenario already says (a short link)."""
    updates: dict[str, Any] = {}
    bare = apply_overrides(s, {"compliance.edge": {}, "compliance.cloud": {}})
    for arch in ARCHS:
        given = dict(getattr(s.compliance, arch))
        for it, (_, row) in zip(CHECKLIST, edited.iterrows(), strict=True):
            new = to_status(str(row[ARCHS[arch]]))
            if new == item_status(s, it, arch):
                continue
            if new == item_status(bare, it, arch):
                given.pop(it.id, None)
            else:
                given[it.id] = new
        if given != dict(getattr(s.compliance, arch)):
            updates[f"compliance.{arch}"] = given
    return updates


CHECK_PX = (220, 120)
"""The checklist's item and status columns in pixels: the three fit the main area of an 820 px
window (about 490 px), where 'large' and 'small' (400 + 2 x 75) cut 'not applicable' to
'not applical' and the cloud column to one letter."""


def render() -> None:
    st.title("Compliance and risk")
    r = result()
    if r is None or r.verdict is None:
        return
    v, s = r.verdict, r.scenario
    chk = v.checklist
    if s.workload.sensitive_share > 0:
        text = routing_check_text(chk, r.figures["sensitive_left_site"])
        (st.success if chk.residency_verified else st.error)(text)
        price = residency_price(r.figures)
        if price:
            st.info(price)
    df = pd.DataFrame(
        [
            {
                "item": it.title,
                **{name: label(chk.status[it.id][a]) for a, name in ARCHS.items()},
            }
            for it in CHECKLIST
        ]
    )
    edited = st.data_editor(
        df,
        hide_index=True,
        disabled=["item"],
        key="checklist_editor",
        width="stretch",
        column_config={
            "item": st.column_config.TextColumn("item", width=CHECK_PX[0]),
            **{
                name: st.column_config.SelectboxColumn(name, options=STATUSES, width=CHECK_PX[1])
                for name in ARCHS.values()
            },
        },
    )
    if st.button("Apply checklist answers"):
        updates = changed_answers(s, edited)
        if updates:
            try:
                state.set_scenario(apply_overrides(state.scenario(), updates))
                st.session_state["link_messages"] = []
                st.rerun()
            except ScenarioError as exc:
                st.error(str(exc))
    st.markdown("**Gaps of each architecture**")
    for a in v.architectures:
        gaps = ", ".join(label(g) for g in a.gaps) or "none"
        st.markdown(f"- {a.name}: {gaps}")
    with st.expander("What each item means"):
        for it in CHECKLIST:
            st.markdown(f"**{it.title}** — edge: {it.edge_practice}; cloud: {it.cloud_practice}")
    st.subheader("Ten quick decisions (from the scenario and the simulation)")
    # st.table wraps long text; a dataframe cell would cut it off
    st.table(
        pd.DataFrame(quick_decisions(s, r.figures)).drop(columns=["from"]).set_index("question")
    )
    st.subheader("Hybrid patterns (from the source article)")
    st.table(pd.DataFrame(hybrid_patterns(s)).set_index("pattern"))
    st.subheader("Risk matrix")
    st.table(pd.DataFrame(chk.risks).drop(columns=["id"]).set_index("risk"))
