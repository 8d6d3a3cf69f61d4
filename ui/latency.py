"""Latency: distributions per path, the percentile table, time to first token, the day."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planner.formatting import ms, pct, ttft
from simulations.records import PATHS
from ui import charts
from ui.common import charts_side_by_side, result

QS = ("mean", "p50", "p95", "p99")


def render() -> None:
    st.title("Latency")
    r = result()
    if r is None:
        return
    f = r.figures
    charts_side_by_side(charts.fig_latency_histogram(r), charts.fig_latency_ecdf(r))
    rows = [
        {"path": "all requests", "share": pct(1.0), **{q: ms(f[f"latency_ms.{q}"]) for q in QS}}
    ]
    for path in PATHS:
        share = f[f"latency_ms_by_path.{path}.share"]
        if share > 0:
            rows.append(
                {
                    "path": path,
                    "share": pct(share),
                    **{q: ms(f[f"latency_ms_by_path.{path}.{q}"]) for q in QS},
                }
            )
    if f["drop_rate"] > 0:  # the shares above then add up to 100 % with this row
        rows.append({"path": "dropped (not served)", "share": pct(f["drop_rate"])})
    st.subheader("Percentiles of this scenario's routing")
    st.dataframe(pd.DataFrame(rows).fillna(""), hide_index=True, width="stretch")
    st.subheader("Time to first token")
    if r.scenario.workload.is_llm:
        st.dataframe(
            pd.DataFrame([{q: ttft(f.get(f"ttft_ms.{q}")) for q in QS}]),
            hide_index=True,
            width="stretch",
        )
        target = r.scenario.slo.ttft_p95_ms
        if target is not None:  # the charts above draw only end-to-end targets
            st.caption(f"SLO: time to first token p95 within {ms(target)}.")
    else:
        st.caption(f"{ttft(None, False)}: vision requests return one answer, no token stream.")
    st.plotly_chart(charts.fig_latency_by_hour(r), width="stretch")
