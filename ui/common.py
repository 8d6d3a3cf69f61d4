"""Helpers shared by the pages: the current result and the notices above it.

Numbers are formatted by ``planner.formatting`` (the same style sheet as the memo and the CLI).
"""

from __future__ import annotations

import os

import plotly.graph_objects as go
import streamlit as st

from planner.formatting import interval, ms, pct, usd
from planner.run import RunResult

__all__ = [
    "CHART_PX",
    "charts_side_by_side",
    "ci_text",
    "ms",
    "notices",
    "page_scheduler",
    "pct",
    "result",
    "usd",
]

CHART_PX = 450
"""A paired chart's width in pixels: two fit side by side in the main area of a 1400 px window
(about 940 px beside the sidebar) and wrap one above the other in an 820 px window (about
490 px), where two half-width columns of 236 px crushed the bars, labels and legends."""


def charts_side_by_side(*figs: go.Figure) -> None:
    """Charts in a row that wraps when the main area cannot hold them at ``CHART_PX`` each."""
    with st.container(horizontal=True, horizontal_alignment="distribute"):
        for fig in figs:
            st.plotly_chart(fig, width=CHART_PX)


def page_scheduler() -> str:
    """Where a page's sweep runs: the Dask scheduler named by ``PLANNER_DASK_SCHEDULER`` when
    set, else the web server's own process (a page should not start a cluster per click)."""
    from planner.sweeps import ENV_SCHEDULER, INPROCESS

    return os.environ.get(ENV_SCHEDULER) or INPROCESS


def notices() -> None:
    """Form errors, stale results and link messages, at the top of the main area."""
    err = st.session_state.get("form_error")
    if err:
        st.error("Not applied; the previous scenario stays in force:\n\n" + err)
    if st.session_state.get("stale") and st.session_state.get("result") is not None:
        st.warning(
            "Results are stale: the inputs in the sidebar differ from the run shown here. "
            "Press **Run** to simulate them."
        )
    for msg in st.session_state.get("link_messages") or []:
        st.warning(f"Link: {msg}")
    r = st.session_state.get("result")
    if r is not None and r.engine.get("mode") == "preview":
        st.info(
            "Preview: a quick answer from a fixed budget of simulated requests (every hour of "
            "the day, shortened and weighted to the month); the full run follows and replaces "
            "it. Its precision is on the Assumptions page."
        )


def result() -> RunResult | None:
    """The current run, or None after showing why there is none."""
    notices()
    err = st.session_state.get("run_error")
    if err:
        st.error(f"Not simulated: {err}")
        return None
    r: RunResult | None = st.session_state.get("result")
    return r


def ci_text(r: RunResult, key: str, fmt: str = "ms") -> str:
    f = {"ms": ms, "pct": pct, "usd": usd}[fmt]
    ci = r.ci95.get(key)
    return f"95 % CI {interval(ci, f)}" if ci else interval(None, f)


def markdown_cells(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows for ``st.table``, whose cells are Markdown: a cell opening with a block marker is
    escaped, so '>99.9 % / >99.9 %' reads as written (it was a quote that hid its '>')."""
    return [
        {k: f"\\{v}" if isinstance(v, str) and v[:1] in BLOCK_MARKS else v for k, v in r.items()}
        for r in rows
    ]


BLOCK_MARKS = (">", "#", "-", "+", "*")
"""What opens a Markdown block (a quote, a heading, a list item) at the start of a cell."""
