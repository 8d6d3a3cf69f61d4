"""Latency: distributions per path, the percentile table, time to first token, the day."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulations.records import PATHS
from ui import charts
from ui.common import ms, pct, result


def render() -> None:
    st.title("Latency")
    r = result()
    if r is None:
        return
    f = r.figures
    c1, c2 = st.columns(2)
    c1.plotly_chart(charts.fig_latency_histogram(r), use_container_width=True)
    c2.plotly_chart(charts.fig_latency_ecdf(r), use_container_width=True)
    rows = [
        {
            "path": "all",
            "share": pct(1.0),
            **{q: ms(f[f"latency_ms.{q}"]) for q in ("mean", "p50", "p95", "p99")},
        }
    ]
    for path in PATHS:
        share = f[f"latency_ms_by_path.{path}.share"]
        if share > 0:
            rows.append(
                {
                    "path": path,
                    "share": pct(share),
                    **{
                        q: ms(f[f"latency_ms_by_path.{path}.{q}"])
                        for q in ("mean", "p50", "p95", "p99")
                    },
                }
            )
    st.subheader("Percentiles")
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    if r.scenario.workload.is_llm:
        st.subheader("Time to first token")
        st.dataframe(
            pd.DataFrame([{q: ms(f[f"ttft_ms.{q}"]) for q in ("mean", "p50", "p95", "p99")}]),
            hide_index=True,
        )
    st.plotly_chart(charts.fig_latency_by_hour(r), use_container_width=True)
