"""Fallback and capacity: queues, replicas ready and provisioning, scaling reasons, outages."""

from __future__ import annotations

import streamlit as st

from ui import charts
from ui.common import num, pct, result


def render() -> None:
    st.title("Fallback and capacity")
    r = result()
    if r is None:
        return
    f = r.figures
    segments = list(dict.fromkeys(r.series["segment"]))
    segment = st.selectbox("Simulated day", segments) if len(segments) > 1 else segments[0]
    st.plotly_chart(charts.fig_capacity(r, segment), use_container_width=True)
    cols = st.columns(4)
    cols[0].metric("fallback rate", pct(f["fallback_rate"]))
    cols[1].metric("GPU hours / month", num(f["cloud.gpu_hours"], 1))
    cols[2].metric("GPU utilisation", pct(f["cloud.utilization"]))
    cols[3].metric("device utilisation", pct(f["edge.utilization"]))
    cols = st.columns(4)
    cols[0].metric("peak replicas", num(f["cloud.peak_replicas"], 1))
    cols[1].metric("mean batch size", num(f["cloud.mean_batch_size"], 2))
    cols[2].metric("links down", pct(f["links.down_fraction"]))
    cols[3].metric("device energy / month", num(f["edge.energy_kwh"], 1, " kWh"))
    drops = {k.rsplit(".", 1)[1]: int(v) for k, v in f.items() if "dropped_by_reason" in k and v}
    if drops:
        st.subheader("Drops by reason (simulated requests)")
        st.table({"reason": list(drops), "requests": list(drops.values())})
    log = r.scaling_log[r.scaling_log["segment"] == segment]
    st.subheader(f"Scaling decisions ({len(log)})")
    st.dataframe(log.head(500), hide_index=True)
