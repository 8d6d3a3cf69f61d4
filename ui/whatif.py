"""What-if: two or more scenario links side by side, the changed inputs highlighted, every KPI
and monthly cost line with its delta against the first (the reference)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from planner.errors import ScenarioError
from planner.links import MAX_CHARS
from planner.plan import WorkLimitError
from planner.scenario import Scenario
from planner.whatif import (
    changed_inputs,
    cost_figures,
    decisions,
    decode_file,
    decode_link,
    display_rows,
    kpi_figures,
)
from ui import state

HIGHLIGHT = "background-color: #fff3b0"
MAX_LINKS = 6
"""Scenarios compared at once: each is a full simulation, run one after another."""
MAX_TEXT_CHARS = (MAX_LINKS + 2) * (MAX_CHARS + 1_000)
"""Room for that many links at the link size limit (``planner.links.MAX_CHARS``), and spare."""


def input_value(v: Any) -> str:
    """A scenario input as typed: 50 devices, not '50.0' (a column mixing integers with
    prices or None became floats), a price as 6 or 0.805, yes/no, '—' where unset."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int | float) and math.isfinite(v) and float(v).is_integer():
        return f"{int(v):,}"
    if isinstance(v, float):
        return f"{v:,.6g}"
    return str(v)


def input_table(changes: list[dict[str, Any]]) -> pd.DataFrame:
    """The changed inputs, every value as text in its own form."""
    return pd.DataFrame(
        [{k: v if k == "input" else input_value(v) for k, v in row.items()} for row in changes]
    )


def highlight_changes(df: pd.DataFrame) -> Any:
    """Cells that differ from the reference column, highlighted."""

    def style(row: pd.Series) -> list[str]:
        ref = row.get("reference")
        return [
            HIGHLIGHT if col.startswith("what-if") and row[col] != ref else "" for col in row.index
        ]

    return df.astype(str).style.apply(style, axis=1)


def render() -> None:
    st.title("What-if")
    st.caption(
        "Paste two or more scenario links, one per line (the first is the reference). Every "
        "scenario keeps its own seed; runs are shared with the other pages."
    )
    default = st.session_state.get("whatif_links") or state.share_url()
    text = st.text_area(
        "Scenario links", default, height=120, key="whatif_text", max_chars=MAX_TEXT_CHARS
    )
    st.session_state["whatif_links"] = text
    links = [line for line in text.splitlines() if line.strip()]
    if len(links) > MAX_LINKS:
        st.warning(
            f"{len(links)} links pasted; at most {MAX_LINKS} are compared (each is a full "
            f"simulation): the first {MAX_LINKS} are used."
        )
        links = links[:MAX_LINKS]
    decoded = [decode_link(link) for link in links]
    for i, d in enumerate(decoded):
        for msg in d.messages:
            st.warning(f"link {i + 1}: {state.plain(msg)}")  # quotes a stranger's link
    scenarios = [d.scenario for d in decoded] + saved_scenarios()
    if len(scenarios) > MAX_LINKS:
        st.warning(f"At most {MAX_LINKS} scenarios are compared: the first {MAX_LINKS} are used.")
        scenarios = scenarios[:MAX_LINKS]
    if len(scenarios) < 2:
        st.info("Add at least one more link to compare (e.g. a point from the Optimise page).")
        return
    try:
        with st.spinner("simulating the scenarios..."):
            results = [state.cached_run(state.canonical(s)) for s in scenarios]
    except (ScenarioError, WorkLimitError) as exc:
        st.error(f"Not simulated: {exc}")
        return
    st.subheader("Recommendation")
    st.table(pd.DataFrame([decisions(results)], columns=columns(len(results))))
    st.subheader("Changed inputs")
    changes = changed_inputs(scenarios)
    if changes:
        st.dataframe(highlight_changes(input_table(changes)), hide_index=True)
    else:
        st.write("The scenarios are identical.")
    is_llm = scenarios[0].workload.is_llm
    st.subheader("KPIs")
    st.caption("Δ: the what-if minus the reference; shares change in percentage points (pp).")
    kpis = display_rows(kpi_figures(results), is_llm)
    st.dataframe(pd.DataFrame(kpis), hide_index=True, width="stretch", height=fit(len(kpis)))
    st.subheader("Monthly cost by line")
    lines = display_rows(cost_figures(results))
    st.dataframe(pd.DataFrame(lines), hide_index=True, width="stretch", height=fit(len(lines)))


def saved_scenarios() -> list[Scenario]:
    """Scenario YAML files uploaded beside the links (as ``python -m planner show`` writes)."""
    files = st.file_uploader(
        "...or saved scenarios (YAML)", type=["yaml", "yml"], accept_multiple_files=True
    )
    out = []
    for f in files or []:
        try:
            out.append(decode_file(f.getvalue(), f.name))
        except ScenarioError as exc:
            st.error(str(exc))
    return out


def fit(rows: int) -> int:
    """A table's height in pixels that shows every row (no inner scroll hiding the totals)."""
    return 35 * (rows + 1) + 3


def columns(n: int) -> list[str]:
    return ["reference", *(f"what-if {i}" for i in range(1, n))]
