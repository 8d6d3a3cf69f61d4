"""Fallback and capacity: replicas, queues, fallbacks and utilisation over one simulated day
(the busiest first), drops by reason and the scaling decisions with their times of day."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planner.formatting import count, label, number, pct
from ui import charts
from ui.common import result


def render() -> None:
    st.title("Fallback and capacity")
    r = result()
    if r is None:
        return
    f = r.figures
    days = charts.capacity_days(r)
    names = [n for n, _ in days]
    day = None
    if len(names) > 1:
        day = st.selectbox(
            "Simulated day (opens on the busiest)",
            names,
            index=charts.busiest(days),
            help="Each distinct day type is simulated once; the month weights them.",
        )
    st.plotly_chart(charts.fig_capacity(r, day), width="stretch")
    cols = st.columns(4)
    cols[0].metric("fallback rate", pct(f["fallback_rate"]))
    cols[1].metric("GPU hours / month", number(f["cloud.gpu_hours"], 1, " h"))
    cols[2].metric("GPU utilisation", pct(f["cloud.utilization"]))
    cols[3].metric("device utilisation", pct(f["edge.utilization"]))
    cols = st.columns(4)
    cols[0].metric("peak replicas", number(f["cloud.peak_replicas"], 0))
    cols[1].metric("mean batch size", number(f["cloud.mean_batch_size"], 1))
    cols[2].metric("links down", pct(f["links.down_fraction"]))
    cols[3].metric("device energy / month", number(f["edge.energy_kwh"], 0, " kWh"))
    cols = st.columns(4)
    cols[0].metric("breaker openings / month", number(f.get("links.breaker_opens_per_month"), 0))
    cols[1].metric(
        "kept local, breaker open / month",
        number(f.get("links.kept_local_by_breaker_per_month"), 0),
    )
    cols[2].metric(
        "kept local, link down / month", number(f.get("links.kept_local_link_down_per_month"), 0)
    )
    cols[3].metric("GPU cold starts / day", number(f.get("cloud.cold_starts_per_day"), 0))
    drops = {
        label(k.rsplit(".", 1)[1]): count(v) for k, v in f.items() if "dropped_by_reason" in k and v
    }
    if drops:
        st.subheader("Drops by reason (simulated requests)")
        st.dataframe(
            pd.DataFrame({"reason": list(drops), "requests": list(drops.values())}),
            hide_index=True,
        )
    log = charts.scaling_rows(r, day)
    st.subheader(f"Scaling decisions on this day ({len(log):,})")
    st.dataframe(log.head(500), hide_index=True, width="stretch")
